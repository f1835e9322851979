"""`leaddesk demo`: fill a database with realistic demo data."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("demo", help="fill an empty database with realistic demo data")
    p.add_argument("--leads", type=int, default=1500, help="how many leads (default 1500)")
    p.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable data")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from leaddesk.app import open_services

    services = open_services(args.db)
    try:
        last = [-1]

        def progress(done: int, total: int) -> None:
            pct = done * 100 // total
            if sys.stderr.isatty() and pct != last[0]:
                last[0] = pct
                print(f"\r{pct:3d} %", end="", file=sys.stderr, flush=True)

        summary = services.demo.generate(args.leads, seed=args.seed, progress=progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(
            f"Demo data written to {services.db.location}: {summary.leads} leads, "
            f"{summary.campaigns} campaigns, {summary.members} team members."
        )
    finally:
        services.close()
    return 0
