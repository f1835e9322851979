"""`leaddesk db-login [URL]`: keep the PostgreSQL password in the system keyring (never in a file)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "db-login",
        help="store the PostgreSQL password in the system keyring (asked for, never shown)",
        description="Asks for the password of a PostgreSQL URL, checks it against the server and stores it "
        "in the system keyring. Then use the URL without the password (--db or LEADDESK_DATABASE_URL).",
    )
    p.add_argument(
        "url",
        nargs="?",
        help="postgresql+psycopg://USER@HOST[:PORT]/DB (default: --db, then the environment)",
    )
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--no-check", action="store_true", help="store it without trying it on the server")
    p.add_argument("--forget", action="store_true", help="remove the stored password instead")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import getpass

    from sqlalchemy.engine import make_url

    from leaddesk import config
    from leaddesk.domain.errors import ValidationError
    from leaddesk.models.database import describe_url
    from leaddesk.storage.secrets import delete_password, store_password, url_without_password

    u = make_url(args.url or config.database_url(args.db))
    if u.get_backend_name() != "postgresql":
        raise ValidationError("db-login is for a PostgreSQL URL: postgresql+psycopg://USER@HOST/DB.")
    where = describe_url(u)
    if args.forget:
        removed = delete_password(u)
        print(
            f"Removed the stored password for {where}." if removed else f"No password was stored for {where}."
        )
        return 0
    if u.password:
        password = str(u.password)
        print(
            "leaddesk: warning: the URL holds a password; keep the URL without it from now on.",
            file=sys.stderr,
        )
    elif args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {where}: ")
    if not password:
        raise ValidationError("No password given; nothing was stored.")
    if not args.no_check:
        _try(u.set(password=password))
    store_password(u, password)
    print(f'Stored the password for {where} in the system keyring. Use: --db "{url_without_password(u)}"')
    return 0


def _try(url: Any) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from leaddesk.domain.errors import DatabaseError
    from leaddesk.models.database import create_database_engine, describe_url

    engine = create_database_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"Cannot connect to {describe_url(url)}: {reason}. Nothing was stored.") from None
    finally:
        engine.dispose()
