"""SLA clocks: due times from a handoff, and the state of a clock at a given instant.

Pure functions over timestamps and a business calendar: the state is always derived, never stored, so
it is current whenever it is shown. The service caches the due times (`leads.*_due_at`) in the same
transaction as the events they come from, so the database can sort and count by them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from leaddesk.services.calendar import BusinessCalendar


class ClockKind(StrEnum):
    ACCEPT = "accept"
    CONTACT = "contact"


class ClockState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"
    PAUSED = "paused"

    @property
    def is_open(self) -> bool:
        return self in (ClockState.ON_TRACK, ClockState.AT_RISK, ClockState.BREACHED, ClockState.PAUSED)


@dataclass(frozen=True, slots=True)
class Pause:
    """The contact clock stands still from `start` until `until` (a "call me back on…" request)."""

    start: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class DueTimes:
    due: datetime
    at_risk: datetime


@dataclass(frozen=True, slots=True)
class Clock:
    kind: ClockKind
    state: ClockState
    due: datetime
    at_risk: datetime
    #: Business seconds left until due (negative: overdue by that much). For a stopped clock, the margin
    #: it was met with (negative: how late).
    seconds_left: float
    allowed_seconds: float


def due_times(
    calendar: BusinessCalendar,
    start: datetime,
    allowed_seconds: float,
    at_risk_share: float,
    pauses: Sequence[Pause] = (),
) -> DueTimes:
    """When a clock that starts at `start` with `allowed_seconds` of business time is due and at risk,
    with the time inside pauses not counted."""
    return DueTimes(
        due=_add_with_pauses(calendar, start, allowed_seconds, pauses),
        at_risk=_add_with_pauses(calendar, start, allowed_seconds * at_risk_share, pauses),
    )


def _add_with_pauses(
    calendar: BusinessCalendar, start: datetime, seconds: float, pauses: Sequence[Pause]
) -> datetime:
    if not pauses:  # most clocks (a million-lead recompute calls this four times per lead)
        return calendar.add_business_seconds(start, seconds)
    cursor, remaining = start, seconds
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.until <= cursor:
            continue
        candidate = calendar.add_business_seconds(cursor, remaining)
        if candidate <= pause.start:
            return candidate
        remaining -= calendar.business_seconds_between(cursor, max(pause.start, cursor))
        cursor = max(pause.until, cursor)
    return calendar.add_business_seconds(cursor, remaining)


def elapsed_seconds(
    calendar: BusinessCalendar, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> float:
    """Business seconds from `start` to `end`, without the time inside pauses."""
    total = calendar.business_seconds_between(start, end)
    for pause in pauses:
        lo, hi = max(pause.start, start), min(pause.until, end)
        if hi > lo:
            total -= calendar.business_seconds_between(lo, hi)
    return max(total, 0.0)


def clock_at(
    calendar: BusinessCalendar,
    kind: ClockKind,
    due: DueTimes,
    allowed_seconds: float,
    stopped_at: datetime | None,
    now: datetime,
    paused_until: datetime | None = None,
) -> Clock:
    """The state of one clock at `now`: met or met late once stopped, else paused, breached, at risk or
    on track (at risk from the at-risk instant, breached from the due instant, both inclusive)."""
    if stopped_at is not None:
        if stopped_at <= due.due:
            state = ClockState.MET
            left = calendar.business_seconds_between(stopped_at, due.due)
        else:
            state = ClockState.MET_LATE
            left = -calendar.business_seconds_between(due.due, stopped_at)
        return Clock(kind, state, due.due, due.at_risk, left, allowed_seconds)
    if now >= due.due:
        state = ClockState.BREACHED
        left = -calendar.business_seconds_between(due.due, now)
    elif paused_until is not None and paused_until > now:
        state = ClockState.PAUSED
        left = calendar.business_seconds_between(paused_until, due.due)
    else:
        left = calendar.business_seconds_between(now, due.due)
        state = ClockState.AT_RISK if now >= due.at_risk else ClockState.ON_TRACK
    return Clock(kind, state, due.due, due.at_risk, left, allowed_seconds)
