"""When SQLite copies its write-ahead log into the database file, for the few very large writes.

After a commit that leaves more than 1,000 pages in the WAL, SQLite checkpoints: it copies those pages
into the database file and syncs it, in the committing thread, before the commit returns. After an import
of 100,000 leads into 1,000,000 that is about a second (several hundred MB of index pages), added to the
import's own time. `defer_checkpoint` turns that off for one transaction; once its connection is back in
the pool the setting is restored and the caller's `then` runs the checkpoint on a thread of its own.
A checkpoint blocks neither readers nor writers, and a checkpoint that never ran (the app was closed or
killed first) is only deferred: the log is complete, so the next commit's or the next opening's
checkpoint copies it, and readers read through it meanwhile.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event

log = logging.getLogger(__name__)

#: `ConnectionRecord.info` key: (the pages setting to restore, what to call once it is restored).
_DEFERRED = "leaddesk_deferred_checkpoint"


def defer_checkpoint(conn: Connection, then: Callable[[], None]) -> None:
    """No automatic checkpoint when `conn`'s transaction commits; `then()` once the connection is back in
    the pool (`install_checkpoint_restore` must have been called on the engine)."""
    proxied = conn.connection
    raw = proxied.dbapi_connection
    if raw is None or _DEFERRED in proxied.info:
        return
    pages = int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    proxied.info[_DEFERRED] = (pages, then)


def install_checkpoint_restore(engine: Engine) -> None:
    """Restore a connection's automatic checkpoints as it returns to the pool, then run its `then`."""

    @event.listens_for(engine, "checkin")
    def _restore(dbapi_connection: Any, record: Any) -> None:
        deferred = record.info.pop(_DEFERRED, None) if record is not None else None
        if deferred is None or dbapi_connection is None:
            return
        pages, then = deferred
        try:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        except sqlite3.Error:  # a connection that broke is discarded by the pool anyway
            log.warning("could not restore wal_autocheckpoint on a returned connection", exc_info=True)
        try:
            then()
        except Exception:  # the write is committed; its checkpoint is only deferred to the next one
            log.warning("could not start the background WAL checkpoint", exc_info=True)


def checkpoint(engine: Engine) -> None:
    """Copy what the write-ahead log holds into the database file (PASSIVE: never waits for readers or
    writers; pages a reader still needs are copied by a later checkpoint)."""
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            if raw is not None:
                raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except Exception:  # deferred, not lost: the next automatic checkpoint copies the log
        log.warning("background WAL checkpoint failed", exc_info=True)
