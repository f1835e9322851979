"""Undoing an import: created leads removed, changed leads restored field by field, touches and merge events
removed, the undo recorded; work done since on created leads is never deleted silently."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import DuplicatePolicy, EventKind, Role
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.models import CampaignTouch, ImportBatchChange, Lead, LeadEvent
from leaddesk.services.importing.import_service import ImportSettings
from leaddesk.services.importing.undo import UndoBlockedError
from tests.import_files.builders import write_xlsx

HEADERS = ["Nome", "Cognome", "Email", "Azienda", "Città", "Codice"]


@pytest.fixture
def services(db: Any, clock: FixedClock) -> Iterator[Services]:
    yield build_services(db, clock)


def count(services: Services, model: Any, *where: Any) -> int:
    with services.db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def lead(services: Services, email: str) -> Lead:
    with services.db.reading() as s:
        found = s.scalar(select(Lead).where(Lead.email == email))
        assert found is not None
        s.expunge_all()
        return found


def test_undo_removes_what_the_import_did_and_restores_what_it_changed(
    services: Services, tmp_path: Path
) -> None:
    first = write_xlsx(
        tmp_path / "a.xlsx",
        [
            HEADERS,
            ["Anna", "Verdi", "anna@x.it", "Acme", None, "A1"],
            ["Bruno", "Neri", "bruno@x.it", None, "Roma", None],
        ],
    )
    one = services.imports.import_file(first, ImportSettings(campaign="Fiera"))
    anna_before = lead(services, "anna@x.it")
    second = write_xlsx(
        tmp_path / "b.xlsx",
        [
            HEADERS,
            ["Anna", "Verdi", "anna@x.it", "Acme", "Milano", "B2"],  # fills the city, overwrites the code
            ["Bruno", "Neri", "bruno@x.it", "Beta", "Torino", None],
            ["Carla", "Blu", "carla@x.it", None, None, None],  # new
            ["Carla", "Blu", "carla@x.it", "Gamma", None, None],  # merged into the new lead
        ],
    )
    two = services.imports.import_file(
        second, ImportSettings(campaign="Webinar", policy=DuplicatePolicy.OVERWRITE)
    )
    assert (two.created, two.updated, two.duplicates) == (1, 2, 3)
    assert lead(services, "anna@x.it").city == "Milano"
    assert count(services, ImportBatchChange) == 2
    # Someone edits Bruno's city after the import: that newer value must survive the undo.
    bruno = lead(services, "bruno@x.it")
    services.lifecycle.update_lead(bruno.id, {"city": "Bologna"}, expected_version=bruno.version)

    result = services.imports.undo(two.batch_id, actor_id=None)  # type: ignore[arg-type]
    assert (result.deleted, result.restored, result.kept_leads, result.kept_fields) == (1, 2, 0, 1)
    anna = lead(services, "anna@x.it")
    assert (anna.city, anna.custom_fields, anna.company) == (None, {"Codice": "A1"}, "Acme")
    assert anna.version == anna_before.version + 2  # the merge and its undo are both edits
    bruno = lead(services, "bruno@x.it")
    assert (bruno.company, bruno.city) == (None, "Bologna")
    assert count(services, Lead, Lead.email == "carla@x.it") == 0
    # Touches and merge events of the undone import are gone; each restored lead says it was undone.
    assert count(services, CampaignTouch, CampaignTouch.import_batch_id == two.batch_id) == 0
    assert count(services, LeadEvent, LeadEvent.import_batch_id == two.batch_id) == 0
    undone = count(services, LeadEvent, LeadEvent.kind == EventKind.IMPORT_UNDONE.value)
    assert undone == 2
    batch = services.imports.batch(two.batch_id)  # type: ignore[arg-type]
    assert batch.undone and batch.undone_at == services.clock()
    with pytest.raises(ValidationError, match="already undone"):
        services.imports.undo(two.batch_id)  # type: ignore[arg-type]
    # The first import is still whole. Bruno, which it created, was edited since: its undo keeps him.
    assert count(services, CampaignTouch) == 2
    with pytest.raises(UndoBlockedError, match="edited on 2026-02-10"):
        services.imports.undo(one.batch_id)  # type: ignore[arg-type]
    services.imports.undo(one.batch_id, keep_worked=True)  # type: ignore[arg-type]
    assert count(services, Lead) == 1 and lead(services, "bruno@x.it").city == "Bologna"


def test_worked_leads_block_the_undo_unless_kept(services: Services, tmp_path: Path) -> None:
    rep = services.team.add_member("Marco Neri", Role.SALES)
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            HEADERS,
            ["Anna", "Verdi", "anna@x.it", "Acme", None, None],
            ["Bruno", "Neri", "bruno@x.it", None, None, None],
        ],
    )
    result = services.imports.import_file(path)
    anna = lead(services, "anna@x.it")
    services.lifecycle.handoff([anna.id], owner_id=rep.id)
    with pytest.raises(
        UndoBlockedError, match=r"1 lead this import created was worked on since \(for example lead"
    ):
        services.imports.undo(result.batch_id)  # type: ignore[arg-type]
    assert count(services, Lead) == 2  # nothing was undone
    kept = services.imports.undo(result.batch_id, keep_worked=True)  # type: ignore[arg-type]
    assert (kept.deleted, kept.kept_leads) == (1, 1)
    assert lead(services, "anna@x.it").stage == "handed_off"
    assert count(services, Lead) == 1


def test_a_lead_only_moved_to_the_trash_does_not_block(services: Services, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [HEADERS, ["Anna", "Verdi", "anna@x.it", "Acme", None, None]])
    result = services.imports.import_file(path)
    services.lifecycle.delete_leads([lead(services, "anna@x.it").id])
    assert services.imports.undo(result.batch_id).deleted == 1  # type: ignore[arg-type]


def test_undo_of_an_unknown_batch(services: Services) -> None:
    with pytest.raises(NotFoundError, match="Import #42 does not exist"):
        services.imports.undo(42)
