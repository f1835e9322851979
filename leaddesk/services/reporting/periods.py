"""Report periods: the presets a person picks (this week, last month, this quarter…) and the buckets of a
trend chart. Pure date arithmetic; weeks start on Monday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from leaddesk.domain.errors import ValidationError

#: Periods up to this many days get daily trend buckets, longer ones weekly buckets.
DAILY_UP_TO_DAYS = 14


class PeriodKind(StrEnum):
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "this_quarter"
    LAST_QUARTER = "last_quarter"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError("The period ends before it starts.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset_period(kind: PeriodKind, today: date) -> Period:
    """The dates of a preset, relative to `today` (whole weeks, months or quarters; "this" ones include the
    days still to come, so figures for them grow during the period)."""
    if kind == PeriodKind.THIS_WEEK:
        start = today - timedelta(days=today.weekday())
        return Period(start, start + timedelta(days=6))
    if kind == PeriodKind.LAST_WEEK:
        start = today - timedelta(days=today.weekday() + 7)
        return Period(start, start + timedelta(days=6))
    if kind == PeriodKind.THIS_MONTH:
        return Period(_month_start(today), _month_end(today))
    if kind == PeriodKind.LAST_MONTH:
        last = _month_start(today) - timedelta(days=1)
        return Period(_month_start(last), last)
    if kind == PeriodKind.THIS_QUARTER:
        start = _quarter_start(today)
        return Period(start, _month_end(date(start.year, start.month + 2, 1)))
    if kind == PeriodKind.LAST_QUARTER:
        end = _quarter_start(today) - timedelta(days=1)
        return Period(_quarter_start(end), end)
    raise ValidationError("A custom period needs its own dates.")


def trend_buckets(start: date, end: date) -> tuple[bool, list[Period]]:
    """The buckets of the SLA trend: (daily?, buckets). Days for short periods, else Monday–Sunday weeks
    clipped to the period, so the buckets cover the period exactly once."""
    if end < start:
        raise ValidationError("The period ends before it starts.")
    if (end - start).days + 1 <= DAILY_UP_TO_DAYS:
        return True, [
            Period(start + timedelta(days=i), start + timedelta(days=i))
            for i in range((end - start).days + 1)
        ]
    buckets: list[Period] = []
    day = start
    while day <= end:
        week_end = min(end, day + timedelta(days=6 - day.weekday()))
        buckets.append(Period(day, week_end))
        day = week_end + timedelta(days=1)
    return False, buckets
