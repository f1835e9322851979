"""`leaddesk screenshot`: render an area of the main window offscreen to a PNG."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from leaddesk.domain.errors import ValidationError


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{3,5})x(\d{3,5})", text.strip())
    if not match:
        raise argparse.ArgumentTypeError("size must look like 1280x800")
    return int(match.group(1)), int(match.group(2))


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("screenshot", help="render an area of the window to a PNG file (offscreen)")
    p.add_argument("--view", required=True, help="marketing, sales, dashboard or reports")
    p.add_argument("--out", required=True, type=Path, help="PNG file to write")
    p.add_argument("--size", type=_size, default=(1280, 800), help="window size, e.g. 1280x800")
    p.add_argument(
        "--as", dest="member", help="see the view as this team member (default: someone of its role)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".png":
        raise ValidationError("The screenshot is written as PNG; give a file name ending in .png.")
    from leaddesk.app import open_services
    from leaddesk.ui.screenshot import render_area

    services = open_services(args.db)
    try:
        path = render_area(services, args.view, args.out, args.size, args.member)
    finally:
        services.close()
    print(f"Wrote {path}")
    return 0
