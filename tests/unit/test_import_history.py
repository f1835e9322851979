"""History columns become lifecycle events: the path to the stage, the dates, the stamps, owners, reasons,
and the SLA due times computed for the imported past."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import EventKind, Role, Stage
from leaddesk.domain.lifecycle import ACTIONS, STAMPED_COLUMNS, check_transition
from leaddesk.models import Lead, LeadEvent
from leaddesk.services.importing.history_events import Member, lost_reason, plan_history, reject_code
from leaddesk.services.importing.import_service import ImportSettings
from tests.import_files.builders import write_xlsx

UTC = dt.UTC
NOW = dt.datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
D1 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
D2 = dt.datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
D3 = dt.datetime(2025, 3, 6, 11, 0, tzinfo=UTC)
D4 = dt.datetime(2025, 4, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("stage", list(Stage))
def test_every_stage_has_a_legal_path(stage: Stage) -> None:
    for history in ({}, {"rejected_at": D2}, {"mql_at": D1}, {"value": Decimal(10), "first_contact_at": D2}):
        plan = plan_history(history, stage, NOW, {})
        current = Stage.NEW
        for event in plan.events:
            assert event.from_stage is current
            current = event.to_stage  # type: ignore[assignment]
        assert current is stage
        assert set(plan.stamps) <= set(STAMPED_COLUMNS)


def test_missing_dates_take_the_next_known_date_then_the_last() -> None:
    plan = plan_history({"handed_off_at": D2, "closed_at": D4, "outcome": "Vinto"}, Stage.WON, NOW, {})
    assert [(e.kind, e.at) for e in plan.events] == [
        (EventKind.QUALIFIED, D2),  # no MQL date: the next known (the handoff)
        (EventKind.HANDED_OFF, D2),
        (EventKind.ACCEPTED, D4),  # no dates until the close
        (EventKind.CONTACTED, D4),
        (EventKind.OPPORTUNITY, D4),
        (EventKind.WON, D4),
    ]
    assert plan.stamps == {
        "mql_at": D2,
        "handed_off_at": D2,
        "accepted_at": D4,
        "first_contact_at": D4,
        "closed_at": D4,
    }
    assert plan.created_at == D2
    trailing = plan_history({"handed_off_at": D2}, Stage.CONTACTED, NOW, {})
    assert [e.at for e in trailing.events] == [D2, D2, D2, D2]
    nothing = plan_history({}, Stage.HANDED_OFF, NOW, {})
    assert [e.at for e in nothing.events] == [NOW, NOW]


def test_dates_out_of_order_move_forward_and_unused_dates_are_reported() -> None:
    plan = plan_history({"handed_off_at": D3, "accepted_at": D1, "closed_at": D4}, Stage.ACCEPTED, NOW, {})
    assert [e.at for e in plan.events] == [D3, D3, D3]
    messages = [m for _c, m in plan.warnings]
    assert any("out of order" in m for m in messages)
    assert any("closed_at was not used" in m for m in messages)
    created_late = plan_history({"created_at": D4, "mql_at": D1}, Stage.MQL, NOW, {})
    assert created_late.created_at == D1
    assert created_late.warnings


def test_owners_and_reasons() -> None:
    members = {"marco neri": Member(7, "Marco Neri")}
    plan = plan_history(
        {
            "handed_off_at": D2,
            "rejected_at": D3,
            "sales_owner": "  MARCO  Neri ",
            "reject_reason": "Fuori target",
        },
        Stage.REJECTED,
        NOW,
        members,
    )
    assert plan.sales_owner == Member(7, "Marco Neri")
    assert (plan.reject_reason, plan.reject_note) == ("not_in_target", None)
    handoff = next(e for e in plan.events if e.kind is EventKind.HANDED_OFF)
    assert handoff.details["sales_owner_id"] == 7
    unknown = plan_history({"handed_off_at": D2, "sales_owner": "Gino"}, Stage.HANDED_OFF, NOW, members)
    assert unknown.sales_owner is None
    assert "'Gino' is not a team member" in unknown.warnings[0][1]
    assert reject_code("il cliente non risponde") == ("other", "il cliente non risponde")
    assert lost_reason("Prezzo") == "price" and lost_reason("scelto un altro") == "scelto un altro"
    assert lost_reason(None) == "other"
    lost = plan_history(
        {"closed_at": D4, "lost_reason": "Prezzo", "value": Decimal("1500")}, Stage.LOST, NOW, {}
    )
    assert [e.kind for e in lost.events][-3:] == [EventKind.CONTACTED, EventKind.OPPORTUNITY, EventKind.LOST]
    assert (lost.close_reason, lost.expected_value) == ("price", Decimal("1500"))
    for event in lost.events:
        act = next(a for a in ACTIONS.values() if a.event is event.kind)
        check_transition(event.from_stage, act.name, event.reason)  # type: ignore[arg-type]


@pytest.fixture
def services(db: Any, clock: FixedClock) -> Iterator[Services]:
    svc = build_services(db, clock)
    svc.sla.ensure_policy()
    yield svc


HEADERS = [
    "Nome", "Cognome", "Email", "Azienda", "Fase", "Data MQL", "Data consegna a sales", "Data primo contatto",
    "Esito", "Motivo perdita", "Commerciale", "Data chiusura",
]  # fmt: skip


def test_a_history_list_becomes_events_stamps_and_sla_clocks(services: Services, tmp_path: Path) -> None:
    marco = services.team.add_member("Marco Neri", Role.SALES)
    path = write_xlsx(
        tmp_path / "storico.xlsx",
        [
            HEADERS,
            # stage given
            ["Anna", "Verdi", "anna@x.it", "Acme", "Accettato", "03/03/2025 10:00", "04/03/2025 11:00",
             None, None, None, "marco neri", None],
            # no stage: inferred from the latest date (first contact)
            ["Bruno", "Neri", "bruno@x.it", "Beta", None, None, "04/03/2025 11:00", "06/03/2025 12:00",
             None, None, "Marco Neri", None],
            # lost with a reason
            ["Carla", "Blu", "carla@x.it", "Gamma", None, None, "04/03/2025 11:00", None, "Perso",
             "Prezzo", None, "01/04/2025 14:00"],
            # handed off, waiting for acceptance: the SLA clock runs from the handoff
            ["Dario", "Rossi", "dario@x.it", "Delta", None, None, "09/02/2026 09:00", None, None, None,
             "Gino Sconosciuto", None],
            # nothing: new
            ["Elena", "Gialli", "elena@x.it", "Epsilon"] + [None] * 8,
        ],
    )  # fmt: skip
    result = services.imports.import_file(path, ImportSettings(prepare=_rome()))
    assert (result.created, result.rejected) == (5, 0)
    assert [(e.row, e.column) for e in result.errors] == [(5, "Commerciale")]
    with services.db.reading() as s:
        leads = {lead.first_name: lead for lead in s.scalars(select(Lead))}
        by_lead: dict[int, list[LeadEvent]] = {}
        for event in s.scalars(select(LeadEvent).order_by(LeadEvent.id)):
            by_lead.setdefault(event.lead_id, []).append(event)
        s.expunge_all()
    stages = {name: lead.stage for name, lead in leads.items()}
    assert stages == {
        "Anna": "accepted",
        "Bruno": "contacted",
        "Carla": "lost",
        "Dario": "handed_off",
        "Elena": "new",
    }
    anna = leads["Anna"]
    assert [e.kind for e in by_lead[anna.id]] == ["imported", "qualified", "handed_off", "accepted"]
    assert anna.mql_at == dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Rome
    assert anna.sales_owner_id == marco.id
    # Every stamp equals the time of the newest event of its kind.
    for lead in leads.values():
        for column, kind in (
            ("mql_at", "qualified"),
            ("handed_off_at", "handed_off"),
            ("accepted_at", "accepted"),
            ("first_contact_at", "contacted"),
            ("closed_at", "lost"),
        ):
            times = [e.at for e in by_lead[lead.id] if e.kind == kind]
            assert getattr(lead, column) == (max(times) if times else None), (lead.first_name, column)
        assert lead.created_at <= min(e.at for e in by_lead[lead.id])
    carla = leads["Carla"]
    assert (carla.close_reason, carla.closed_at) == ("price", dt.datetime(2025, 4, 1, 12, 0, tzinfo=UTC))
    assert by_lead[carla.id][-1].reason == "price"
    # SLA due times exist for every lead that reached sales, computed by the SLA service.
    for name in ("Anna", "Bruno", "Carla", "Dario"):
        assert leads[name].accept_due_at is not None and leads[name].contact_due_at is not None, name
    assert leads["Elena"].accept_due_at is None
    dario = leads["Dario"]
    assert dario.sales_owner_id is None
    assert dario.accept_due_at > dario.handed_off_at  # type: ignore[operator]
    queue = services.sla.queue(None)
    assert [q.lead.first_name for q in queue] == ["Anna", "Dario"]  # accepted, and waiting for acceptance
    handoff = next(e for e in by_lead[dario.id] if e.kind == "handed_off")
    assert handoff.details["score"] == dario.score


def test_history_of_a_duplicate_is_not_replayed(services: Services, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [HEADERS, ["Anna", "Verdi", "anna@x.it", "Acme"] + [None] * 8],
    )
    services.imports.import_file(path)
    again = write_xlsx(
        tmp_path / "b.xlsx",
        [HEADERS, ["Anna", "Verdi", "anna@x.it", "Acme", "Vinto", None, "04/03/2025 11:00"] + [None] * 5],
    )
    result = services.imports.import_file(again)
    assert result.duplicates == 1
    assert "its history (Fase, Data consegna a sales) was not applied" in result.errors[0].message
    with services.db.reading() as s:
        assert s.scalar(select(Lead.stage)) == "new"


def _rome() -> Any:
    from leaddesk.services.importing import PrepareOptions

    return PrepareOptions(time_zone="Europe/Rome")
