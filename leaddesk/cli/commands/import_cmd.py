"""`leaddesk import FILE`: import a campaign list; `leaddesk imports list|undo`: the batches and undo.

The module is not called `import` because that is a keyword.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

POLICIES = ("skip", "fill", "overwrite")


def _header_row(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a row number (0: the file has no header row)"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError("the header row is a row number, or 0 for none")
    return value


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "import",
        help="import a campaign list (xlsx, xlsm, xls, ods, csv, tsv, txt)",
        description="Import the leads of a spreadsheet or CSV file in one transaction: everything or "
        "nothing. Rows without an email, a phone or a name with a company are rejected (listed by row "
        "number); duplicates of existing leads or of earlier rows are merged by the chosen policy. "
        "History columns (stage, handoff and contact dates, outcome, sales owner) become lifecycle "
        "events. A backup is taken first (SQLite). Undo with `leaddesk imports undo ID`.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--sheet", metavar="NAME", help="the sheet to read (default: the first with data)")
    p.add_argument(
        "--header-row",
        type=_header_row,
        metavar="N",
        help="the row holding the headers as numbered in the file (default: found; 0: no header row)",
    )
    p.add_argument("--campaign", metavar="NAME", help="the campaign the list came from (created if new)")
    p.add_argument("--preset", metavar="NAME", help="a saved column mapping (default: the automatic one)")
    p.add_argument(
        "--on-duplicate",
        choices=POLICIES,
        default="fill",
        help="what a duplicate does to the existing lead: skip, fill its empty fields (default), overwrite",
    )
    p.add_argument("--region", metavar="CC", help="phone region for numbers without a country code (IT)")
    p.add_argument("--time-zone", metavar="ZONE", help="zone of dates without one (default: the team's)")
    p.add_argument("--month-first", action="store_true", help="read 03/04/2024 as March 4")
    p.add_argument("--as", dest="member", metavar="NAME", help="the team member recorded as importing")
    p.add_argument("--dry-run", action="store_true", help="run the whole import, report, and roll back")
    p.add_argument("--json", action="store_true", help="print one JSON object with the figures")
    p.add_argument("--progress", action="store_true", help="print progress lines on stderr")
    p.set_defaults(handler=run_import)

    group = subparsers.add_parser("imports", help="past imports: list them, undo one")
    sub = group.add_subparsers(dest="imports_command", metavar="list|undo", required=True)
    show = sub.add_parser("list", help="the imports, newest first")
    show.add_argument("--json", action="store_true", help="print a JSON array")
    show.add_argument("--limit", type=int, default=50, metavar="N")
    show.set_defaults(handler=run_list)
    undo = sub.add_parser("undo", help="undo an import: remove its leads, revert its changes")
    undo.add_argument("batch_id", type=int, metavar="ID")
    undo.add_argument(
        "--keep-worked",
        action="store_true",
        help="keep the leads it created that were worked on since, and undo the rest",
    )
    undo.add_argument("--as", dest="member", metavar="NAME", help="the team member recorded as undoing")
    undo.set_defaults(handler=run_undo)


def _member_id(services: Any, name: str | None) -> int | None:
    if not name:
        return None
    from leaddesk.domain.errors import NotFoundError

    member = services.team.find_by_name(name)
    if member is None:
        raise NotFoundError(f"There is no team member called {name}.")
    return int(member.id)


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from leaddesk.app import open_services
    from leaddesk.domain.enums import DuplicatePolicy
    from leaddesk.domain.errors import NotFoundError
    from leaddesk.services.importing import PrepareOptions
    from leaddesk.services.importing.import_service import ImportService, ImportSettings

    path = Path(args.file)
    if not path.is_file():
        raise NotFoundError(f"There is no file {path}.")
    ImportService.get_ready()  # the reader's fork server starts while the database opens
    services = open_services(args.db)
    try:
        zone = args.time_zone or services.sla.current_policy().calendar.tz
        options = PrepareOptions(
            default_region=(args.region or "IT").upper(), time_zone=zone, day_first=not args.month_first
        )
        settings = ImportSettings(
            policy=DuplicatePolicy(args.on_duplicate),
            campaign=args.campaign,
            prepare=options,
            dry_run=args.dry_run,
            actor_id=_member_id(services, args.member),
        )
        tty = sys.stderr.isatty()
        last = [""]

        def progress(phase: str, done: int, total: int) -> None:
            if args.progress:
                print(f"{phase} {done}/{total}", file=sys.stderr, flush=True)
            elif tty and total:
                line = f"\r{phase:<10} {done * 100 // total:3d} %"
                if line != last[0]:
                    last[0] = line
                    print(line, end="", file=sys.stderr, flush=True)

        result = services.imports.import_file(
            path,
            settings,
            sheet=args.sheet,
            header_row=args.header_row,
            preset=args.preset,
            progress=progress,
        )
        if tty and not args.progress:
            print("\r" + " " * 20 + "\r", end="", file=sys.stderr)
    finally:
        services.close()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return 0
    what = "Dry run (nothing saved)" if result.dry_run else f"Import #{result.batch_id}"
    print(
        f"{what}: {result.rows_read} rows read, {result.created} leads created, {result.updated} updated, "
        f"{result.duplicates} duplicates, {result.rejected} rejected ({result.seconds:.1f} s)."
    )
    for error in result.errors[:50]:
        column = f" [{error.column}]" if error.column else ""
        print(f"  row {error.row}{column}: {error.message}")
    if result.errors_total > 50:
        print(f"  … and {result.errors_total - 50} more problems (use --json for the list).")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from leaddesk.app import open_services

    services = open_services(args.db)
    try:
        rows = services.imports.batches(limit=args.limit)
    finally:
        services.close()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "batch_id": b.id,
                        "file": b.file_name,
                        "sheet": b.sheet,
                        "imported_at": b.created_at.isoformat(),
                        "by": b.member_name,
                        "campaign": b.campaign_name,
                        "on_duplicate": b.policy.value,
                        "rows_read": b.rows_read,
                        "created": b.created,
                        "updated": b.updated,
                        "duplicates": b.duplicates,
                        "rejected": b.rejected,
                        "undone_at": b.undone_at.isoformat() if b.undone_at else None,
                    }
                    for b in rows
                ],
                ensure_ascii=False,
            )
        )
        return 0
    if not rows:
        print("No imports yet.")
        return 0
    for b in rows:
        state = f"undone {b.undone_at:%Y-%m-%d %H:%M}" if b.undone_at else "active"
        print(
            f"#{b.id:<5} {b.created_at:%Y-%m-%d %H:%M} UTC  {b.file_name[:40]:<40} {b.rows_read:>8} read "
            f"{b.created:>8} new {b.updated:>6} upd {b.duplicates:>6} dup {b.rejected:>6} rej  {state}"
        )
    return 0


def run_undo(args: argparse.Namespace) -> int:
    from leaddesk.app import open_services

    services = open_services(args.db)
    try:
        result = services.imports.undo(
            args.batch_id, actor_id=_member_id(services, args.member), keep_worked=args.keep_worked
        )
    finally:
        services.close()
    kept = f"; kept {result.kept_leads} worked leads" if result.kept_leads else ""
    fields = (
        f"; {result.kept_fields} fields changed since kept their newer value" if result.kept_fields else ""
    )
    print(
        f"Undid import #{result.batch_id}: {result.deleted} leads removed, {result.restored} leads restored"
        f"{kept}{fields}."
    )
    return 0
