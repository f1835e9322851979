"""Meeting reports on real SQLite and PostgreSQL: saved with their notes and action items, reopened, and
the open action items of the last meeting carried over to the next."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Role
from leaddesk.domain.errors import ConflictError, NotFoundError, ValidationError
from leaddesk.models.database import Database
from leaddesk.services.meeting_report_service import ActionItemRow, MeetingReportDetail


@pytest.fixture
def svc(db: Database, clock: FixedClock) -> Services:
    return build_services(db, clock)


def _january(svc: Services, people: dict[str, int]) -> MeetingReportDetail:
    draft = svc.meeting_reports.draft(date(2026, 1, 1), date(2026, 1, 31))
    return svc.meeting_reports.save(
        draft.with_changes(
            agenda="1. SLA\n2. Targets",
            notes="Webinar leads lack phone numbers.",
            action_items=(
                ActionItemRow(
                    "Add the phone field to the form", owner_id=people["giulia"], due_on=date(2026, 2, 6)
                ),
                ActionItemRow("Call back the open breaches", owner_id=people["marco"], done=True),
                ActionItemRow("Review the not-in-target rule"),
            ),
        ),
        actor_id=people["anna"],
    )


@pytest.fixture
def people(svc: Services) -> dict[str, int]:
    return {
        "giulia": svc.team.add_member("Giulia", Role.MARKETING).id,
        "marco": svc.team.add_member("Marco", Role.SALES).id,
        "anna": svc.team.add_member("Anna", Role.MANAGER).id,
    }


def test_a_report_is_saved_and_reopened_with_its_notes(svc: Services, people: dict[str, int]) -> None:
    saved = _january(svc, people)
    assert saved.id is not None and saved.author_name == "Anna"
    again = svc.meeting_reports.get(saved.id)
    assert again == saved
    assert again.title == "Alignment meeting 1 Jan 2026 – 31 Jan 2026"
    assert (again.agenda, again.notes) == ("1. SLA\n2. Targets", "Webinar leads lack phone numbers.")
    assert [(i.text, i.owner_name, i.due_on, i.done) for i in again.action_items] == [
        ("Add the phone field to the form", "Giulia", date(2026, 2, 6), False),
        ("Call back the open breaches", "Marco", None, True),
        ("Review the not-in-target rule", None, None, False),
    ]
    assert not any(i.from_last_meeting for i in again.action_items)
    (summary,) = svc.meeting_reports.list_reports()
    assert (summary.id, summary.open_actions, summary.author_name) == (saved.id, 2, "Anna")


def test_open_action_items_carry_over_from_the_last_meeting(svc: Services, people: dict[str, int]) -> None:
    january = _january(svc, people)
    draft = svc.meeting_reports.draft(date(2026, 2, 1), date(2026, 2, 28))
    assert draft.id is None and draft.previous_id == january.id
    assert [(i.text, i.owner_name, i.from_last_meeting, i.done) for i in draft.action_items] == [
        ("Add the phone field to the form", "Giulia", True, False),
        ("Review the not-in-target rule", None, True, False),
    ]
    february = svc.meeting_reports.save(
        draft.with_changes(action_items=(*draft.action_items, ActionItemRow("New target for Fiera")))
    )
    carried = [i for i in february.action_items if i.from_last_meeting]
    assert [i.carried_from_id for i in carried] == [january.action_items[0].id, january.action_items[2].id]
    assert [i.from_last_meeting for i in february.action_items] == [True, True, False]
    # Reopening January shows it as it was; the list shows the latest meeting first.
    assert svc.meeting_reports.get(january.id or 0).action_items == january.action_items
    assert [r.id for r in svc.meeting_reports.list_reports()] == [february.id, january.id]
    # A report for an earlier period carries nothing.
    assert svc.meeting_reports.draft(date(2025, 12, 1), date(2025, 12, 31)).action_items == ()


def test_saving_again_updates_items_in_place_and_detects_conflicts(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    saved = _january(svc, people)
    first, second, third = saved.action_items
    clock.advance(minutes=5)
    edited = svc.meeting_reports.save(
        saved.with_changes(
            notes="Updated.",
            action_items=(
                second,
                first.__class__(**{**_fields(first), "done": True}),
                ActionItemRow("Another"),
            ),
        )
    )
    assert [i.id for i in edited.action_items[:2]] == [second.id, first.id]  # kept, reordered
    assert edited.action_items[1].done and edited.action_items[2].id not in (first.id, second.id, third.id)
    assert len(edited.action_items) == 3 and edited.notes == "Updated."
    # Someone who opened the January report before this save cannot overwrite it silently.
    with pytest.raises(ConflictError):
        svc.meeting_reports.save(saved.with_changes(notes="Stale copy"))
    assert svc.meeting_reports.get(saved.id or 0).notes == "Updated."


def _fields(item: ActionItemRow) -> dict[str, object]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def test_validation_and_delete(svc: Services, people: dict[str, int]) -> None:
    draft = svc.meeting_reports.draft(date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(ValidationError):
        svc.meeting_reports.save(draft.with_changes(title="   "))
    with pytest.raises(ValidationError):
        svc.meeting_reports.save(draft.with_changes(period_end=draft.period_start - timedelta(days=1)))
    empty_rows_dropped = svc.meeting_reports.save(draft.with_changes(action_items=(ActionItemRow("  "),)))
    assert empty_rows_dropped.action_items == ()
    svc.meeting_reports.delete(empty_rows_dropped.id or 0)
    with pytest.raises(NotFoundError):
        svc.meeting_reports.get(empty_rows_dropped.id or 0)
    assert svc.meeting_reports.list_reports() == []


def test_filters_and_the_stale_threshold_are_saved(svc: Services, people: dict[str, int]) -> None:
    draft = svc.meeting_reports.draft(
        date(2026, 1, 1), date(2026, 1, 31), owner_id=people["marco"], stale_after_days=9
    )
    saved = svc.meeting_reports.save(draft)
    again = svc.meeting_reports.get(saved.id or 0)
    assert (again.owner_id, again.campaign_id, again.stale_after_days) == (people["marco"], None, 9)
