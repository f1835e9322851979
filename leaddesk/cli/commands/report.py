"""`leaddesk report`: the meeting report of a period, written to an .xlsx or a .pdf file."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from leaddesk.domain.errors import NotFoundError, ValidationError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-01-31") from None


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="write the meeting report of a period to FILE.xlsx (native charts) or FILE.pdf (A4)",
        description="The alignment meeting's report for the period: headline figures both ways, charts, "
        "the campaign table, breached, stale and returned leads. With --meeting, the notes, agenda and "
        "action items of that saved meeting report too.",
    )
    p.add_argument("--from", dest="start", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx|FILE.pdf")
    p.add_argument("--campaign", metavar="NAME", help="only this campaign")
    p.add_argument("--owner", metavar="NAME", help="only this sales owner")
    p.add_argument(
        "--stale-days",
        type=int,
        default=None,
        metavar="N",
        help="stale leads: with sales and no progress for more than N business days (default 5)",
    )
    p.add_argument("--meeting", type=int, metavar="ID", help="include the notes of this saved meeting report")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise ValidationError(
            "The report is written as .xlsx or .pdf; give a file name ending in one of them."
        )
    if args.end < args.start:
        raise ValidationError("The period ends before it starts (--to is before --from).")
    from leaddesk.app import open_services
    from leaddesk.services.reporting.reporting_service import DEFAULT_STALE_DAYS

    services = open_services(args.db)
    try:
        campaign_id = owner_id = None
        if args.campaign:
            campaign = services.campaigns.find_by_name(args.campaign)
            if campaign is None:
                raise NotFoundError(f"There is no campaign called {args.campaign}.")
            campaign_id = campaign.id
        if args.owner:
            owner = services.team.find_by_name(args.owner)
            if owner is None:
                raise NotFoundError(f"There is no team member called {args.owner}.")
            owner_id = owner.id
        meeting = services.meeting_reports.get(args.meeting) if args.meeting is not None else None
        stale_days = args.stale_days
        if stale_days is None:
            stale_days = meeting.stale_after_days if meeting is not None else DEFAULT_STALE_DAYS
        data = services.reporting.report(
            args.start, args.end, campaign_id=campaign_id, owner_id=owner_id, stale_after_days=stale_days
        )
    finally:
        services.close()
    if suffix == ".xlsx":
        from leaddesk.services.export.report_xlsx import write_report_xlsx

        path = write_report_xlsx(data, args.out, meeting)
    else:
        from leaddesk.services.export.report_pdf import write_report_pdf

        path = write_report_pdf(data, args.out, meeting)
    o = data.sla.figures.overall
    print(
        f"Wrote {path}: {args.start} – {args.end}, {o.handoffs} handoffs, {data.sla.figures.mql_total} MQLs, "
        f"{data.breached.total} breached, {data.stale.total} stale, {data.returned.total} returned.",
        file=sys.stdout,
    )
    return 0
