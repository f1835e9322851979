"""Property tests of the business calendar against an independent minute-by-minute reference.

The reference walks UTC minutes, converts each to the calendar's zone with `zoneinfo` and checks the local
weekday, the public holidays (straight from the ``holidays`` package), the closures and the opening intervals.
It shares no code with the module under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaddesk.services.calendar import (
    BusinessCalendar,
    CalendarError,
    Closure,
    OpeningInterval,
    format_hours,
    normalize_hours,
    parse_hours,
)

ZONES = ["Europe/Rome", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
COUNTRIES = [None, "IT", "US"]
FIRST = datetime(2024, 1, 1, tzinfo=UTC)
LAST = datetime(2027, 12, 31, tzinfo=UTC)
MAX_SPAN_MINUTES = 20 * 24 * 60

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- the reference --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    tz: str
    hours: tuple[tuple[tuple[int, int], ...], ...]  # minutes after midnight, Monday first
    country: str | None
    closures: tuple[tuple[date, date], ...]

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            tz=self.tz,
            hours=normalize_hours([[OpeningInterval(a, b) for a, b in day] for day in self.hours]),
            country=self.country,
            closures=tuple(Closure(a, b) for a, b in self.closures),
        )


@lru_cache(maxsize=8)
def reference_holidays(country: str | None) -> frozenset[date]:
    if country is None:
        return frozenset()
    return frozenset(holidays.country_holidays(country, years=range(2022, 2030)))


def reference_closed_day(spec: Spec, day: date) -> bool:
    return day in reference_holidays(spec.country) or any(a <= day <= b for a, b in spec.closures)


def reference_open_minutes(spec: Spec, start: datetime, count: int) -> list[bool]:
    """For each of ``count`` UTC minutes from ``start``: is its local wall-clock reading open?"""
    zone = ZoneInfo(spec.tz)
    closed: dict[date, bool] = {}
    flags: list[bool] = []
    moment, one_minute = start, timedelta(minutes=1)
    for _ in range(count):
        local = moment.astimezone(zone)
        moment += one_minute
        day = local.date()
        if day not in closed:
            closed[day] = reference_closed_day(spec, day)
        minute = local.hour * 60 + local.minute
        flags.append(not closed[day] and any(a <= minute < b for a, b in spec.hours[day.weekday()]))
    return flags


def reference_business_day(spec: Spec, day: date) -> bool:
    return bool(spec.hours[day.weekday()]) and not reference_closed_day(spec, day)


# --- strategies -----------------------------------------------------------------------------------


def _dst_dates() -> dict[str, list[date]]:
    """Per zone, the local dates on which it changes its offset in 2024-2027 (found by brute force)."""
    found: dict[str, list[date]] = {}
    for name in ZONES:
        zone = ZoneInfo(name)
        moment = FIRST
        previous = moment.astimezone(zone).utcoffset()
        dates: list[date] = []
        while moment < LAST:
            moment += timedelta(hours=1)
            offset = moment.astimezone(zone).utcoffset()
            if offset != previous:
                dates.append(moment.astimezone(zone).date())
                previous = offset
        found[name] = dates
    return found


DST_DATES = _dst_dates()

# boundaries near the hours the clocks change (01:00-03:00) and the office hours, plus any minute
time_points = st.one_of(
    st.integers(0, 24 * 60),
    st.sampled_from([0, 60, 90, 100, 120, 135, 150, 165, 180, 240, 540, 780, 840, 1080, 1440]),
)


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    points = sorted(draw(st.lists(time_points, unique=True, max_size=6)))
    return tuple((points[i], points[i + 1]) for i in range(0, len(points) - 1, 2))


@st.composite
def specs(draw: st.DrawFn, around: date | None = None, tz: str | None = None) -> Spec:
    # half the time the same hours every day, so that the days the clocks change (Sundays) have them too
    same_every_day = draw(st.booleans())
    week = (draw(day_hours()),) * 7 if same_every_day else tuple(draw(day_hours()) for _ in range(7))
    base = around or date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 4 * 365)))
    closures = tuple(
        (base + timedelta(days=offset), base + timedelta(days=offset + length))
        for offset, length in draw(st.lists(st.tuples(st.integers(-5, 25), st.integers(0, 8)), max_size=3))
    )
    zone = tz or draw(st.sampled_from(ZONES))
    return Spec(zone, week, draw(st.sampled_from(COUNTRIES)), closures)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Spec, datetime, int]:
    """A calendar, a minute-aligned UTC start in 2024-2027 and a span in minutes; half of the time the
    span covers a day on which the calendar's zone changes its offset."""
    zone = draw(st.sampled_from(ZONES))
    span = draw(st.integers(0, MAX_SPAN_MINUTES))
    if DST_DATES[zone] and draw(st.booleans()):
        day = draw(st.sampled_from(DST_DATES[zone]))
        before = draw(st.integers(0, min(span, 10 * 24 * 60)))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(minutes=before)
    else:
        total = int((LAST - FIRST).total_seconds() // 60) - MAX_SPAN_MINUTES
        start = FIRST + timedelta(minutes=draw(st.integers(0, total)))
    return draw(specs(around=start.date(), tz=zone)), start, span


def shown_in(draw: st.DrawFn, moment: datetime) -> datetime:
    """The same instant as the caller might hold it: in some zone, or naive UTC."""
    zone = draw(st.sampled_from([*ZONES, None]))
    return moment.replace(tzinfo=None) if zone is None else moment.astimezone(ZoneInfo(zone))


# --- properties against the reference -------------------------------------------------------------


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_arithmetic_matches_minute_by_minute_reference(
    scenario: tuple[Spec, datetime, int], data: st.DataObject
) -> None:
    spec, start, span = scenario
    cal = spec.calendar()
    flags = reference_open_minutes(spec, start, span)
    prefix = [0, *accumulate(flags)]

    def at(i: int) -> datetime:
        return start + timedelta(minutes=i)

    # elapsed business time, to the minute, for the whole span and random sub-spans
    assert cal.business_seconds_between(shown_in(data.draw, start), shown_in(data.draw, at(span))) == (
        60 * prefix[span]
    )
    for _ in range(4):
        i, j = data.draw(st.integers(0, span)), data.draw(st.integers(0, span))
        expected = 60 * (prefix[j] - prefix[i]) if i <= j else 0
        assert cal.business_seconds_between(at(i), at(j)) == expected

    if span:
        for i in data.draw(st.lists(st.integers(0, span - 1), max_size=8)):
            assert cal.is_open(at(i)) == flags[i]

    if not cal.has_opening_hours:
        with pytest.raises(CalendarError):
            cal.add_business_seconds(start, 60)
        return

    # due times: the earliest instant at which the allowance is used up; zero = next opening
    open_minutes = [i for i, flag in enumerate(flags) if flag]
    for _ in range(4):
        i = data.draw(st.integers(0, span))
        later = [m for m in open_minutes if m >= i]
        zero_due = cal.add_business_seconds(at(i), 0)
        if i < span and flags[i]:
            assert zero_due == at(i)
        elif later:
            assert zero_due == at(later[0])
            assert cal.next_open(at(i)) == at(later[0])
        if not later:
            continue
        n = data.draw(st.integers(1, len(later)))
        seconds = 60 * n - data.draw(st.sampled_from([0, 0, 1, 30, 59]))
        due = cal.add_business_seconds(shown_in(data.draw, at(i)), seconds)
        assert due == at(later[n - 1]) + timedelta(seconds=seconds - 60 * (n - 1))
        assert due.tzinfo is UTC
        assert cal.business_seconds_between(at(i), due) == seconds

    # beyond the brute-forced span the inverse property still holds
    seconds = 60 * (prefix[span] + data.draw(st.integers(1, 600)))
    due = cal.add_business_seconds(start, seconds)
    assert due > at(span)
    assert cal.business_seconds_between(start, due) == seconds


@PROPERTY_SETTINGS
@given(day=st.dates(date(2024, 1, 1), date(2027, 12, 31)), span=st.integers(0, 60), data=st.data())
def test_day_functions_match_reference(day: date, span: int, data: st.DataObject) -> None:
    spec = data.draw(specs(around=day))
    cal = spec.calendar()
    days = [day + timedelta(days=k) for k in range(span + 1)]
    flags = [reference_business_day(spec, d) for d in days]
    for d, flag in zip(days, flags, strict=True):
        assert cal.is_business_day(d) == flag
    assert cal.business_days_between(day, days[-1]) == sum(flags[1:])
    assert cal.business_days_between(days[-1], day) == 0
    if cal.has_opening_hours:
        business_after = [d for d, flag in zip(days[1:], flags[1:], strict=True) if flag]
        for n, expected in enumerate(business_after, start=1):
            assert cal.add_business_days(day, n) == expected
            assert cal.business_days_between(day, expected) == n
        first_business = next((d for d, flag in zip(days, flags, strict=True) if flag), None)
        if first_business is not None:
            assert cal.add_business_days(day, 0) == first_business

    # the per-day table: real open seconds per local date, checked minute by minute on one day
    probe = data.draw(st.sampled_from(days))
    zone = ZoneInfo(spec.tz)
    midnight = datetime(probe.year, probe.month, probe.day, tzinfo=zone).astimezone(UTC) - timedelta(hours=3)
    local_dates = [(midnight + timedelta(minutes=i)).astimezone(zone).date() for i in range(30 * 60)]
    minutes = reference_open_minutes(spec, midnight, 30 * 60)
    expected_seconds = 60 * sum(f for f, d in zip(minutes, local_dates, strict=True) if d == probe)
    assert cal.business_seconds_on(probe) == expected_seconds
    assert cal.business_seconds_in_dates(day, days[-1]) == sum(cal.business_seconds_on(d) for d in days)


# --- algebraic properties over long spans (no reference needed) -----------------------------------


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@PROPERTY_SETTINGS
@given(spec=specs(), a=instants, b=instants, c=instants, weeks=st.floats(0, 100))
def test_long_spans_add_up_and_invert(
    spec: Spec, a: datetime, b: datetime, c: datetime, weeks: float
) -> None:
    cal = spec.calendar()
    a, b, c = sorted((a, b, c))
    whole = cal.business_seconds_between(a, c)
    assert whole == pytest.approx(
        cal.business_seconds_between(a, b) + cal.business_seconds_between(b, c), abs=1e-5
    )
    assert whole <= (c - a).total_seconds() + 1e-6
    if not cal.has_opening_hours:
        assert whole == 0
        return
    # up to 100 weeks of nominal opening time (holidays and closures only take a few weeks off)
    seconds = weeks * 60 * sum(b - a for day in spec.hours for a, b in day)
    due = cal.add_business_seconds(a, seconds)
    assert cal.business_seconds_between(a, due) == pytest.approx(seconds, abs=1e-5)
    if seconds >= 0.01:  # (a due time is rounded to the microsecond)
        # the earliest such instant: just before it, the allowance is not used up and the calendar is open
        just_before = due - timedelta(milliseconds=1)
        assert cal.is_open(just_before)
        assert cal.business_seconds_between(a, just_before) < seconds


# --- notation and storage round trips -------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(spec=specs())
def test_text_and_json_round_trips(spec: Spec) -> None:
    cal = spec.calendar()
    assert parse_hours(format_hours(cal.hours)) == cal.hours
    again = BusinessCalendar.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal
    assert hash(again) == hash(cal)
