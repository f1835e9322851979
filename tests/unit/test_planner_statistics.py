"""SQLite's query-planner statistics are made when a table has grown, and every open connection uses them
(`storage.planner_statistics`).

The leads here all live in one city, as after importing a local fair's list: without statistics SQLite
reads "city = Milano, newest first" through the city index and sorts every lead; with them it walks the
date index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from leaddesk.storage.planner_statistics import GROWTH, MIN_ROWS, refresh_statistics, stale_tables

#: The leads table's "one city, newest first" page, as the leads view asks for it.
PAGE = (
    "SELECT id FROM leads WHERE deleted_at IS NULL AND city = 'Milano' "
    "ORDER BY created_at DESC, id DESC LIMIT 200"
)


def _add_leads(db: Any, count: int, *, bulk: bool = False, city: str = "'Milano'") -> None:
    minute = "datetime('2026-01-01', '+' || i || ' minutes')"
    with db.writing(bulk=bulk) as s:
        start = s.execute(text("SELECT coalesce(max(id), 0) FROM leads")).scalar_one()
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT :start + 1 UNION ALL SELECT i + 1 FROM n WHERE i < :end) "
                "INSERT INTO leads (id, email, city, consent, custom_fields, score, stage, attempts, "
                "created_at, updated_at, version) SELECT i, 'lead' || i || '@example.it', "
                f"{city}, 1, '{{}}', i % 101, 'new', 0, {minute}, {minute}, 1 FROM n"
            ),
            {"start": start, "end": start + count},
        )


def _plan(conn: Any) -> str:
    """The plan the page query runs with. (EXPLAIN alone does not read the schema version: the query
    itself runs first, which is where a connection notices a changed schema and re-reads it.)"""
    conn.exec_driver_sql(PAGE).fetchall()
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {PAGE}").fetchall()
    conn.rollback()  # (the next statement starts a new read, which sees the schema as it is then)
    return " / ".join(str(r[-1]) for r in rows)


def _raw(db: Any) -> sqlite3.Connection:
    return sqlite3.connect(db.sqlite_path)


def _leads_stats(db: Any) -> list[tuple[str, str]]:
    conn = _raw(db)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return []
        return conn.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'leads'").fetchall()
    finally:
        conn.close()


def test_a_grown_table_is_analysed_and_connections_already_open_plan_with_it(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, 3 * MIN_ROWS)
    with sqlite_db.engine.connect() as held:  # open before the refresh, and kept open across it
        before = _plan(held)
        assert "TEMP B-TREE" in before  # the guess: every lead of the city, sorted

        assert "leads" in refresh_statistics(sqlite_db.engine)

        after = _plan(held)
        assert "ix_leads_created_at" in after and "TEMP B-TREE" not in after, after
    stats = dict(_leads_stats(sqlite_db))
    assert stats["ix_leads_email_lower"].split()[0] == str(3 * MIN_ROWS)
    conn = _raw(sqlite_db)
    try:  # nothing left behind but the statistics
        assert not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name LIKE 'leaddesk_statistics%'"
        ).fetchone()
        assert stale_tables(conn) == []
    finally:
        conn.close()


def test_statistics_made_again_reach_the_connections_already_open(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, 2 * MIN_ROWS)
    refresh_statistics(sqlite_db.engine)
    with sqlite_db.engine.connect() as held:
        assert "ix_leads_created_at" in _plan(held)  # one city for every lead: not worth its index
        # Twice as many leads again, each in a city of its own: now "city = Milano" is a rare value.
        _add_leads(sqlite_db, 2 * MIN_ROWS, city="'Città ' || i")
        assert refresh_statistics(sqlite_db.engine) == ["leads"]
        assert "USING INDEX ix_leads_city" in _plan(held)


def test_a_table_is_analysed_again_once_it_has_grown_enough(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, 2 * MIN_ROWS)
    assert refresh_statistics(sqlite_db.engine) == ["leads"]
    _add_leads(sqlite_db, MIN_ROWS // 2)  # 2,500: a quarter more
    assert refresh_statistics(sqlite_db.engine) == []
    grown = int(2 * MIN_ROWS * GROWTH) - 2 * MIN_ROWS - MIN_ROWS // 2
    _add_leads(sqlite_db, grown)  # 4,000: twice the rows analysed
    assert refresh_statistics(sqlite_db.engine) == ["leads"]
    assert dict(_leads_stats(sqlite_db))["ix_leads_email_lower"].split()[0] == str(4 * MIN_ROWS)


def test_small_tables_are_left_without_statistics(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, MIN_ROWS - 1)
    assert refresh_statistics(sqlite_db.engine) == []
    assert _leads_stats(sqlite_db) == []


def test_closing_interrupts_an_analysis_under_way_and_leaves_no_half(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, 3 * MIN_ROWS)
    asked: list[int] = []

    def stop() -> bool:  # "no" before the table starts, "yes" once SQLite is analysing it
        asked.append(1)
        return len(asked) > 1

    assert refresh_statistics(sqlite_db.engine, stop=stop) == []
    assert len(asked) > 1  # it was asked while the analysis ran
    assert _leads_stats(sqlite_db) == []  # rolled back
    assert refresh_statistics(sqlite_db.engine) == ["leads"]  # and done next time


def test_a_bulk_write_refreshes_the_statistics_after_its_checkpoint(sqlite_db: Any) -> None:
    jobs: list[Callable[[], None]] = []
    sqlite_db.run_in_background = jobs.append
    _add_leads(sqlite_db, 2 * MIN_ROWS, bulk=True)
    assert len(jobs) == 1 and _leads_stats(sqlite_db) == []
    jobs.pop()()
    assert _leads_stats(sqlite_db) != []


def test_demo_data_comes_with_statistics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from leaddesk.app import open_services
    from leaddesk.storage import planner_statistics

    monkeypatch.setattr(planner_statistics, "MIN_ROWS", 50)  # (a thousand demo leads take 15 s)
    services = open_services(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        services.demo.generate(60)
        assert _leads_stats(services.db) != []
    finally:
        services.close()


def test_a_refresh_under_way_is_not_run_twice(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, 2 * MIN_ROWS)
    with sqlite_db._statistics_lock:  # as while the start-up refresh runs on its thread
        assert sqlite_db.refresh_statistics() == []
    assert sqlite_db.refresh_statistics() == ["leads"]


def test_deleted_rows_do_not_make_a_table_look_grown(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, 2 * MIN_ROWS)
    assert refresh_statistics(sqlite_db.engine) == ["leads"]
    _add_leads(sqlite_db, 3 * MIN_ROWS)  # the highest id is now 5,000 …
    with sqlite_db.writing() as s:  # … but an undone import took most rows away
        s.execute(text("DELETE FROM leads WHERE id <= :last"), {"last": 4 * MIN_ROWS - 100})
    assert refresh_statistics(sqlite_db.engine) == []
    assert refresh_statistics(sqlite_db.engine) == []


def test_an_interrupted_analysis_reports_the_interruption(sqlite_db: Any) -> None:
    from leaddesk.storage.planner_statistics import analyse

    _add_leads(sqlite_db, 3 * MIN_ROWS)
    conn = sqlite3.connect(sqlite_db.sqlite_path, isolation_level=None)
    try:
        conn.set_progress_handler(lambda: 1, 1000)
        with pytest.raises(sqlite3.OperationalError, match="interrupt"):
            analyse(conn, "leads")
        assert not conn.in_transaction
    finally:
        conn.close()


def test_a_closed_database_starts_no_refresh(sqlite_db: Any) -> None:
    _add_leads(sqlite_db, 2 * MIN_ROWS)
    sqlite_db.close()
    assert sqlite_db.refresh_statistics() == []
    assert _leads_stats(sqlite_db) == []


def test_the_days_first_backup_analyses_every_table_big_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What changes without growing (leads moving on from the stage they came in) is caught daily."""
    from datetime import UTC, datetime

    from leaddesk.app import open_services
    from leaddesk.domain.clock import FixedClock
    from leaddesk.storage import planner_statistics
    from tests.unit.test_opening_support import fill

    monkeypatch.setattr(planner_statistics, "MIN_ROWS", 50)
    services = open_services(
        str(tmp_path / "leads.sqlite3"), FixedClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    )
    try:
        fill(services, 60)
        assert "leads" in services.db.refresh_statistics()
        fill(services, 10, prefix="more")  # 70 leads: not grown enough for the growth rule
        assert services.db.refresh_statistics() == []
        assert services.maintenance.run_daily().backup is not None
        services.db.wait_for_background()  # (it runs on the database's own thread)
        assert dict(_leads_stats(services.db))["ix_leads_email_lower"].split()[0] == "70"
    finally:
        services.close()
