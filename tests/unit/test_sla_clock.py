"""SLA clock states at their exact boundaries, pauses, and due times across weekends and holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.sla.clock import ClockKind, ClockState, Pause, clock_at, due_times, elapsed_seconds

ROME = ZoneInfo("Europe/Rome")
CAL = BusinessCalendar.default("Europe/Rome")
H = 3600.0


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)  # type: ignore[misc]


def test_due_skips_lunch_and_the_night() -> None:
    due = due_times(CAL, rome(2026, 2, 10, 12, 30), 4 * H, 0.75)
    # 12:30-13:00 (0.5 h), 14:00-17:30 (3.5 h)
    assert due.due == rome(2026, 2, 10, 17, 30)
    # 75 % of 4 h = 3 h: 0.5 h + 2.5 h → 16:30
    assert due.at_risk == rome(2026, 2, 10, 16, 30)


def test_due_skips_weekend_and_italian_holiday() -> None:
    # Friday 2025-12-05 17:00 + 8 h: 1 h Friday; Monday 8th is the Immacolata holiday; Tuesday 9-13,14-17
    due = due_times(CAL, rome(2025, 12, 5, 17, 0), 8 * H, 0.75)
    assert due.due == rome(2025, 12, 9, 17, 0)


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (rome(2026, 2, 10, 16, 29), ClockState.ON_TRACK),
        (rome(2026, 2, 10, 16, 30), ClockState.AT_RISK),  # at risk from the at-risk instant, inclusive
        (rome(2026, 2, 10, 17, 29, 59), ClockState.AT_RISK),
        (rome(2026, 2, 10, 17, 30), ClockState.BREACHED),  # breached from the due instant, inclusive
        (rome(2026, 2, 11, 9, 30), ClockState.BREACHED),
    ],
)
def test_running_clock_states_at_the_boundaries(now: datetime, state: ClockState) -> None:
    due = due_times(CAL, rome(2026, 2, 10, 12, 30), 4 * H, 0.75)
    clock = clock_at(CAL, ClockKind.ACCEPT, due, 4 * H, None, now)
    assert clock.state == state


def test_seconds_left_and_overdue_are_business_time() -> None:
    due = due_times(CAL, rome(2026, 2, 10, 12, 30), 4 * H, 0.75)
    assert (
        clock_at(CAL, ClockKind.ACCEPT, due, 4 * H, None, rome(2026, 2, 10, 12, 45)).seconds_left == 3.75 * H
    )
    # Next morning 09:30 is 0.5 h (17:30-18:00) + 0.5 h overdue
    assert clock_at(CAL, ClockKind.ACCEPT, due, 4 * H, None, rome(2026, 2, 11, 9, 30)).seconds_left == -1 * H


@pytest.mark.parametrize(
    ("stopped", "state"),
    [
        (rome(2026, 2, 10, 17, 30), ClockState.MET),  # exactly at the due instant is in time
        (rome(2026, 2, 10, 17, 31), ClockState.MET_LATE),
    ],
)
def test_stopped_clock_is_met_or_late(stopped: datetime, state: ClockState) -> None:
    due = due_times(CAL, rome(2026, 2, 10, 12, 30), 4 * H, 0.75)
    assert clock_at(CAL, ClockKind.CONTACT, due, 4 * H, stopped, rome(2026, 3, 1, 10)).state == state


def test_pause_moves_the_due_time_by_the_paused_business_time() -> None:
    start = rome(2026, 2, 10, 9, 0)
    # Called at 10:00 (1 h used); the lead asked to be called back Thursday 9:00.
    pause = Pause(rome(2026, 2, 10, 10, 0), rome(2026, 2, 12, 9, 0))
    due = due_times(CAL, start, 4 * H, 0.75, [pause])
    assert due.due == rome(2026, 2, 12, 12, 0)  # 3 h left from Thursday 09:00
    assert due.at_risk == rome(2026, 2, 12, 11, 0)
    during = clock_at(
        CAL, ClockKind.CONTACT, due, 4 * H, None, rome(2026, 2, 11, 15, 0), rome(2026, 2, 12, 9, 0)
    )
    assert during.state == ClockState.PAUSED
    assert during.seconds_left == 3 * H
    after = clock_at(
        CAL, ClockKind.CONTACT, due, 4 * H, None, rome(2026, 2, 12, 11, 30), rome(2026, 2, 12, 9, 0)
    )
    assert after.state == ClockState.AT_RISK
    assert elapsed_seconds(CAL, start, rome(2026, 2, 12, 10, 0), [pause]) == 2 * H


def test_pause_after_the_due_time_changes_nothing() -> None:
    start = rome(2026, 2, 10, 9, 0)
    late_pause = Pause(rome(2026, 2, 10, 15, 0), rome(2026, 2, 11, 9, 0))
    assert due_times(CAL, start, 2 * H, 0.75, [late_pause]).due == rome(2026, 2, 10, 11, 0)


def test_due_across_the_autumn_dst_change() -> None:
    # A calendar open around the clock on Sunday 2025-10-26 in Rome, when 03:00 CEST becomes 02:00 CET.
    cal = BusinessCalendar.from_dict({"tz": "Europe/Rome", "hours": "sun 00:00-24:00", "country": None})
    start = rome(2025, 10, 26, 1, 0)
    due = due_times(cal, start, 3 * H, 0.5)
    assert due.due - start == timedelta(hours=3)  # real elapsed time, not wall-clock time
    assert due.due == rome(2025, 10, 26, 3, 0)  # 03:00 CET, one wall-clock hour was lived twice
