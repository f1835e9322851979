"""Every new SQLite connection gets busy_timeout, WAL, synchronous=FULL and foreign keys."""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import QueuePool

from leaddesk.storage.sqlite_pragmas import (
    apply_pragmas,
    install_sqlite_pragmas,
    is_read_only_url,
    read_pragmas,
)
from tests.unit.test_storage_support import make_leads_db


def _assert_safe(values: dict[str, int | str]) -> None:
    assert isinstance(values["busy_timeout"], int) and values["busy_timeout"] >= 5000
    assert values["journal_mode"] == "wal"
    assert values["synchronous"] == 2  # FULL
    assert values["foreign_keys"] == 1


def test_every_pooled_connection_gets_the_pragmas(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'leads.sqlite3'}", poolclass=QueuePool, pool_size=4)
    assert install_sqlite_pragmas(engine) is True
    try:
        with ExitStack() as stack:
            conns = [stack.enter_context(engine.connect()) for _ in range(4)]
            raw_ids = {id(c.connection.dbapi_connection) for c in conns}
            assert len(raw_ids) == 4, "four distinct DBAPI connections are checked out at once"
            for conn in conns:
                values = read_pragmas(conn)
                _assert_safe(values)
                assert values["busy_timeout"] == 10_000
    finally:
        engine.dispose()
    assert (tmp_path / "leads.sqlite3").read_bytes()[18:20] == b"\x02\x02", "the file is in WAL mode"


def test_pragmas_hold_with_the_apps_autocommit_recipe_and_enforce_foreign_keys(tmp_path: Path) -> None:
    """The app lets SQLAlchemy emit BEGIN itself (isolation_level=None in a later listener)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'leads.sqlite3'}")
    install_sqlite_pragmas(engine)
    seen_isolation: list[Any] = []

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
        seen_isolation.append(dbapi_connection.isolation_level)
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            conn.exec_driver_sql(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id))"
            )
        with engine.connect() as conn:
            _assert_safe(read_pragmas(conn))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO child (id, p) VALUES (1, 42)"))
    finally:
        engine.dispose()
    # Our listener ran first and gave the driver back its default ("" = deferred) isolation level.
    assert seen_isolation and all(level == "" for level in seen_isolation)


def test_journal_mode_switches_even_when_the_driver_has_a_transaction_open(tmp_path: Path) -> None:
    """Inside a transaction SQLite silently ignores PRAGMA journal_mode; apply_pragmas must not."""
    conn = sqlite3.connect(tmp_path / "leads.sqlite3")  # pysqlite default: implicit BEGIN before DML
    try:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.in_transaction
        assert conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "delete"  # the trap
        apply_pragmas(conn)
        _assert_safe(read_pragmas(conn))
        assert str(conn.isolation_level) == "", "the driver's setting is restored"
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    finally:
        conn.close()


def test_read_only_engine_skips_wal_switching(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 10, wal=False)
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    engine = create_engine(url)
    install_sqlite_pragmas(engine)
    try:
        with engine.connect() as conn:  # switching to WAL would fail: "attempt to write a readonly database"
            values = read_pragmas(conn)
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM lead").scalar() == 10
    finally:
        engine.dispose()
    assert values["journal_mode"] == "delete"
    assert values["busy_timeout"] == 10_000
    assert values["foreign_keys"] == 1
    assert values["synchronous"] == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///file:/data/leads.sqlite3?mode=ro&uri=true", True),
        ("sqlite:///file:/data/leads.sqlite3?immutable=1&uri=true", True),
        ("sqlite:///file:/data/leads.sqlite3?mode=rw&uri=true", False),
        ("sqlite:////data/leads.sqlite3", False),
        ("sqlite://", False),
    ],
)
def test_read_only_urls_are_recognised(url: str, expected: bool) -> None:
    assert is_read_only_url(make_url(url)) is expected


def test_install_is_idempotent_and_ignores_other_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'leads.sqlite3'}")
    calls: list[bool] = []

    def counting(dbapi_connection: sqlite3.Connection, *, read_only: bool = False) -> None:
        calls.append(read_only)
        apply_pragmas(dbapi_connection, read_only=read_only)

    monkeypatch.setattr("leaddesk.storage.sqlite_pragmas.apply_pragmas", counting)
    try:
        assert install_sqlite_pragmas(engine)
        assert install_sqlite_pragmas(engine)
        with engine.connect():
            pass
    finally:
        engine.dispose()
    assert calls == [False], "the listener is registered once"

    pg = create_engine("postgresql+psycopg://u@localhost/db")
    assert install_sqlite_pragmas(pg) is False
