"""The pipeline service on SQLite and PostgreSQL: the board's counts, values and first cards per column,
keyset paging that never skips or repeats a card, today's follow-ups, and the pipeline table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, Outcome, Role, Stage
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.pipeline_service import PipelineQuery, PipelineSort
from leaddesk.services.sla.policy import SlaPolicy

ROME = ZoneInfo("Europe/Rome")


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def svc(db: Database, clock: FixedClock) -> Services:
    services = build_services(db, clock)
    services.sla.set_policy(
        SlaPolicy(rules=(), calendar=BusinessCalendar.default("Europe/Rome")), effective_from=rome(2026, 1, 1)
    )
    return services


@pytest.fixture
def reps(svc: Services) -> dict[str, int]:
    return {
        "marco": svc.team.add_member("Marco Ferrari", Role.SALES).id,
        "sara": svc.team.add_member("Sara Colombo", Role.SALES).id,
    }


def contacted(
    svc: Services, clock: FixedClock, name: str, owner: int, at: datetime, next_step: date | None = None
) -> int:
    """A lead handed to `owner` and reached at `at` (stage contacted)."""
    clock.set(at)
    lead_id = svc.lifecycle.create_lead(LeadDraft(first_name=name, last_name="Test", company=f"{name} Srl"))
    svc.lifecycle.handoff([lead_id], owner_id=owner)
    svc.lifecycle.log_activity(
        lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED, actor_id=owner, next_step_on=next_step
    )
    return lead_id


def opportunity(
    svc: Services, clock: FixedClock, name: str, owner: int, at: datetime, value: int, close: date | None
) -> int:
    lead_id = contacted(svc, clock, name, owner, at)
    svc.lifecycle.to_opportunity(lead_id, expected_value=Decimal(value), expected_close_on=close)
    return lead_id


def test_board_counts_values_and_first_cards_per_column(
    svc: Services, reps: dict[str, int], clock: FixedClock
) -> None:
    m, s = reps["marco"], reps["sara"]
    c1 = contacted(svc, clock, "Uno", m, rome(2026, 2, 2, 10), next_step=date(2026, 2, 20))
    c2 = contacted(svc, clock, "Due", m, rome(2026, 2, 2, 11))
    c3 = contacted(svc, clock, "Tre", s, rome(2026, 2, 2, 12), next_step=date(2026, 2, 12))
    o1 = opportunity(svc, clock, "Quattro", m, rome(2026, 2, 3, 10), 12000, date(2026, 3, 31))
    o2 = opportunity(svc, clock, "Cinque", s, rome(2026, 2, 3, 11), 5000, None)
    o3 = opportunity(svc, clock, "Sei", m, rome(2026, 2, 3, 12), 8000, date(2026, 3, 1))
    won_old = opportunity(svc, clock, "Vecchio", m, rome(2025, 12, 1, 10), 1000, None)
    svc.lifecycle.win(won_old)  # closed on 2025-12-01: out of the 30-day window
    won = opportunity(svc, clock, "Vinto", m, rome(2026, 2, 4, 10), 20000, None)
    clock.set(rome(2026, 2, 5, 10))
    svc.lifecycle.win(won, value=Decimal(21000))
    lost = contacted(svc, clock, "Perso", s, rome(2026, 2, 5, 11))
    svc.lifecycle.lose(lost, reason="price")
    clock.set(rome(2026, 2, 10, 9))

    board = svc.pipeline.board(None, per_column=2)
    assert [(c.stage, c.count) for c in board.columns] == [
        (Stage.CONTACTED, 3),
        (Stage.OPPORTUNITY, 3),
        (Stage.WON, 1),
        (Stage.LOST, 1),
    ]
    assert board.column(Stage.OPPORTUNITY).value == Decimal(25000)
    assert board.column(Stage.WON).value == Decimal(21000)
    # Contacted: next step soonest first, undated last; opportunities: close soonest first, undated last.
    assert [c.id for c in board.column(Stage.CONTACTED).page.cards] == [c3, c1]
    opp = board.column(Stage.OPPORTUNITY).page
    assert [c.id for c in opp.cards] == [o3, o1] and opp.next is not None
    rest = svc.pipeline.cards(Stage.OPPORTUNITY, None, after=opp.next, limit=2)
    assert [c.id for c in rest.cards] == [o2] and rest.next is None
    assert [c.id for c in svc.pipeline.cards(Stage.CONTACTED, None, limit=5).cards] == [c3, c1, c2]
    assert [c.id for c in board.column(Stage.WON).page.cards] == [won]
    assert board.column(Stage.LOST).page.cards[0].close_reason == "price"
    # A rep's board holds their leads only; a longer window brings back the old win.
    mine = svc.pipeline.board(m, per_column=10)
    assert [(c.stage, c.count) for c in mine.columns] == [
        (Stage.CONTACTED, 2),
        (Stage.OPPORTUNITY, 2),
        (Stage.WON, 1),
        (Stage.LOST, 0),
    ]
    longer = svc.pipeline.board(m, closed_since=rome(2025, 11, 1))
    assert {c.id for c in longer.column(Stage.WON).page.cards} == {won, won_old}


def test_keyset_pages_cover_a_column_exactly_once(
    svc: Services, reps: dict[str, int], clock: FixedClock
) -> None:
    m = reps["marco"]
    ids = [
        opportunity(
            svc,
            clock,
            f"Opp{i:02d}",
            m,
            rome(2026, 2, 2, 9) + timedelta(minutes=i),
            1000 * i,
            None if i % 4 == 0 else date(2026, 3, 1 + i % 3),  # many equal close dates, some undated
        )
        for i in range(14)
    ]
    clock.set(rome(2026, 2, 10, 9))
    seen: list[int] = []
    page = svc.pipeline.cards(Stage.OPPORTUNITY, None, limit=3)
    while True:
        seen.extend(c.id for c in page.cards)
        if page.next is None:
            break
        page = svc.pipeline.cards(Stage.OPPORTUNITY, None, after=page.next, limit=3)
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    every = svc.pipeline.cards(Stage.OPPORTUNITY, None, limit=100).cards
    assert seen == [c.id for c in every]
    keys = [(c.expected_close_on or date.max, c.id) for c in every]
    assert keys == sorted(keys)


def test_follow_ups_due_today_come_first_then_the_overdue_ones(
    svc: Services, reps: dict[str, int], clock: FixedClock
) -> None:
    m, s = reps["marco"], reps["sara"]
    today = date(2026, 2, 10)
    plain = contacted(svc, clock, "Oggi", m, rome(2026, 2, 2, 10), next_step=today)
    late1 = contacted(svc, clock, "Ieri", m, rome(2026, 2, 2, 11), next_step=today - timedelta(days=1))
    late3 = contacted(svc, clock, "Tre", m, rome(2026, 2, 2, 12), next_step=today - timedelta(days=3))
    contacted(svc, clock, "Domani", m, rome(2026, 2, 2, 13), next_step=today + timedelta(days=1))
    other = contacted(svc, clock, "Altro", s, rome(2026, 2, 2, 14), next_step=today)
    closed = contacted(svc, clock, "Chiuso", m, rome(2026, 2, 2, 15), next_step=today)
    svc.lifecycle.lose(closed, reason="no_need")
    calls = []
    for name, hour in (("Pomeriggio", 15), ("Mattina", 10)):
        clock.set(rome(2026, 2, 9, 9))
        lead_id = svc.lifecycle.create_lead(LeadDraft(first_name=name, last_name="Test", company="Call Srl"))
        svc.lifecycle.handoff([lead_id], owner_id=m)
        svc.lifecycle.log_activity(
            lead_id,
            kind=ActivityKind.CALL,
            outcome=Outcome.CALL_BACK,
            callback_at=rome(2026, 2, 10, hour),
            next_step_on=today,
            actor_id=m,
        )
        calls.append(lead_id)
    clock.set(rome(2026, 2, 10, 8))

    found = svc.pipeline.follow_ups(m, today, zone=ROME)
    assert [f.card.id for f in found] == [calls[1], calls[0], plain, late1, late3]
    assert [f.overdue for f in found] == [False, False, False, True, True]
    assert found[0].callback_at == rome(2026, 2, 10, 10) and found[2].callback_at is None
    assert svc.pipeline.follow_up_count(m, today) == 5
    assert {f.card.id for f in svc.pipeline.follow_ups(None, today, zone=ROME)} >= {other, plain}


def test_pipeline_table_filters_sorts_and_counts(
    svc: Services, reps: dict[str, int], clock: FixedClock
) -> None:
    m, s = reps["marco"], reps["sara"]
    a = opportunity(svc, clock, "Alfa", m, rome(2026, 2, 3, 10), 3000, date(2026, 3, 5))
    b = opportunity(svc, clock, "Beta", m, rome(2026, 2, 3, 11), 9000, date(2026, 4, 5))
    c = contacted(svc, clock, "Gamma", m, rome(2026, 2, 3, 12))
    opportunity(svc, clock, "Delta", s, rome(2026, 2, 3, 13), 50000, date(2026, 3, 1))
    clock.set(rome(2026, 2, 10, 9))

    by_value = PipelineQuery(owner_id=m, sort=PipelineSort.VALUE, descending=True)
    assert [r.id for r in svc.pipeline.table_page(by_value)] == [b, a, c]  # no value: last
    assert svc.pipeline.table_count(by_value) == 3
    assert [r.id for r in svc.pipeline.table_page(PipelineQuery(owner_id=m))] == [a, b, c]  # close date
    only_opps = PipelineQuery(owner_id=m, stages=frozenset({Stage.OPPORTUNITY}))
    assert svc.pipeline.table_count(only_opps) == 2
    assert [r.id for r in svc.pipeline.table_page(PipelineQuery(text="beta"))] == [b]
    assert [r.id for r in svc.pipeline.table_page(by_value, offset=1, limit=1)] == [a]
