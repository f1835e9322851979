"""The benchmark fixture (benchmarks/big_db.py) builds correct data: its bulk SLA clocks equal what the real
SlaService.set_policy writes, its search index equals the app's own bulk fill, its statistics are the ones
the app makes, and the stage stamps agree with exactly one event per move."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import big_db
from leaddesk.models.search import SQLITE_BULK_FILL, SQLITE_DDL, SQLITE_DROP, sqlite_match_expression

LEADS = 4000

#: Stage stamp column ↔ the kind of the one event that moved the lead there.
STAMPS = {
    "mql_at": "qualified",
    "handed_off_at": "handed_off",
    "accepted_at": "accepted",
    "rejected_at": "rejected",
    "first_contact_at": "contacted",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("big_db") / "big.sqlite3"
    big_db.build(path, LEADS)
    yield path


def _copy(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def test_shape(built: Path) -> None:
    conn = sqlite3.connect(built)
    assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] == LEADS
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # every lead was created once; every stamp has its one event at that instant, and no event lacks one
    assert conn.execute("SELECT count(*) FROM lead_events WHERE kind = 'created'").fetchone()[0] == LEADS
    for column, kind in STAMPS.items():
        stamped = conn.execute(f"SELECT count(*) FROM leads WHERE {column} IS NOT NULL").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM lead_events WHERE kind = ?", (kind,)).fetchone()[0]
        matching = conn.execute(
            f"SELECT count(*) FROM leads l JOIN lead_events e ON e.lead_id = l.id AND e.kind = ? "
            f"AND e.at = l.{column}",
            (kind,),
        ).fetchone()[0]
        assert stamped == events == matching > 0, column
    closed = conn.execute(
        "SELECT count(*) FROM leads l JOIN lead_events e ON e.lead_id = l.id AND e.kind = l.stage "
        "AND e.at = l.closed_at WHERE l.stage IN ('won', 'lost', 'disqualified')"
    ).fetchone()[0]
    assert closed == conn.execute("SELECT count(*) FROM leads WHERE closed_at IS NOT NULL").fetchone()[0]
    # sales-side events and calls are by the lead's sales owner
    assert (
        conn.execute(
            "SELECT count(*) FROM lead_events e JOIN leads l ON l.id = e.lead_id "
            "WHERE e.actor_id IS NOT l.sales_owner_id AND e.kind NOT IN "
            "('created', 'qualified', 'handed_off', 'disqualified')"
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute("SELECT count(*) FROM activities").fetchone()[0]
        == conn.execute("SELECT count(*) FROM leads WHERE first_contact_at IS NOT NULL").fetchone()[0]
    )
    touches = conn.execute("SELECT count(*) FROM campaign_touches").fetchone()[0]
    assert LEADS <= touches <= LEADS * 1.4
    # the secondary indexes and search triggers are all there
    for table in ("leads", *big_db.WORKER_TABLES):
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ?",
            (table,),
        ).fetchone()[0]
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'leads_fts_a_'").fetchone()[0] == 3
    )
    conn.close()


def test_sla_clocks_equal_the_services(built: Path, tmp_path: Path) -> None:
    """Clear the clocks and the policy in a copy and let the real SlaService.set_policy compute them."""
    columns = ", ".join(("id", *big_db.SLA_COLUMNS))
    copy = _copy(built, tmp_path / "service.sqlite3")
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE leads SET " + ", ".join(f"{c} = NULL" for c in big_db.SLA_COLUMNS))
    conn.execute("DELETE FROM sla_policy_versions")
    conn.commit()
    conn.close()
    big_db.fill_sla_clocks(copy)
    ours = sqlite3.connect(built).execute(f"SELECT {columns} FROM leads ORDER BY id").fetchall()
    service = sqlite3.connect(copy).execute(f"SELECT {columns} FROM leads ORDER BY id").fetchall()
    handed = [r for r in ours if r[1] is not None]
    assert len(handed) > LEADS // 5
    assert any(r[5] == "Hot leads" for r in handed) and any(r[5] is None for r in handed)
    assert ours == service
    policy = "SELECT id, effective_from, body, created_at, created_by_id FROM sla_policy_versions"
    assert (
        sqlite3.connect(built).execute(policy).fetchall() == sqlite3.connect(copy).execute(policy).fetchall()
    )


def test_search_index_equals_the_apps_fill(built: Path, tmp_path: Path) -> None:
    """The worker's search index is byte for byte what the app's fill statement writes from the leads."""
    copy = _copy(built, tmp_path / "fts.sqlite3")
    conn = sqlite3.connect(copy, isolation_level=None)
    for statement in (*SQLITE_DROP, *SQLITE_DDL, *SQLITE_BULK_FILL):
        conn.execute(statement)
    conn.close()
    ours, fresh = sqlite3.connect(built), sqlite3.connect(copy)
    for table in big_db.FTS_SHADOW:
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert ours.execute(query).fetchall() == fresh.execute(query).fetchall(), table
    ours.execute("INSERT INTO leads_fts(leads_fts) VALUES ('integrity-check')")
    # The app's own search expression (a name may hold an apostrophe or a hyphen: words, not a phrase).
    odd = ours.execute(
        "SELECT min(id) FROM leads WHERE first_name || last_name GLOB '*[^A-Za-z]*'"
    ).fetchone()[0]
    for lead_id in {1, LEADS // 2, LEADS, odd or 1}:
        first, last = ours.execute(
            "SELECT first_name, last_name FROM leads WHERE id = ?", (lead_id,)
        ).fetchone()
        match = sqlite_match_expression(f"{first} {last}")
        hits = ours.execute("SELECT rowid FROM leads_fts WHERE leads_fts MATCH ?", (match,)).fetchall()
        assert (lead_id,) in hits, (first, last, match)


def test_statistics_equal_the_apps_own(built: Path, tmp_path: Path) -> None:
    """The fixture has the statistics the app would make for the same data, no more and no fewer."""
    from leaddesk.models.database import open_database

    copy = _copy(built, tmp_path / "stats.sqlite3")
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("DELETE FROM sqlite_stat1")
    conn.close()
    db = open_database(f"sqlite:///{copy}")
    try:
        assert {"leads", "lead_events"} <= set(db.refresh_statistics())
    finally:
        db.dispose()
    query = "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY 1, 2"
    assert sqlite3.connect(built).execute(query).fetchall() == sqlite3.connect(copy).execute(query).fetchall()


def test_datetime_text_is_strftime() -> None:
    """The fixture formats julian days with datetime(); it is the earlier strftime text, second for second."""
    conn = sqlite3.connect(":memory:")
    # stored first: random() in a subquery's column is drawn anew at each reference
    conn.execute(
        "CREATE TABLE j AS WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 200000) "
        "SELECT 2461000.5 - (abs(random()) % 207360000) / 864000.0 + n / 1e9 AS j FROM s"
    )
    differing = conn.execute(
        "SELECT count(*) FROM j WHERE datetime(j) IS NOT strftime('%Y-%m-%d %H:%M:%S', j)"
    ).fetchone()[0]
    assert differing == 0


def test_scratch_files_are_removed(built: Path) -> None:
    # no stage or parts file left behind (the WAL files go with the last connection)
    assert sorted(p.name for p in built.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        built.name
    ]
