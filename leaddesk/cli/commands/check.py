"""`leaddesk check`: check the database (full integrity check by default); exit 1 when it is damaged."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check",
        help="check the database for damage (works on a damaged file and while LeadDesk is open)",
    )
    p.add_argument("--quick", action="store_true", help="the quick check only (seconds on a big file)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from leaddesk import config

    u = make_url(config.database_url(args.db))
    if u.get_backend_name() != "sqlite":
        from leaddesk.app import open_services

        services = open_services(args.db)
        try:
            report = services.maintenance.check()
        finally:
            services.close()
        print(report.message)
        return 0 if report.ok else 1

    from leaddesk.domain.errors import DatabaseError, NotFoundError
    from leaddesk.opening import sqlite_path_of
    from leaddesk.services.maintenance_service import check_file
    from leaddesk.storage.instance_lock import read_holder
    from leaddesk.storage.risky_location import assess

    path = sqlite_path_of(u)
    if not path.exists():
        raise NotFoundError(f"There is no database file at {path}.")
    for risk in assess(path):
        print(f"leaddesk: warning: {risk.message}", file=sys.stderr)
    report = check_file(path, full=not args.quick)
    if report.damaged:
        if report.newest_good_backup is not None:
            offer = f'Restore the newest good backup with: leaddesk restore "{report.newest_good_backup}"'
        else:
            offer = "No backup passes the check."
        raise DatabaseError(f"{_one_line(report.message)}. {offer}")
    if not report.ok:
        raise DatabaseError(_one_line(report.message) + ".")
    holder = read_holder(path)
    print(f"{_one_line(report.message)} ({report.elapsed_s:.1f} s).")
    if holder is not None:
        print(f"Open in LeadDesk by {holder.describe()}.")
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split()).rstrip(".")
