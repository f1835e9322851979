"""Per-connection SQLite settings, applied first thing on every new DBAPI connection.

Why each pragma:

- ``busy_timeout=10000``: a writer waits up to 10 s for another connection's lock instead of failing at
  once with "database is locked".
- ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers; the mode is
  stored in the file, but asking on every connection makes an older file switch on first open.
- ``synchronous=FULL``: a commit is on disk when it returns, also in WAL mode (NORMAL could lose the
  last commits on power loss).
- ``foreign_keys=ON``: SQLite enforces foreign keys only when asked, per connection.

pysqlite and transactions: Python's ``sqlite3`` opens a transaction implicitly before INSERT/UPDATE/DELETE
when ``isolation_level`` is not ``None`` (and, on Python 3.12+, always when ``autocommit=False``).
``PRAGMA journal_mode`` cannot change inside a transaction (SQLite then silently answers with the old
mode) and ``PRAGMA foreign_keys`` is a no-op inside one. The listener therefore switches the connection to
driver-level autocommit for the pragmas and restores what it found afterwards, so listeners registered
later (SQLAlchemy's own, or the app's "let SQLAlchemy emit BEGIN" recipe) see the connection unchanged.
It is registered with ``insert=True`` so it runs before every other ``connect`` listener, including the
dialect's first-connect initialisation.

A read-only engine (``sqlite:///file:x.db?mode=ro&uri=true``, or ``immutable=1``) cannot switch the
journal mode (it would need to write the header), so WAL switching is skipped there.
"""

from __future__ import annotations

import logging
import sqlite3
import weakref
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS: Final = 10_000
#: PRAGMA synchronous answers with a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
SYNCHRONOUS_FULL: Final = 2

#: The pragmas `read_pragmas` reports, in the order shown by `leaddesk check`.
REPORTED_PRAGMAS: Final = ("busy_timeout", "journal_mode", "synchronous", "foreign_keys", "page_size")

_installed: weakref.WeakKeyDictionary[Engine, Callable[[Any, Any], None]] = weakref.WeakKeyDictionary()

# Python 3.12+: sqlite3.LEGACY_TRANSACTION_CONTROL (-1) means "isolation_level decides".
_LEGACY_TRANSACTION_CONTROL: Final = getattr(sqlite3, "LEGACY_TRANSACTION_CONTROL", -1)


def is_read_only_url(url: URL) -> bool:
    """True when the SQLite URL opens the file read-only (URI ``mode=ro`` or ``immutable=1``)."""
    query = {key: str(value).lower() for key, value in url.query.items()}
    if query.get("mode") == "ro" or query.get("immutable") in {"1", "true", "yes", "on"}:
        return True
    database = (url.database or "").lower()
    if database.startswith("file:") and "?" in database:
        params = database.split("?", 1)[1].split("&")
        return "mode=ro" in params or "immutable=1" in params
    return False


def apply_pragmas(dbapi_connection: sqlite3.Connection, *, read_only: bool = False) -> None:
    """Set busy_timeout, journal_mode (unless `read_only`), synchronous and foreign_keys on a raw
    sqlite3 connection, outside any transaction."""
    saved_autocommit = getattr(dbapi_connection, "autocommit", _LEGACY_TRANSACTION_CONTROL)
    saved_isolation = dbapi_connection.isolation_level
    if saved_autocommit is not _LEGACY_TRANSACTION_CONTROL and saved_autocommit is not True:
        # Python 3.12+ with autocommit=False: a transaction is always open. Switching to True commits
        # it (nothing has been written yet on a brand-new connection).
        dbapi_connection.autocommit = True  # type: ignore[attr-defined,unused-ignore]
    elif dbapi_connection.in_transaction:
        dbapi_connection.commit()
    dbapi_connection.isolation_level = None
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not read_only:
                row = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
                mode = str(row[0]).lower() if row else "?"
                if mode not in {"wal", "memory"}:
                    # e.g. a file system without shared memory support; the file still works.
                    log.warning("SQLite refused WAL journal mode (it stays %r)", mode)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()
    finally:
        dbapi_connection.isolation_level = saved_isolation
        if saved_autocommit is not _LEGACY_TRANSACTION_CONTROL and saved_autocommit is not True:
            dbapi_connection.autocommit = saved_autocommit  # type: ignore[attr-defined,unused-ignore]


def install_sqlite_pragmas(engine: Engine, *, read_only: bool | None = None) -> bool:
    """Register the pragma listener on a SQLite `engine` (idempotent).

    `read_only` defaults to what the URL says (see `is_read_only_url`). Returns False, doing nothing,
    for an engine that is not SQLite.
    """
    if engine.dialect.name != "sqlite":
        return False
    if engine in _installed:
        return True
    ro = is_read_only_url(engine.url) if read_only is None else read_only

    def _on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        apply_pragmas(dbapi_connection, read_only=ro)

    event.listen(engine, "connect", _on_connect, insert=True)
    _installed[engine] = _on_connect
    return True


def read_pragmas(connection: Connection | sqlite3.Connection) -> dict[str, int | str]:
    """The current values of `REPORTED_PRAGMAS` on a SQLAlchemy or raw sqlite3 connection."""
    values: dict[str, int | str] = {}
    for name in REPORTED_PRAGMAS:
        if isinstance(connection, sqlite3.Connection):
            row = connection.execute(f"PRAGMA {name}").fetchone()
        else:
            row = connection.exec_driver_sql(f"PRAGMA {name}").fetchone()
        value = row[0] if row else None
        values[name] = value if isinstance(value, int) else str(value).lower()
    return values
