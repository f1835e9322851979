"""`leaddesk export leads`: the plain list of leads to an .xlsx or a .csv file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from leaddesk.domain.errors import NotFoundError, ValidationError


def register(subparsers: Any) -> None:
    export = subparsers.add_parser("export", help="export data to a file")
    sub = export.add_subparsers(dest="export_command", metavar="leads", required=True)
    leads = sub.add_parser(
        "leads",
        help="every lead field, campaign touches summarised and stage timestamps, as .xlsx or .csv",
        description="Write the leads (all live leads, or those of a stage and/or campaign) to FILE.xlsx "
        "or FILE.csv (UTF-8 with BOM, comma-separated). Times are in the SLA calendar's time zone.",
    )
    leads.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx|FILE.csv")
    leads.add_argument(
        "--stage",
        action="append",
        metavar="S",
        help="only leads at this stage (repeatable): new, mql, handed_off, accepted, contacted, "
        "opportunity, won, lost, rejected, disqualified",
    )
    leads.add_argument("--campaign", metavar="NAME", help="only the leads of this campaign")
    leads.set_defaults(handler=run_leads)


def run_leads(args: argparse.Namespace) -> int:
    from leaddesk.domain.enums import Stage
    from leaddesk.domain.queries import LeadFilter
    from leaddesk.services.export.leads_export import export_format

    export_format(args.out)
    stages: set[Stage] = set()
    for text in args.stage or ():
        for part in text.split(","):
            try:
                stages.add(Stage(part.strip().lower()))
            except ValueError:
                known = ", ".join(s.value for s in Stage)
                raise ValidationError(f"Unknown stage '{part}'; choose one of: {known}.") from None
    from leaddesk.app import open_services

    services = open_services(args.db)
    try:
        campaign_ids: frozenset[int] = frozenset()
        if args.campaign:
            campaign = services.campaigns.find_by_name(args.campaign)
            if campaign is None:
                raise NotFoundError(f"There is no campaign called {args.campaign}.")
            campaign_ids = frozenset({campaign.id})
        last = [-1]

        def progress(done: int, total: int) -> None:
            pct = done * 100 // total if total else 100
            if sys.stderr.isatty() and pct != last[0]:
                last[0] = pct
                print(f"\r{pct:3d} %", end="", file=sys.stderr, flush=True)

        result = services.lead_export.export(
            args.out, LeadFilter(stages=frozenset(stages), campaign_ids=campaign_ids), progress=progress
        )
        if sys.stderr.isatty():
            print(file=sys.stderr)
    finally:
        services.close()
    print(f"Wrote {result.path}: {result.rows} leads.")
    return 0
