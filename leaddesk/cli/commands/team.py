"""`leaddesk team`: list the team, add members, record absences (round-robin handoffs skip absent members)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from leaddesk.domain.errors import NotFoundError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-08-10") from None


def register(subparsers: Any) -> None:
    team = subparsers.add_parser("team", help="team members, roles and absences")
    sub = team.add_subparsers(
        dest="team_command", metavar="list|add|absence|activate|deactivate", required=True
    )
    sub.add_parser("list", help="every member with role, state and absences").set_defaults(handler=run_list)
    add = sub.add_parser("add", help="add a team member")
    add.add_argument("name")
    add.add_argument("--role", choices=["marketing", "sales", "manager"], required=True)
    add.add_argument("--email")
    add.set_defaults(handler=run_add)
    absence = sub.add_parser("absence", help="record an absence (from and to included)")
    absence.add_argument("name")
    absence.add_argument("start", type=_date, metavar="FROM")
    absence.add_argument("end", type=_date, metavar="TO")
    absence.add_argument("--note", default="")
    absence.set_defaults(handler=run_absence)
    for command, active in (("activate", True), ("deactivate", False)):
        p = sub.add_parser(command, help=f"mark a member as {'active' if active else 'no longer active'}")
        p.add_argument("name")
        p.set_defaults(handler=run_active, active=active)


def _services(args: argparse.Namespace) -> Any:
    from leaddesk.app import open_services

    return open_services(args.db)


def _member(services: Any, name: str) -> Any:
    found = services.team.find_by_name(name)
    if found is None:
        raise NotFoundError(f"There is no team member called {name}.")
    return found


def run_list(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        today = services.clock().date()
        print(f"{'name':<28} {'role':<10} {'state':<9} absences")
        for m in services.team.list_members():
            absences = ", ".join(
                f"{a.start.isoformat()}…{a.end.isoformat()}{' (now)' if a.covers(today) else ''}"
                for a in m.absences
                if a.end >= today
            )
            state = "active" if m.active else "inactive"
            print(f"{m.name:<28} {m.role.value:<10} {state:<9} {absences}")
    finally:
        services.close()
    return 0


def run_add(args: argparse.Namespace) -> int:
    from leaddesk.domain.enums import Role

    services = _services(args)
    try:
        member = services.team.add_member(args.name, Role(args.role), args.email)
        print(f"Added {member.name} ({member.role.value}).")
    finally:
        services.close()
    return 0


def run_absence(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        member = _member(services, args.name)
        services.team.add_absence(member.id, args.start, args.end, args.note)
        print(f"{member.name} is absent from {args.start.isoformat()} to {args.end.isoformat()}.")
    finally:
        services.close()
    return 0


def run_active(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        member = _member(services, args.name)
        services.team.update_member(member.id, active=args.active)
        print(f"{member.name} is now {'active' if args.active else 'inactive'}.")
    finally:
        services.close()
    return 0
