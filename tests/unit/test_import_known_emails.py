"""A preparation worker does not build the rows whose email a live lead already has (they merge); the
look reads the file as committed, so the import's own transaction does not change its answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Stage
from leaddesk.domain.records import LeadDraft
from leaddesk.domain.scoring import ScoringRules
from leaddesk.services.importing import known_emails as known_emails_module
from leaddesk.services.importing.known_emails import known_emails
from leaddesk.services.importing.new_leads import LeadSpec
from leaddesk.services.importing.prepared_rows import PreparedChunk, PreparedRow, _build, _unpack_built

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _close_lookups() -> Iterator[None]:
    """The look keeps one connection per file for a worker's life; here, for one test only."""
    yield
    for conn in known_emails_module._connections.values():
        conn.close()
    known_emails_module._connections.clear()


def _spec(probe_db: str | None) -> LeadSpec:
    return LeadSpec(
        batch_id=1, file_name="lista.xlsx", actor_id=None, now=NOW, campaign_id=None, rules=ScoringRules(),
        members=(), column_of=(), dialect="sqlite", probe_db=probe_db,
    )  # fmt: skip


def _chunk(*emails: str) -> PreparedChunk:
    rows = tuple(
        PreparedRow(n + 2, {"first_name": f"P{n}", "email": email}, {}, {}, Stage.NEW, ())
        for n, email in enumerate(emails)
    )
    return PreparedChunk(rows, ())


def _database(sqlite_db: Any, clock: FixedClock) -> str:
    services = build_services(sqlite_db, clock)
    for email in ("anna@example.it", "bruno@example.it", "carla@example.it"):
        services.lifecycle.create_lead(LeadDraft(first_name=email.split("@")[0], email=email))
    with sqlite_db.writing() as s:
        s.execute(text("UPDATE leads SET deleted_at = :now WHERE email = 'bruno@example.it'"), {"now": NOW})
    return str(sqlite_db.sqlite_path)


def test_a_worker_skips_the_rows_of_live_leads(sqlite_db: Any, clock: FixedClock) -> None:
    path = _database(sqlite_db, clock)
    chunk = _chunk("anna@example.it", "bruno@example.it", "dario@example.it")
    built = _unpack_built(_build(_spec(path), chunk, packed=True)).rows
    assert [row.lead is None for row in built] == [True, False, False]  # bruno is in the trash
    assert [row.keys.email for row in built] == ["anna@example.it", "bruno@example.it", "dario@example.it"]
    # In the writer's own process (one core) nothing is looked up: every row is built.
    in_process = _unpack_built(_build(_spec(path), chunk, packed=False)).rows
    assert all(row.lead is not None for row in in_process)
    without_file = _unpack_built(_build(_spec(None), chunk, packed=True)).rows
    assert all(row.lead is not None for row in without_file)


def test_the_look_sees_the_file_as_committed(sqlite_db: Any, clock: FixedClock) -> None:
    path = _database(sqlite_db, clock)
    with sqlite_db.writing() as s:  # an import's transaction, still open
        s.execute(text("UPDATE leads SET email = 'nuova@example.it' WHERE email = 'carla@example.it'"))
        assert known_emails(path, ["carla@example.it", "nuova@example.it"]) == {"carla@example.it"}
    assert known_emails(path, ["carla@example.it", "nuova@example.it"]) == {"nuova@example.it"}


def test_a_failed_look_builds_every_row(tmp_path: Path) -> None:
    assert known_emails(str(tmp_path / "missing.sqlite3"), ["anna@example.it"]) == set()
    assert known_emails("relative.sqlite3", ["anna@example.it"]) == set()  # no file URI for it


def test_an_import_over_a_relative_url_uses_the_workers(
    clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leaddesk.models.database import open_database
    from leaddesk.services.importing import PrepareOptions
    from leaddesk.services.importing.import_service import ImportSettings
    from tests.import_files.builders import write_xlsx

    monkeypatch.chdir(tmp_path)
    services = build_services(open_database("sqlite:///relative.sqlite3"), clock)
    rows = [["Nome", "Email"], *([f"Persona {i}", f"persona{i}@example.it"] for i in range(200))]
    path = write_xlsx(tmp_path / "lista.xlsx", rows)
    settings = ImportSettings(prepare=PrepareOptions(workers=2, parallel_threshold=10))
    try:
        assert services.imports.import_file(path, settings).created == 200
        again = services.imports.import_file(path, settings)
        assert (again.created, again.duplicates) == (0, 200)
    finally:
        services.db.dispose()
