"""Indexes set aside for a bulk write come back as they were, statistics included, whether they are
built again or the transaction is rolled back (`storage.deferred_indexes`), on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine

from leaddesk.models.database import create_database_engine
from leaddesk.storage.deferred_indexes import build_again, count_rows, set_aside

SCHEMA = (
    "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE, city TEXT, score INTEGER, gone TEXT, "
    "code INTEGER, flag INTEGER)",
    # Built again in name order: without statistics the planner takes the last one built for a tie.
    "CREATE INDEX ix_people_a_code ON people (code)",
    "CREATE INDEX ix_people_b_flag ON people (flag)",
    "CREATE UNIQUE INDEX ix_people_unique_score_code ON people (score, code)",
    "CREATE INDEX ix_people_city ON people (city) WHERE gone IS NULL",
    "CREATE INDEX ix_people_email_lower ON people (lower(email))",
    "CREATE INDEX ix_people_score ON people (score DESC, city)",
    "CREATE TABLE other (id INTEGER PRIMARY KEY, x TEXT)",
    "CREATE INDEX ix_other_x ON other (x)",
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    # The app's engine: its transactions begin with BEGIN, so DDL is part of them (pysqlite's own
    # implicit transactions would commit each DROP INDEX at once).
    engine = create_database_engine("sqlite:///" + str(tmp_path / "people.sqlite3"))
    with engine.begin() as conn:
        for ddl in SCHEMA:
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql(
            "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 3000) "
            "INSERT INTO people (email, city, score, code, flag) SELECT 'p' || v || '@x.it', "
            "CASE v % 3 WHEN 0 THEN 'Milano' ELSE 'Roma' END, v % 50, v, v % 2 FROM n"
        )
        conn.exec_driver_sql("INSERT INTO other (x) VALUES ('a'), ('b')")
        conn.exec_driver_sql("ANALYZE")
    yield engine
    engine.dispose()


def schema(conn: Connection) -> list[tuple[str, ...]]:
    return [
        tuple(r)
        for r in conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    ]


def statistics(conn: Connection) -> list[tuple[str, ...]]:
    return [
        tuple(r) for r in conn.exec_driver_sql("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx")
    ]


def index_names(conn: Connection, table: str) -> set[str]:
    return {
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
        )
    }


SET_ASIDE = ["ix_people_a_code", "ix_people_b_flag", "ix_people_city", "ix_people_score"]
#: A query whose plan depends on the statistics: `code` finds one row, `flag` half of them.
BY_CODE_AND_FLAG = "EXPLAIN QUERY PLAN SELECT id FROM people WHERE code = 7 AND flag = 1"


def plan(conn: Connection, sql: str) -> str:
    return " ".join(str(r[-1]) for r in conn.exec_driver_sql(sql))


def test_set_aside_keeps_the_named_unique_and_key_indexes_and_builds_the_rest_again(engine: Engine) -> None:
    with engine.connect() as conn:
        before, stats_before = schema(conn), statistics(conn)
    assert ("people", "ix_people_city", "3000 1500") in stats_before  # the statistics exist to be kept
    steps: list[tuple[int, int]] = []
    with engine.begin() as conn:
        aside = set_aside(conn, "people", keep={"ix_people_email_lower"})
        assert [name for name, _sql in aside.indexes] == SET_ASIDE
        # The named index, the unique ones (the UNIQUE constraint's own too) stay; other tables too.
        assert index_names(conn, "people") == {
            "ix_people_email_lower",
            "ix_people_unique_score_code",
            "sqlite_autoindex_people_1",
        }
        assert index_names(conn, "other") == {"ix_other_x"}
        assert not any(idx in SET_ASIDE for _t, idx, _s in statistics(conn))
        conn.exec_driver_sql("INSERT INTO people (email, city, score) VALUES ('new@x.it', 'Torino', 7)")
        assert count_rows(conn, "people") == 3001
        build_again(conn, aside, step=lambda done, total: steps.append((done, total)))
        # This very connection plans with the statistics again (the import's, which the app reuses).
        assert "ix_people_a_code" in plan(conn, BY_CODE_AND_FLAG)
    assert steps == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    with engine.connect() as conn:
        assert schema(conn) == before
        assert statistics(conn) == stats_before
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        assert "ix_people_a_code" in plan(conn, BY_CODE_AND_FLAG)
        assert "ix_people_city" in plan(
            conn, "EXPLAIN QUERY PLAN SELECT id FROM people WHERE city = 'Torino' AND gone IS NULL"
        )
        assert (
            conn.exec_driver_sql("SELECT email FROM people WHERE city = 'Torino'").scalar_one() == "new@x.it"
        )


def test_nothing_is_set_aside_when_an_index_to_keep_is_missing(engine: Engine) -> None:
    with engine.begin() as conn:
        before = schema(conn)
        aside = set_aside(conn, "people", keep={"ix_people_email_lower", "ix_people_renamed"})
        assert aside.indexes == () and schema(conn) == before


def test_a_rollback_puts_the_indexes_and_their_statistics_back(engine: Engine) -> None:
    with engine.connect() as conn:
        before, stats_before = schema(conn), statistics(conn)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        set_aside(conn, "people", keep=())
        assert index_names(conn, "people") == {"ix_people_unique_score_code", "sqlite_autoindex_people_1"}
        raise RuntimeError("cancelled midway")
    with engine.connect() as conn:
        assert schema(conn) == before and statistics(conn) == stats_before


def test_stopping_while_building_again_rolls_back_too(engine: Engine) -> None:
    with engine.connect() as conn:
        before = schema(conn)
    settings = ("PRAGMA cache_size", "PRAGMA threads")

    def stop(done: int, _total: int) -> None:
        if done == 1:
            raise RuntimeError("Cancel")

    with pytest.raises(RuntimeError), engine.begin() as conn:
        pragmas = [conn.exec_driver_sql(q).scalar_one() for q in settings]
        aside = set_aside(conn, "people", keep=())
        try:
            build_again(conn, aside, step=stop)
        finally:
            # The connection's page cache and sorter threads are given back even so (it returns to the
            # pool).
            assert [conn.exec_driver_sql(q).scalar_one() for q in settings] == pragmas
    with engine.connect() as conn:
        assert schema(conn) == before
