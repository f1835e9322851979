"""The schema is made only by migrations, agrees with the models, and foreign files are left alone."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from leaddesk.domain.errors import DatabaseTooNewError, NotLeadDeskDatabaseError
from leaddesk.models import Base
from leaddesk.models.database import create_database_engine, open_database
from leaddesk.models.migrations import HEAD, MIGRATIONS_DIR, known_revisions


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_head_constant_matches_alembic() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_heads() == [HEAD]
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}


def test_migrated_schema_matches_models(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [d for d in compare_metadata(ctx, Base.metadata) if not _is_search_artifact(d)]
        assert diff == []
        with db.reading() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
            assert s.execute(text("SELECT value FROM leaddesk_meta WHERE key = 'application'")).scalar() == (
                "leaddesk"
            )
    finally:
        db.dispose()


def test_partial_indexes_match_models(db_url: str) -> None:
    """Which rows an index holds matters to the planner and is invisible to Alembic's comparison: the
    migrated WHERE of every index equals the model's (none where the model has none)."""

    def plain(predicate: str | None) -> str:
        return "".join(c for c in (predicate or "").lower() if c not in "() ")

    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            if db.dialect == "sqlite":
                rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
                migrated = {name: sql.partition(" WHERE ")[2] for name, sql in rows if sql}
            else:
                rows = conn.exec_driver_sql(
                    "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema()"
                )
                migrated = dict(rows.all())
    finally:
        db.dispose()
    expected = {
        index.name: index.dialect_options[db.dialect]["where"]
        for table in Base.metadata.tables.values()
        for index in table.indexes
    }
    assert {name for name, where in expected.items() if where is not None}, "no partial index to check"
    for name, where in expected.items():
        assert plain(migrated[name]) == plain(None if where is None else str(where)), name


def _is_search_artifact(diff: object) -> bool:
    # The FTS5 shadow tables / GIN expression index are created by the migration on purpose and are
    # not part of the ORM metadata.
    text_ = repr(diff)
    return "leads_fts" in text_ or "ix_leads_search" in text_ or "ix_leads_email_lower" in text_


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    from leaddesk.models.database import run_migrations

    db = open_database(db_url)
    try:
        from alembic import command

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with db.engine.connect() as conn:
            if db.is_sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "base")
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            assert tables == set()
            conn.rollback()
            with conn.begin():
                run_migrations(conn)
            assert "leads" in inspect(conn).get_table_names()
    finally:
        db.dispose()


def test_foreign_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "someone-else.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(NotLeadDeskDatabaseError, match="not a LeadDesk database"):
        open_database("sqlite:///" + str(path))
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["someone-else.sqlite3"]


def test_non_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"Dear diary, today I bought leads.\n" * 50)
    before = _digest(path)
    with pytest.raises(NotLeadDeskDatabaseError, match="not a SQLite file"):
        open_database("sqlite:///" + str(path))
    assert _digest(path) == before


def test_database_from_a_newer_release_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    open_database("sqlite:///" + str(path)).dispose()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = _digest(path)
    with pytest.raises(DatabaseTooNewError, match="newer LeadDesk"):
        open_database("sqlite:///" + str(path))
    assert _digest(path) == before


@pytest.mark.postgres
def test_foreign_postgres_database_is_refused_and_untouched(pg_cluster) -> None:  # type: ignore[no-untyped-def]
    url = pg_cluster.empty_database_url()
    engine = create_database_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id serial PRIMARY KEY, total numeric)"))
    with pytest.raises(NotLeadDeskDatabaseError, match="not a LeadDesk database"):
        open_database(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"invoices"}
    engine.dispose()


@pytest.mark.postgres
def test_empty_postgres_database_is_created(pg_cluster) -> None:  # type: ignore[no-untyped-def]
    db = open_database(pg_cluster.empty_database_url())
    try:
        with db.reading() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    finally:
        db.dispose()
