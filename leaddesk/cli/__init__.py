"""The `leaddesk` command: subcommands for scripts, and no subcommand opens the window.

Each module in `leaddesk.cli.commands` adds its subcommands through `register(subparsers)`; modules are
found automatically so a feature brings its command without touching this file. Command modules import
their heavy dependencies inside the command function, so `leaddesk --version` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from leaddesk import __version__
from leaddesk.domain.errors import UserError

log = logging.getLogger("leaddesk")
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_BUG = 70


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, like every other LeadDesk error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="leaddesk",
        description="LeadDesk: the lead handoff desk between marketing and sales. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"LeadDesk {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database to use: a SQLite file path, sqlite:///FILE or postgresql+psycopg://USER@HOST/DB "
        "(default: $LEADDESK_DATABASE_URL, else the file in your data folder)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from leaddesk.cli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def _log_bug(exc: BaseException) -> str:
    from leaddesk.logs import log_file, setup_logging

    setup_logging()
    log.error("Unexpected error", exc_info=exc)
    return str(log_file())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Any = getattr(args, "handler", None)
    try:
        if handler is None:
            from leaddesk.app import run_gui

            return run_gui(args.db)
        return int(handler(args) or 0)
    except UserError as exc:
        print(f"leaddesk: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("leaddesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`leaddesk … | head`): not an error; keep Python quiet at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        where = _log_bug(exc)
        print(f"leaddesk: internal error: {type(exc).__name__}: {exc} (details in {where})", file=sys.stderr)
        return EXIT_BUG
