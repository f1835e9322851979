"""`leaddesk sla`: show and change the SLA policy, and the SLA figures of a period."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, time
from typing import Any

from leaddesk.domain.errors import NotFoundError, ValidationError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-01-31") from None


def register(subparsers: Any) -> None:
    sla = subparsers.add_parser("sla", help="the service level agreement: policy and figures")
    sub = sla.add_subparsers(dest="sla_command", metavar="COMMAND", required=True)
    policy = sub.add_parser("policy", help="show or change the SLA policy").add_subparsers(
        dest="policy_command", metavar="show|set", required=True
    )
    show = policy.add_parser("show", help="print the policy in force")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(handler=run_show)

    change = policy.add_parser(
        "set", help="change the policy (a new version; the old one keeps judging its period)"
    )
    change.add_argument(
        "--accept-within", type=float, metavar="HOURS", help="accept or reject within N business hours"
    )
    change.add_argument(
        "--first-contact-within", type=float, metavar="HOURS", help="first contact within N business hours"
    )
    change.add_argument(
        "--attempts", type=int, metavar="N", help="minimum contact attempts for leads not reached"
    )
    change.add_argument("--within-days", type=int, metavar="D", help="…within D business days")
    change.add_argument("--mql-target", type=int, metavar="M", help="MQLs marketing delivers per month")
    change.add_argument(
        "--max-not-in-target", type=float, metavar="PCT", help="max %% rejected as not in target"
    )
    change.add_argument("--min-acceptance", type=float, metavar="PCT", help="minimum acceptance rate %%")
    change.add_argument(
        "--at-risk", type=float, metavar="PCT", help="at risk from this %% of the allowed time"
    )
    change.add_argument(
        "--hours", metavar="TEXT", help='opening hours, e.g. "mon-fri 09:00-13:00,14:00-18:00"'
    )
    change.add_argument(
        "--holidays", metavar="COUNTRY", help="public holidays of this country (e.g. IT); 'none'"
    )
    change.add_argument("--subdivision", metavar="CODE", help="regional holidays too (e.g. BZ)")
    change.add_argument(
        "--closed",
        action="append",
        metavar="FROM..TO",
        help="closure days or ranges (repeatable; replaces the list)",
    )
    change.add_argument("--tz", metavar="ZONE", help="time zone of the opening hours, e.g. Europe/Rome")
    change.add_argument(
        "--reassign-unaccepted", choices=("on", "off"), help="give leads not accepted in time to another rep"
    )
    change.add_argument(
        "--effective-from", type=_date, metavar="DATE", help="in force from this date (default now)"
    )
    change.set_defaults(handler=run_set)

    report = sub.add_parser("report", help="the SLA figures for handoffs in a period")
    report.add_argument("--from", dest="start", type=_date, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=_date, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--campaign", metavar="NAME")
    report.add_argument("--owner", metavar="NAME", help="a sales owner")
    report.add_argument("--json", action="store_true", help="one JSON object (keys documented in the README)")
    report.set_defaults(handler=run_report)


def describe_policy(policy: Any) -> list[str]:
    cal = policy.calendar
    lines = [
        f"Accept or reject within:   {policy.accept_within_hours:g} business hours",
        f"First contact within:      {policy.first_contact_within_hours:g} business hours",
        f"Leads not reached:         at least {policy.min_attempts} attempts within "
        f"{policy.attempts_within_days} business days",
        f"MQLs per month (overall):  {policy.monthly_mql_target}",
        f"Rejected as not in target: at most {policy.max_not_in_target_pct:g} %",
        f"Acceptance rate:           at least {policy.min_acceptance_rate_pct:g} %",
        f"At risk from:              {policy.at_risk_share * 100:g} % of the allowed time",
        f"Reassign if not accepted:  {'on' if policy.reassign_unaccepted else 'off'}",
        f"Rejection reasons:         {', '.join(policy.reject_reasons)}",
        f"Time zone:                 {cal.tz}",
        f"Opening hours:             {cal.hours_text}",
        f"Public holidays:           {cal.country or 'none'}"
        + (f" / {cal.subdivision}" if cal.subdivision else ""),
    ]
    from leaddesk.services.calendar import format_closure

    closures = ", ".join(format_closure(c) for c in cal.closures) or "none"
    lines.append(f"Closures:                  {closures}")
    for i, rule in enumerate(policy.rules, 1):
        where = []
        if rule.min_score is not None:
            where.append(f"score ≥ {rule.min_score}")
        if rule.max_score is not None:
            where.append(f"score ≤ {rule.max_score}")
        if rule.campaign_ids:
            where.append("campaigns " + ", ".join(str(c) for c in sorted(rule.campaign_ids)))
        lines.append(
            f"Priority rule {i} '{rule.name}' ({' and '.join(where) or 'all leads'}): accept within "
            f"{rule.accept_within_hours:g} h, first contact within {rule.first_contact_within_hours:g} h"
        )
    return lines


def run_show(args: argparse.Namespace) -> int:
    from leaddesk.app import open_services

    services = open_services(args.db)
    try:
        policy = services.sla.current_policy()
    finally:
        services.close()
    if args.json:
        print(json.dumps(policy.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(describe_policy(policy)))
    return 0


def run_set(args: argparse.Namespace) -> int:
    from leaddesk.app import open_services
    from leaddesk.services.calendar import BusinessCalendar, parse_closure, parse_hours

    services = open_services(args.db)
    try:
        policy = services.sla.current_policy()
        changes: dict[str, Any] = {}
        simple = {
            "accept_within": "accept_within_hours",
            "first_contact_within": "first_contact_within_hours",
            "attempts": "min_attempts",
            "within_days": "attempts_within_days",
            "mql_target": "monthly_mql_target",
            "max_not_in_target": "max_not_in_target_pct",
            "min_acceptance": "min_acceptance_rate_pct",
        }
        for arg, field in simple.items():
            value = getattr(args, arg)
            if value is not None:
                changes[field] = value
        if args.at_risk is not None:
            changes["at_risk_share"] = args.at_risk / 100.0
        if args.reassign_unaccepted is not None:
            changes["reassign_unaccepted"] = args.reassign_unaccepted == "on"
        cal = policy.calendar
        if any(v is not None for v in (args.hours, args.holidays, args.subdivision, args.closed, args.tz)):
            country = cal.country
            if args.holidays is not None:
                country = None if args.holidays.lower() == "none" else args.holidays.upper()
            changes["calendar"] = BusinessCalendar(
                tz=args.tz or cal.tz,
                hours=parse_hours(args.hours) if args.hours else cal.hours,
                country=country,
                subdivision=args.subdivision if args.subdivision is not None else cal.subdivision,
                closures=tuple(parse_closure(c) for c in args.closed) if args.closed else cal.closures,
            )
        if not changes:
            raise ValidationError(
                "Nothing to change: give at least one option (see `leaddesk sla policy set --help`)."
            )
        new_policy = policy.with_changes(**changes)
        effective = None
        if args.effective_from is not None:
            effective = datetime.combine(args.effective_from, time(0), new_policy.calendar.zone).astimezone(
                UTC
            )
        services.sla.set_policy(new_policy, effective_from=effective)
    finally:
        services.close()
    print("SLA policy updated:")
    print("\n".join("  " + line for line in describe_policy(new_policy)))
    return 0


def run_report(args: argparse.Namespace) -> int:
    from leaddesk.app import open_services

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
        figures = services.sla.figures(args.start, args.end, campaign_id=campaign_id, owner_id=owner_id)
    finally:
        services.close()
    data = figures.to_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    o = figures.overall

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:g} %"

    def hours(value: float | None) -> str:
        return "–" if value is None else f"{value:g} h"

    print(f"SLA {args.start} – {args.end} (business hours)")
    print(f"  Handoffs:                {o.handoffs}")
    print(f"  Accepted/rejected in time: {o.accepted_in_time} ({pct(o.accepted_in_time_pct)})")
    print(f"  Rejected:                {o.rejected} ({pct(o.rejected_pct)})")
    for reason, n in o.rejected_by_reason.items():
        print(f"    {reason}: {n}")
    contact_pct = pct(o.first_contact_in_time_pct)
    print(f"  First contact in time:   {o.first_contact_in_time} of {o.first_contact_due} ({contact_pct})")
    accept_h = f"median {hours(o.median_hours_to_accept)}, p90 {hours(o.p90_hours_to_accept)}"
    print(f"  Hours to accept:         {accept_h}")
    print(
        f"  Hours to first contact:  median {hours(o.median_hours_to_first_contact)}, "
        f"p90 {hours(o.p90_hours_to_first_contact)}"
    )
    print(f"  Breached, still open:    {o.breached_open}")
    target = f"target ≥ {figures.min_acceptance_rate_pct:g} %"
    print(f"  Acceptance rate:         {pct(o.acceptance_rate_pct)} ({target})")
    print(f"  MQLs:                    {figures.mql_total} of {figures.mql_target:.0f} target")
    target = f"target ≤ {figures.max_not_in_target_pct:g} %"
    print(f"  Not in target:           {pct(figures.not_in_target_pct)} ({target})")
    return 0
