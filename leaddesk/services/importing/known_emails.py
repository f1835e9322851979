"""Which of a task's emails were a live lead's when the import began: a preparation worker's read-only
look at the SQLite file.

A row whose email is a live lead's merges into that lead (the writer matches emails first, see
`batch_writer.find_existing`), so the worker does not build it as a new lead: re-importing a list of
100,000 people spent most of the workers' time building leads that the writer then dropped. The look sees
the file as it was committed before the import (the import's own transaction is invisible to other
connections). Should such a row turn out to be new after all (an earlier row of the same import
overwrote that lead's email), the writer builds it itself, as it does for every row that comes without a
built lead. The look is an optimisation only: when it fails, every row is built as before.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from leaddesk.services.importing.batch_writer import LOOKUP_CHUNK, LOOKUP_SQL

log = logging.getLogger(__name__)

#: One read-only connection per database file, for the life of the worker process.
_connections: dict[str, sqlite3.Connection] = {}


def known_emails(db_path: str, emails: Iterable[str]) -> set[str]:
    """The lower-case `emails` that a live (not trashed, not erased) lead had when the import began."""
    wanted = sorted(set(emails))
    if not wanted:
        return set()
    try:
        conn = _connections.get(db_path)
        if conn is None:
            conn = sqlite3.connect(
                f"{Path(db_path).as_uri()}?mode=ro", uri=True, timeout=10, isolation_level=None
            )
            _connections[db_path] = conn
        found: set[str] = set()
        expr = LOOKUP_SQL["email"]
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            part = wanted[start : start + LOOKUP_CHUNK]
            # Only the indexed expression in WHERE (see `batch_writer._lookup`); liveness is read per row.
            rows = conn.execute(
                f"SELECT {expr}, deleted_at IS NULL AND erased_at IS NULL FROM leads "
                f"WHERE {expr} IN ({', '.join('?' * len(part))})",
                part,
            ).fetchall()
            found.update(email for email, live in rows if live)
        return found
    except (sqlite3.Error, ValueError, OSError):  # also a path no file URI can name
        log.warning("could not look up known emails in %s; building every row", db_path, exc_info=True)
        stale = _connections.pop(db_path, None)
        if stale is not None:
            stale.close()
        return set()
