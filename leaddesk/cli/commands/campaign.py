"""`leaddesk campaign`: list campaigns with their figures, add one, re-score the leads."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-08-10") from None


def register(subparsers: Any) -> None:
    campaign = subparsers.add_parser("campaign", help="campaigns: list with figures, add; lead scoring")
    sub = campaign.add_subparsers(dest="campaign_command", metavar="list|add|rescore", required=True)
    show = sub.add_parser("list", help="campaigns with leads, MQLs this month and the closed loop")
    show.add_argument("--archived", action="store_true", help="include archived campaigns")
    show.set_defaults(handler=run_list)
    add = sub.add_parser("add", help="add a campaign")
    add.add_argument("name")
    add.add_argument(
        "--channel",
        choices=["email", "event", "webinar", "ads", "social", "referral", "other"],
        default="other",
    )
    add.add_argument("--starts", type=_date, metavar="DATE")
    add.add_argument("--ends", type=_date, metavar="DATE")
    add.add_argument("--owner", metavar="NAME", help="the marketing member who owns it")
    add.add_argument("--target", type=int, default=0, metavar="N", help="MQLs per month")
    add.set_defaults(handler=run_add)
    rescore = sub.add_parser("rescore", help="re-score every lead with the team's scoring rules")
    rescore.set_defaults(handler=run_rescore)


def _services(args: argparse.Namespace) -> Any:
    from leaddesk.app import open_services

    return open_services(args.db)


def run_list(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        figures = services.campaigns.figures()
        print(
            f"{'campaign':<32} {'channel':<8} {'leads':>7} {'MQLs/target':>11} {'accepted':>8} "
            f"{'opport.':>7} {'won':>5} {'revenue':>11}"
        )
        for c in services.campaigns.list_campaigns(include_archived=args.archived):
            f = figures.get(c.id)
            if f is None:
                continue
            target = f"{f.mqls_this_month}/{f.monthly_target}" if f.monthly_target else str(f.mqls_this_month)
            name = c.name + (" (archived)" if c.archived else "")
            print(
                f"{name[:32]:<32} {c.channel.value:<8} {f.leads:>7} {target:>11} {f.accepted:>8} "
                f"{f.opportunities:>7} {f.won:>5} {f.revenue:>11.0f}"
            )
    finally:
        services.close()
    return 0


def run_add(args: argparse.Namespace) -> int:
    from leaddesk.domain.enums import Channel
    from leaddesk.domain.errors import NotFoundError

    services = _services(args)
    try:
        owner_id = None
        if args.owner:
            owner = services.team.find_by_name(args.owner)
            if owner is None:
                raise NotFoundError(f"There is no team member called {args.owner}.")
            owner_id = owner.id
        row = services.campaigns.save(
            name=args.name,
            channel=Channel(args.channel),
            starts_on=args.starts,
            ends_on=args.ends,
            owner_id=owner_id,
            monthly_mql_target=args.target,
        )
        print(f"Added campaign {row.name} (#{row.id}).")
    finally:
        services.close()
    return 0


def run_rescore(args: argparse.Namespace) -> int:
    services = _services(args)
    try:

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty() and total:
                print(f"\r{done * 100 // total:3d} %", end="", file=sys.stderr, flush=True)

        result = services.scoring.rescore(progress=progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        hot = services.scoring.hot_count()
        print(f"Re-scored {result.scored} leads; {result.changed} scores changed; {hot} hot.")
    finally:
        services.close()
    return 0
