"""Lifecycle moves on a real database (SQLite and PostgreSQL): events and stamps always agree."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, EventKind, Outcome, Role, Stage
from leaddesk.domain.errors import ConflictError, TransitionError, ValidationError
from leaddesk.domain.lifecycle import STAMPED_COLUMNS
from leaddesk.domain.records import LeadDraft
from leaddesk.models import Lead, LeadEvent
from leaddesk.models.database import Database
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.services.lifecycle_service import LifecycleService
from leaddesk.services.team_service import TeamService


@pytest.fixture
def team(db: Database, clock: FixedClock) -> dict[str, int]:
    svc = TeamService(db, clock)
    return {
        "giulia": svc.add_member("Giulia Marketing", Role.MARKETING).id,
        "marco": svc.add_member("Marco Vendite", Role.SALES).id,
        "sara": svc.add_member("Sara Vendite", Role.SALES).id,
        "luca": svc.add_member("Luca Vendite", Role.SALES).id,
        "boss": svc.add_member("Anna Direzione", Role.MANAGER).id,
    }


@pytest.fixture
def life(db: Database, clock: FixedClock) -> LifecycleService:
    return LifecycleService(db, clock)


def _new_lead(life: LifecycleService, **kw: object) -> int:
    draft = LeadDraft(first_name="Mario", last_name="Rossi", email="mario@example.it", company="ACME", **kw)  # type: ignore[arg-type]
    return life.create_lead(draft)


def _stamps_match_events(db: Database, lead_id: int) -> None:
    """Every stamped column equals the time of the newest event of its kind in the current pass."""
    kinds = {
        "mql_at": EventKind.QUALIFIED,
        "handed_off_at": EventKind.HANDED_OFF,
        "accepted_at": EventKind.ACCEPTED,
        "rejected_at": EventKind.REJECTED,
        "first_contact_at": EventKind.CONTACTED,
    }
    with db.reading() as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None
        recycled = s.scalar(
            select(func.max(LeadEvent.at)).where(
                LeadEvent.lead_id == lead_id, LeadEvent.kind == EventKind.RECYCLED.value
            )
        )
        for column, kind in kinds.items():
            conds = [LeadEvent.lead_id == lead_id, LeadEvent.kind == kind.value]
            if recycled is not None:
                conds.append(LeadEvent.at >= recycled)
            newest = s.scalar(select(func.max(LeadEvent.at)).where(*conds))
            assert getattr(lead, column) == newest, column


def test_full_funnel_to_won(
    db: Database, life: LifecycleService, clock: FixedClock, team: dict[str, int]
) -> None:
    lead_id = _new_lead(life)
    life.qualify([lead_id], actor_id=team["giulia"])
    clock.advance(minutes=10)
    assigned = life.handoff(
        [lead_id], owner_id=team["marco"], note="Hot: asked for a demo", actor_id=team["giulia"]
    )
    assert assigned == {lead_id: team["marco"]}
    clock.advance(minutes=20)
    life.accept([lead_id], actor_id=team["marco"])
    clock.advance(minutes=5)
    life.log_activity(lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED, actor_id=team["marco"])
    life.to_opportunity(lead_id, expected_value=Decimal("12000"), expected_close_on=date(2026, 3, 31))
    clock.advance(days=3)
    life.win(lead_id, actor_id=team["marco"])

    detail = LeadQueryService(db).detail(lead_id)
    assert detail.stage == Stage.WON
    assert detail.sales_owner_name == "Marco Vendite"
    assert detail.handoff_note == "Hot: asked for a demo"
    assert detail.expected_value == Decimal("12000.00")
    assert detail.stamps["closed_at"] == clock.now
    assert all(detail.stamps[c] is not None for c in STAMPED_COLUMNS if c != "rejected_at")
    kinds = [e.kind for e in LeadQueryService(db).events(lead_id)]
    assert kinds == [
        EventKind.CREATED,
        EventKind.QUALIFIED,
        EventKind.HANDED_OFF,
        EventKind.ACCEPTED,
        EventKind.CONTACTED,
        EventKind.ACTIVITY,
        EventKind.OPPORTUNITY,
        EventKind.WON,
    ]
    _stamps_match_events(db, lead_id)


def test_illegal_move_changes_nothing(db: Database, life: LifecycleService) -> None:
    lead_id = _new_lead(life)
    with pytest.raises(TransitionError):
        life.accept([lead_id])
    events = LeadQueryService(db).events(lead_id)
    assert [e.kind for e in events] == [EventKind.CREATED]
    assert LeadQueryService(db).detail(lead_id).stage == Stage.NEW


def test_bulk_move_is_all_or_nothing(db: Database, life: LifecycleService) -> None:
    good = _new_lead(life)
    bad = _new_lead(life)
    life.qualify([bad])
    with pytest.raises(TransitionError):
        life.qualify([good, bad])  # `bad` is already an MQL
    assert LeadQueryService(db).detail(good).stage == Stage.NEW


def test_reject_needs_reason_then_recycle_starts_a_new_pass(
    db: Database, life: LifecycleService, clock: FixedClock, team: dict[str, int]
) -> None:
    lead_id = _new_lead(life)
    life.handoff([lead_id], owner_id=team["sara"])
    with pytest.raises(TransitionError, match="reason"):
        life.reject(lead_id, reason="")
    clock.advance(hours=1)
    life.reject(lead_id, reason="not_in_target", note="Student, no budget", actor_id=team["sara"])
    detail = LeadQueryService(db).detail(lead_id)
    assert detail.stage == Stage.REJECTED
    assert detail.reject_reason == "not_in_target"
    _stamps_match_events(db, lead_id)

    clock.advance(days=1)
    life.recycle([lead_id], note="Back to nurture")
    detail = LeadQueryService(db).detail(lead_id)
    assert detail.stage == Stage.NEW
    assert all(v is None for v in detail.stamps.values())
    assert detail.sales_owner_id is None
    _stamps_match_events(db, lead_id)


def test_handoff_of_a_new_lead_qualifies_it_first(
    db: Database, life: LifecycleService, team: dict[str, int]
) -> None:
    lead_id = _new_lead(life)
    life.handoff([lead_id], owner_id=team["marco"])
    kinds = [e.kind for e in LeadQueryService(db).events(lead_id)]
    assert kinds == [EventKind.CREATED, EventKind.QUALIFIED, EventKind.HANDED_OFF]


def test_round_robin_skips_absent_and_inactive_members(
    db: Database, life: LifecycleService, clock: FixedClock, team: dict[str, int]
) -> None:
    today = clock.now.date()
    TeamService(db, clock).add_absence(
        team["sara"], today - timedelta(days=1), today + timedelta(days=2), "Holiday"
    )
    TeamService(db, clock).update_member(team["luca"], active=False)
    leads = [_new_lead(life) for _ in range(3)]
    assigned = life.handoff(leads)
    assert set(assigned.values()) == {team["marco"]}

    TeamService(db, clock).update_member(team["luca"], active=True)
    more = [_new_lead(life) for _ in range(4)]
    assigned = life.handoff(more)
    # Alternates between the two present members, continuing after the last one used.
    assert [assigned[i] for i in more] == [team["luca"], team["marco"], team["luca"], team["marco"]]


def test_round_robin_with_nobody_present_is_a_clear_error(db: Database, life: LifecycleService) -> None:
    lead_id = _new_lead(life)
    with pytest.raises(ValidationError, match="No sales member"):
        life.handoff([lead_id])
    assert LeadQueryService(db).detail(lead_id).stage == Stage.NEW


def test_a_call_back_request_accepts_and_pauses_without_contacting(
    db: Database, life: LifecycleService, clock: FixedClock, team: dict[str, int]
) -> None:
    lead_id = _new_lead(life)
    life.handoff([lead_id], owner_id=team["marco"])
    clock.advance(minutes=30)
    callback = clock.now + timedelta(days=2)
    life.log_activity(
        lead_id,
        kind=ActivityKind.CALL,
        outcome=Outcome.CALL_BACK,
        callback_at=callback,
        actor_id=team["marco"],
        next_step_on=callback.date(),
    )
    q = LeadQueryService(db)
    detail = q.detail(lead_id)
    assert detail.stage == Stage.ACCEPTED
    assert detail.stamps["accepted_at"] == clock.now
    assert detail.stamps["first_contact_at"] is None
    assert detail.paused_until == callback
    assert [a.outcome for a in q.activities(lead_id)] == [Outcome.CALL_BACK]
    kinds = [e.kind for e in q.events(lead_id)]
    assert kinds[-3:] == [EventKind.ACCEPTED, EventKind.ACTIVITY, EventKind.PAUSED]
    _stamps_match_events(db, lead_id)

    # Attempts do not stop the clock; reaching the lead does, and ends the pause.
    clock.advance(days=2, minutes=5)
    life.log_activity(lead_id, kind=ActivityKind.CALL, outcome=Outcome.NO_ANSWER, actor_id=team["marco"])
    assert q.detail(lead_id).stage == Stage.ACCEPTED
    clock.advance(hours=1)
    life.log_activity(lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED, actor_id=team["marco"])
    detail = q.detail(lead_id)
    assert detail.stage == Stage.CONTACTED
    assert detail.stamps["first_contact_at"] == clock.now
    assert detail.paused_until is None
    _stamps_match_events(db, lead_id)


def test_call_back_without_a_date_is_refused(life: LifecycleService, team: dict[str, int]) -> None:
    lead_id = _new_lead(life)
    life.handoff([lead_id], owner_id=team["marco"])
    with pytest.raises(ValidationError, match="called back"):
        life.log_activity(lead_id, kind=ActivityKind.CALL, outcome=Outcome.CALL_BACK)


def test_lose_requires_reason_and_stamps_closed(
    db: Database, life: LifecycleService, team: dict[str, int]
) -> None:
    lead_id = _new_lead(life)
    life.handoff([lead_id], owner_id=team["marco"])
    life.accept([lead_id])
    with pytest.raises(TransitionError):
        life.lose(lead_id, reason=" ")
    life.lose(lead_id, reason="price")
    detail = LeadQueryService(db).detail(lead_id)
    assert detail.stage == Stage.LOST and detail.lost_reason == "price"
    assert detail.stamps["closed_at"] is not None


def test_concurrent_edit_is_a_conflict_with_who_and_when(
    db: Database, life: LifecycleService, clock: FixedClock, team: dict[str, int]
) -> None:
    lead_id = _new_lead(life)
    version = LeadQueryService(db).detail(lead_id).version
    clock.advance(minutes=3)
    life.update_lead(lead_id, {"job_title": "CTO"}, expected_version=version, actor_id=team["giulia"])
    with pytest.raises(ConflictError) as caught:
        life.update_lead(lead_id, {"job_title": "CEO"}, expected_version=version, actor_id=team["marco"])
    assert caught.value.changed_by == "Giulia Marketing"
    assert caught.value.changed_at == clock.now
    assert "Giulia Marketing" in str(caught.value)
    assert LeadQueryService(db).detail(lead_id).profile.job_title == "CTO"
    # Overwrite on purpose
    life.update_lead(
        lead_id, {"job_title": "CEO"}, expected_version=version, actor_id=team["marco"], force=True
    )
    assert LeadQueryService(db).detail(lead_id).profile.job_title == "CEO"
    edits = [e for e in LeadQueryService(db).events(lead_id) if e.kind == EventKind.EDITED]
    assert edits[0].details["changes"] == {"job_title": [None, "CTO"]}
    assert edits[1].details["forced"] is True


def test_lead_needs_email_phone_or_name_with_company(life: LifecycleService) -> None:
    with pytest.raises(ValidationError, match="needs an email, a phone, or a name"):
        life.create_lead(LeadDraft(first_name="Solo"))
    assert life.create_lead(LeadDraft(phone="+390212345678")) > 0


def test_trash_and_restore(db: Database, life: LifecycleService) -> None:
    from leaddesk.domain.queries import LeadFilter

    lead_id = _new_lead(life)
    q = LeadQueryService(db)
    life.delete_leads([lead_id])
    assert q.count(LeadFilter()) == 0
    assert q.count(LeadFilter(deleted=True)) == 1
    life.restore_leads([lead_id])
    assert q.count(LeadFilter()) == 1
    assert [e.kind for e in q.events(lead_id)][-2:] == [EventKind.DELETED, EventKind.RESTORED]
