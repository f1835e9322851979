"""`leaddesk lifecycle`: print the transition table (the same one the app enforces)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("lifecycle", help="show the lead lifecycle: which moves are allowed from where")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from leaddesk.domain.lifecycle import ACTIONS

    print(f"{'action':<12} {'from':<40} {'to':<14} reason")
    for action in ACTIONS.values():
        sources = ", ".join(sorted(s.value for s in action.sources))
        reason = "required" if action.requires_reason else ""
        print(f"{action.name:<12} {sources:<40} {action.target.value:<14} {reason}")
    return 0
