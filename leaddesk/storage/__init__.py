"""Keeping the data safe on disk: the SQLite file's settings, backups, checks, locks and secrets.

Qt-free and ORM-free; one job per module, imported by name (nothing is re-exported here, so importing
one module never drags in the others' dependencies, e.g. keyring):

- `sqlite_pragmas`   busy_timeout, WAL, synchronous=FULL, foreign_keys on every SQLite connection
- `backup`           online backups (SQLite backup API), retention, verification, restore
- `integrity`        header sanity, quick/full checks, unclean-shutdown marker, damaged-file set-aside
- `instance_lock`    one LeadDesk writing to a SQLite file at a time
- `risky_location`   network file systems, network shares and cloud-sync folders
- `file_permissions` owner-only data folder and files (POSIX)
- `pg_backup`        pg_dump backups of a PostgreSQL team database
- `secrets`          the PostgreSQL password in the system keyring
- `wal_checkpoints`  the write-ahead log copied into the file after a bulk write, off the writer's thread
- `planner_statistics` SQLite's ANALYZE statistics, refreshed when a table has grown
"""
