"""`leaddesk backup`: back up the database now (SQLite online backup, or pg_dump on PostgreSQL)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "backup",
        help="back up the database now (works while LeadDesk is open), or list the backups",
        description="SQLite: a checked copy made with SQLite's online backup API, in the 'backups' folder "
        "beside the file. PostgreSQL: a pg_dump archive (needs the PostgreSQL client tools).",
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="folder for the backup (default: the usual one)")
    p.add_argument("--list", action="store_true", help="list the backups instead of making one")
    p.set_defaults(handler=run)


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024)} kB"


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from leaddesk import config
    from leaddesk.services.maintenance_service import backup_entries, backups_dir_for

    url = config.database_url(args.db)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        from leaddesk.opening import sqlite_path_of
        from leaddesk.storage.backup import BackupReason, backup_now

        path = sqlite_path_of(u)
        if args.list:
            return _print_list(backup_entries(backups_dir_for(path), path.stem), backups_dir_for(path))
        from leaddesk.domain.errors import NotFoundError

        if not path.is_file():
            raise NotFoundError(f"There is no database file at {path} to back up.")
        # No lock needed: the backup API reads a consistent snapshot while the app keeps writing.
        made = backup_now(path, args.out or backups_dir_for(path), BackupReason.MANUAL, verify=True)
        print(f"Backed up {path} to {made} ({_size(made.stat().st_size)}, checked).")
        return 0

    out = args.out or config.data_dir() / "backups"
    if args.list:
        from leaddesk.storage.pg_backup import DUMP_EXTENSION

        dumps = sorted(out.glob(f"*{DUMP_EXTENSION}"), reverse=True) if out.is_dir() else []
        for dump in dumps:
            print(f"{dump}  {_size(dump.stat().st_size)}")
        if not dumps:
            print(f"No PostgreSQL backups in {out}.")
        return 0
    from leaddesk.storage.pg_backup import INSTALL_HINT, PgBackupError, backup_postgres, pg_dump_available
    from leaddesk.storage.secrets import KeyringUnavailableError, url_with_password_from_keyring

    if pg_dump_available() is None:
        raise PgBackupError("No backup was made of the PostgreSQL database: " + INSTALL_HINT)
    try:
        target = url_with_password_from_keyring(u)
    except KeyringUnavailableError:
        target = u  # a .pgpass file or trust authentication may still let pg_dump in
    made = backup_postgres(target, out)
    from leaddesk.models.database import describe_url

    print(f"Backed up {describe_url(u)} with pg_dump to {made} ({_size(made.stat().st_size)}).")
    return 0


def _print_list(entries: list[Any], folder: Path) -> int:
    if not entries:
        print(f"No backups in {folder}.")
        return 0
    for e in entries:
        print(f"{e.taken_at:%Y-%m-%d %H:%M} UTC  {e.reason:<13} {_size(e.size_bytes):>9}  {e.path}")
    return 0
