"""The two ways a row becomes a lead give the same database: built by the preparation worker processes
(the fast path of big imports) or built by the writer itself (one process; rows that merge; rows naming
their own campaign). Leads, events, touches, scores, warnings and counts are compared field by field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Role
from leaddesk.models.database import open_database
from leaddesk.services.importing import PrepareOptions
from leaddesk.services.importing.import_service import ImportResult, ImportSettings
from tests.import_files.builders import write_xlsx

HEADERS = [
    "Nome", "Cognome", "Email", "Telefono", "Azienda", "Ruolo", "Dipendenti", "Stage",
    "Data consegna a sales", "Commerciale", "Campagna", "Note interne",
]  # fmt: skip


def _rows() -> list[list[Any]]:
    rows: list[list[Any]] = []
    for i in range(120):
        campaign = "Fiera Milano" if i % 17 == 0 else None
        stage = "handed_off" if i % 5 == 0 else None
        handed = "2026-02-02 10:00" if stage else None
        owner = "Marco Rossi" if i % 10 == 0 else ("Nessuno" if i % 15 == 0 else None)
        email = f"p{i}@example.it" if i % 7 else f"p{i - 1}@example.it"  # every 7th repeats the row above
        rows.append(
            [f"Nome{i}", f"Cognome{i % 9}", email, f"+39 333 {i:07d}", f"Ditta {i % 11}", "CEO",
             10 + i, stage, handed, owner, campaign, f"nota {i}" if i % 3 else None]
        )  # fmt: skip
    rows.append(["Solo", "Nome", None, None, None, None, None, None, None, None, None, None])  # rejected
    rows.append(["X" * 150, "Y", "long@example.it", None, None, None, None, None, None, None, None, None])
    return rows


@pytest.fixture
def services_for(tmp_path: Path, clock: FixedClock) -> Iterator[Any]:
    opened: list[Services] = []

    def make(name: str) -> Services:
        svc = build_services(open_database("sqlite:///" + str(tmp_path / f"{name}.sqlite3")), clock)
        opened.append(svc)
        return svc

    yield make
    for svc in opened:
        svc.db.dispose()


def _dump(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    with services.db.reading() as s:
        conn = s.connection()
        return {
            table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in ("leads", "lead_events", "campaign_touches", "campaigns")
        }


def _import(services: Services, path: Path, options: PrepareOptions) -> ImportResult:
    services.team.add_member("Marco Rossi", Role.SALES)
    return services.imports.import_file(path, ImportSettings(campaign="Webinar", prepare=options))


def test_workers_and_the_writer_build_the_same_leads(services_for: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "lista.xlsx", [HEADERS, *_rows()])
    serial = services_for("serial")
    parallel = services_for("parallel")
    one = _import(serial, path, PrepareOptions(workers=1))
    two = _import(parallel, path, PrepareOptions(workers=2, parallel_threshold=10))
    assert (one.created, one.duplicates, one.updated, one.rejected) == (
        two.created,
        two.duplicates,
        two.updated,
        two.rejected,
    )
    assert one.created > 0 and one.duplicates > 0 and one.rejected == 1
    assert one.errors == two.errors
    assert _dump(serial) == _dump(parallel)
    assert serial.scoring.rescore().changed == 0
    assert parallel.scoring.rescore().changed == 0


def _second_list() -> list[list[Any]]:
    """Rows of people the first import brought in (by email, some with changes), and new people."""
    rows: list[list[Any]] = []
    for i in range(0, 120, 2):
        email = f"p{i}@example.it" if i % 7 else f"p{i - 1}@example.it"
        rows.append(
            [f"Nome{i}", f"Cognome{i % 9}", email.upper(), None, f"Ditta {i % 11}", "CTO", None, None,
             None, None, None, f"aggiornata {i}" if i % 4 == 0 else None]
        )  # fmt: skip
    for i in range(300, 340):
        rows.append(
            [f"Nuovo{i}", "Cliente", f"n{i}@example.it", f"+39 347 {i:07d}", "Ditta Nuova", "CEO", 12,
             None, None, None, None, None]
        )  # fmt: skip
    return rows


def test_rows_of_leads_already_in_the_database_merge_alike_on_both_paths(
    services_for: Any, tmp_path: Path
) -> None:
    first = write_xlsx(tmp_path / "lista.xlsx", [HEADERS, *_rows()])
    second = write_xlsx(tmp_path / "di_nuovo.xlsx", [HEADERS, *_second_list()])
    serial = services_for("serial")
    parallel = services_for("parallel")
    for services in (serial, parallel):
        _import(services, first, PrepareOptions(workers=1))
    one = serial.imports.import_file(second, ImportSettings(prepare=PrepareOptions(workers=1)))
    two = parallel.imports.import_file(
        second, ImportSettings(prepare=PrepareOptions(workers=2, parallel_threshold=10))
    )
    assert (one.created, one.duplicates, one.updated) == (two.created, two.duplicates, two.updated)
    assert one.created == 40 and one.duplicates == 60 and one.updated > 0
    assert one.errors == two.errors
    assert _dump(serial) == _dump(parallel)
