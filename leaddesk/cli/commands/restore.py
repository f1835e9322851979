"""`leaddesk restore FILE`: put a backup in place of the SQLite database; the current file is kept aside."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "restore",
        help="restore a backup (the current file is kept aside, never deleted)",
        description="Replaces the SQLite database with a backup after checking it. The current file is "
        "kept beside it: as NAME.damaged when it is damaged, else as NAME.before-restore-STAMP. Close "
        "LeadDesk first.",
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "file", nargs="?", type=Path, help="the backup file (a path, or a name in the backups folder)"
    )
    target.add_argument("--latest", action="store_true", help="the newest backup that passes the check")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from leaddesk import config
    from leaddesk.domain.errors import NotFoundError
    from leaddesk.opening import restore_with_lock, sqlite_path_of
    from leaddesk.services.maintenance_service import RestoreNotPossibleError, backups_dir_for

    u = make_url(config.database_url(args.db))
    if u.get_backend_name() != "sqlite":
        raise RestoreNotPossibleError(
            "leaddesk restore works on a SQLite file. A PostgreSQL team database is restored by its "
            "administrator with pg_restore (e.g. pg_restore --clean --dbname=… FILE.dump)."
        )
    path = sqlite_path_of(u)
    folder = backups_dir_for(path)
    if args.latest:
        from leaddesk.storage.integrity import newest_good_backup

        backup = newest_good_backup(folder, path.stem)
        if backup is None:
            raise NotFoundError(f"No backup in {folder} passes the check.")
    else:
        backup = args.file
        if not backup.exists() and (folder / backup.name).exists():
            backup = folder / backup.name
    report = restore_with_lock(path, backup.resolve())
    print(f"Restored {path} from {report.restored_from}.")
    if report.kept_aside is not None:
        kind = "damaged file" if report.was_damaged else "previous file"
        print(f"The {kind} is kept as {report.kept_aside}.")
    if report.migrated:
        print("The backup came from an older LeadDesk and was upgraded.")
    return 0
