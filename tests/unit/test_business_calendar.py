"""Explicit cases of the business-hours calendar: DST days, Italian holidays, closures, notation, storage."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leaddesk.domain.errors import UserError, ValidationError
from leaddesk.services.calendar import (
    DEFAULT_HOURS,
    BusinessCalendar,
    CalendarError,
    Closure,
    OpeningInterval,
    format_closure,
    format_hours,
    local_zone_name,
    parse_closure,
    parse_hours,
    parse_time,
)
from leaddesk.services.calendar import local_zone as local_zone_module

ROME = ZoneInfo("Europe/Rome")
HOUR = 3600.0


def rome(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=ROME)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    """The default Italian office: Mon-Fri 09:00-13:00, 14:00-18:00, IT holidays, Europe/Rome."""
    return BusinessCalendar.default(tz="Europe/Rome")


@pytest.fixture(scope="module")
def night_owls() -> BusinessCalendar:
    """Open every day 01:00-04:00 in Rome: the hours that the clock changes cross."""
    return BusinessCalendar(tz="Europe/Rome", hours=parse_hours("mon-sun 01:00-04:00"))


# --- the everyday rules ---------------------------------------------------------------------------


def test_default_calendar_is_the_italian_office(office: BusinessCalendar) -> None:
    assert office.tz == "Europe/Rome"
    assert office.country == "IT"
    assert office.hours == DEFAULT_HOURS
    assert office.hours_text == "mon-fri 09:00-13:00,14:00-18:00"
    assert office.has_opening_hours


def test_lunch_break_is_not_business_time(office: BusinessCalendar) -> None:
    handed_off = rome(2025, 11, 12, 12, 30)  # a Wednesday
    assert office.add_business_hours(handed_off, 1) == rome(2025, 11, 12, 14, 30)
    assert office.business_seconds_between(handed_off, rome(2025, 11, 12, 14, 30)) == HOUR
    assert not office.is_open(rome(2025, 11, 12, 13, 30))
    assert office.next_open(rome(2025, 11, 12, 13, 30)) == rome(2025, 11, 12, 14, 0)


def test_friday_evening_is_due_on_monday(office: BusinessCalendar) -> None:
    friday = rome(2025, 11, 14, 17, 30)
    assert office.add_business_hours(friday, 1) == rome(2025, 11, 17, 9, 30)
    assert office.business_seconds_between(friday, rome(2025, 11, 17, 9, 30)) == HOUR
    assert office.business_seconds_between(friday, rome(2025, 11, 17, 9, 0)) == HOUR / 2


def test_due_time_on_a_closing_time_is_that_closing_time(office: BusinessCalendar) -> None:
    # the earliest instant at which the allowance is used up: Friday 18:00, not Monday 09:00
    assert office.add_business_hours(rome(2025, 11, 14, 17, 0), 1) == rome(2025, 11, 14, 18, 0)
    assert not office.is_open(rome(2025, 11, 14, 18, 0))
    assert office.is_open(rome(2025, 11, 14, 9, 0))


def test_results_are_aware_utc_whatever_the_input_zone(office: BusinessCalendar) -> None:
    due = office.add_business_hours(datetime(2025, 11, 14, 11, 30, tzinfo=ZoneInfo("America/New_York")), 1)
    assert due.tzinfo is UTC
    assert due == rome(2025, 11, 17, 9, 30)  # 11:30 in New York is 17:30 in Rome
    naive_utc = datetime(2025, 11, 14, 16, 30)  # naive is taken as UTC, like leaddesk.domain.clock
    assert office.add_business_hours(naive_utc, 1) == rome(2025, 11, 17, 9, 30)


def test_zero_allowance_is_start_when_open_else_next_opening(office: BusinessCalendar) -> None:
    open_instant = rome(2025, 11, 12, 10, 15, 7, 123456)
    due = office.add_business_seconds(open_instant, 0)
    assert due == open_instant and due.tzinfo is UTC
    assert office.add_business_seconds(rome(2025, 11, 12, 13, 0), 0) == rome(2025, 11, 12, 14, 0)
    assert office.add_business_seconds(rome(2025, 11, 15, 11, 0), 0) == rome(2025, 11, 17, 9, 0)  # Saturday
    assert office.add_business_seconds(rome(2025, 11, 14, 18, 0), 0) == rome(2025, 11, 17, 9, 0)


def test_fractional_seconds(office: BusinessCalendar) -> None:
    start = rome(2025, 11, 12, 12, 59, 59, 500000)
    due = office.add_business_seconds(start, 1.25)
    assert due == rome(2025, 11, 12, 14, 0, 0, 750000)
    assert office.business_seconds_between(start, due) == pytest.approx(1.25, abs=1e-6)


def test_end_before_start_is_zero(office: BusinessCalendar) -> None:
    assert office.business_seconds_between(rome(2025, 11, 12, 11), rome(2025, 11, 12, 10)) == 0.0
    assert office.business_seconds_between(rome(2025, 11, 12, 11), rome(2025, 11, 12, 11)) == 0.0


def test_a_month_and_a_year_of_business_time(office: BusinessCalendar) -> None:
    # November 2025: 20 working days, no weekday holiday
    assert office.business_seconds_between(rome(2025, 11, 1), rome(2025, 12, 1)) == 20 * 8 * HOUR
    # 2026: 261 weekdays minus the 7 holidays on weekdays (Jan 1, Jan 6, Apr 6, May 1, Jun 2, Dec 8, Dec 25);
    # Apr 25, Aug 15 and Dec 26 fall on Saturdays, Oct 4 (St Francis, from 2026) and Nov 1 on Sundays
    year = office.business_seconds_between(rome(2026, 1, 1), rome(2027, 1, 1))
    assert year == (261 - 7) * 8 * HOUR
    assert office.business_seconds_in_dates(date(2026, 1, 1), date(2026, 12, 31)) == year
    assert office.business_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 7


def test_bulk_helpers_match_single_calls(office: BusinessCalendar) -> None:
    starts = [rome(2025, 11, 10, 8) + timedelta(minutes=97 * i) for i in range(60)]
    assert office.due_times(starts, 4 * HOUR) == [office.add_business_hours(s, 4) for s in starts]
    now = rome(2025, 11, 21, 12)
    assert office.business_seconds_between_many(starts, now) == [
        office.business_seconds_between(s, now) for s in starts
    ]
    ends = [s + timedelta(hours=30) for s in starts]
    assert office.business_seconds_between_many(starts, ends) == [
        office.business_seconds_between(s, e) for s, e in zip(starts, ends, strict=True)
    ]
    with pytest.raises(ValueError):
        office.business_seconds_between_many(starts, ends[:-1])


# --- daylight saving time -------------------------------------------------------------------------


def test_fall_back_day_has_its_real_length(night_owls: BusinessCalendar) -> None:
    day = date(2025, 10, 26)  # 03:00 CEST -> 02:00 CET
    assert night_owls.business_seconds_on(day) == 4 * 3600
    assert night_owls.business_seconds_between(rome(2025, 10, 26, 0), rome(2025, 10, 26, 5)) == 4 * HOUR
    assert night_owls.open_intervals_on(day) == [(utc(2025, 10, 25, 23), utc(2025, 10, 26, 3))]
    # 01:00 CEST + 3 h = 02:00 UTC = 03:00 CET (02:xx happened twice)
    assert night_owls.add_business_hours(rome(2025, 10, 26, 0), 3) == utc(2025, 10, 26, 2)
    assert night_owls.add_business_hours(rome(2025, 10, 26, 0), 4) == utc(2025, 10, 26, 3)
    assert night_owls.is_open(utc(2025, 10, 26, 0, 30)) and night_owls.is_open(utc(2025, 10, 26, 1, 30))


def test_spring_forward_day_has_its_real_length(night_owls: BusinessCalendar) -> None:
    day = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
    assert night_owls.business_seconds_on(day) == 2 * 3600
    assert night_owls.business_seconds_between(rome(2026, 3, 29, 0), rome(2026, 3, 29, 5)) == 2 * HOUR
    assert night_owls.open_intervals_on(day) == [(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))]
    assert night_owls.add_business_hours(rome(2026, 3, 29, 0), 1.5) == rome(2026, 3, 29, 3, 30)
    assert night_owls.add_business_hours(rome(2026, 3, 29, 0), 2.5) == rome(2026, 3, 30, 1, 30)
    # ordinary Sundays around them last 3 h
    assert night_owls.business_seconds_on(date(2025, 10, 19)) == 3 * 3600
    assert night_owls.business_seconds_on(date(2026, 4, 12)) == 3 * 3600
    assert night_owls.business_seconds_on(date(2026, 4, 5)) == 0  # Easter Sunday


def test_interval_bounds_in_the_spring_gap_act_as_the_jump() -> None:
    cal = BusinessCalendar(tz="Europe/Rome", hours=parse_hours("sun 02:30-05:00; mon 02:15-02:45"))
    # 02:30 does not exist on 2026-03-29: the interval opens at the jump, 03:00 CEST = 01:00 UTC
    assert cal.open_intervals_on(date(2026, 3, 29)) == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 3))]
    assert cal.next_open(rome(2026, 3, 29, 0)) == utc(2026, 3, 29, 1)
    gap_only = BusinessCalendar(tz="Europe/Rome", hours=parse_hours("sun 02:15-02:45"), country=None)
    assert gap_only.business_seconds_on(date(2026, 3, 29)) == 0
    assert gap_only.business_seconds_on(date(2026, 3, 22)) == 1800


def test_repeated_fall_back_hour_is_open_twice() -> None:
    cal = BusinessCalendar(tz="Europe/Rome", hours=parse_hours("sun 02:15-02:45"), country=None)
    day = date(2025, 10, 26)
    assert cal.open_intervals_on(day) == [
        (utc(2025, 10, 26, 0, 15), utc(2025, 10, 26, 0, 45)),  # 02:15-02:45 CEST
        (utc(2025, 10, 26, 1, 15), utc(2025, 10, 26, 1, 45)),  # 02:15-02:45 CET
    ]
    assert cal.business_seconds_on(day) == 3600
    assert not cal.is_open(utc(2025, 10, 26, 0, 50))
    assert cal.add_business_seconds(utc(2025, 10, 26, 0), 2400) == utc(2025, 10, 26, 1, 25)


def test_lord_howe_half_hour_changes() -> None:
    cal = BusinessCalendar(tz="Australia/Lord_Howe", hours=parse_hours("sun 01:00-03:00"), country=None)
    assert cal.business_seconds_on(date(2025, 10, 5)) == 90 * 60  # 02:00 -> 02:30
    assert cal.business_seconds_on(date(2026, 4, 5)) == 150 * 60  # 02:00 -> 01:30
    assert cal.business_seconds_on(date(2025, 10, 12)) == 120 * 60


def test_open_across_midnight_and_whole_days() -> None:
    cal = BusinessCalendar(tz="UTC", hours=parse_hours("mon 22:00-24:00; tue 00:00-02:00"), country=None)
    monday = utc(2025, 11, 10, 22)
    assert cal.open_intervals_on(date(2025, 11, 10)) == [(monday, utc(2025, 11, 11))]
    assert cal.add_business_hours(monday, 3) == utc(2025, 11, 11, 1)
    assert cal.is_open(utc(2025, 11, 11, 0))


def test_open_around_the_clock_counts_elapsed_time_across_caches_and_years() -> None:
    always = BusinessCalendar(tz="Europe/Rome", hours=parse_hours("mon-sun 00:00-24:00"), country=None)
    block = 1 << 25  # the module caches UTC time in blocks of 2**25 s; cross a boundary and a new year
    boundary = datetime.fromtimestamp(53 * block, UTC)
    for start, end in (
        (boundary - timedelta(hours=5), boundary + timedelta(hours=7)),
        (rome(2025, 12, 31, 20), rome(2026, 1, 1, 4)),
        (rome(2024, 2, 1), rome(2027, 11, 30)),
    ):
        elapsed = (end - start).total_seconds()
        assert always.business_seconds_between(start, end) == elapsed
        assert always.add_business_seconds(start, elapsed) == end
        assert always.is_open(boundary) and always.next_open(boundary) == boundary
    assert always.business_seconds_on(date(2025, 10, 26)) == 25 * 3600
    assert always.business_seconds_on(date(2026, 3, 29)) == 23 * 3600


# --- holidays and closures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 12, 25), "Natale"),
        (date(2025, 12, 26), "Santo Stefano"),
        (date(2026, 1, 6), "Epifania"),
        (date(2026, 4, 6), "Lunedì dell'Angelo"),
        (date(2025, 8, 15), "Assunzione della Beata Vergine Maria"),
    ],
)
def test_italian_holidays_are_closed(office: BusinessCalendar, day: date, name: str) -> None:
    assert office.holiday_name(day) == name
    assert not office.is_business_day(day)
    assert office.business_seconds_on(day) == 0
    assert office.opening_time(day) is None
    noon = datetime.combine(day, datetime.min.time(), ROME).replace(hour=11)
    assert not office.is_open(noon)


def test_holiday_names_in_english_and_listing(office: BusinessCalendar) -> None:
    assert office.holiday_name(date(2025, 12, 25), language="en_US") == "Christmas Day"
    assert office.holiday_name(date(2025, 12, 23)) is None
    listed = office.holidays_between(date(2025, 12, 1), date(2026, 1, 31))
    assert [day for day, _ in listed] == [
        date(2025, 12, 8),
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2026, 1, 1),
        date(2026, 1, 6),
    ]


def test_handoff_on_a_holiday_starts_at_next_opening(office: BusinessCalendar) -> None:
    christmas = rome(2025, 12, 25, 10)
    # Dec 25-26 holidays, 27-28 weekend: the clock starts Monday 29 at 09:00
    assert office.next_open(christmas) == rome(2025, 12, 29, 9)
    assert office.add_business_hours(christmas, 1) == rome(2025, 12, 29, 10)
    assert office.add_business_seconds(christmas, 0) == rome(2025, 12, 29, 9)
    assert office.business_seconds_between(christmas, rome(2025, 12, 29, 9, 30)) == HOUR / 2


def test_subdivision_holidays() -> None:
    south_tyrol = BusinessCalendar(tz="Europe/Rome", country="IT", subdivision="BZ")
    assert south_tyrol.holiday_name(date(2026, 5, 25)) == "Lunedì di Pentecoste"
    assert BusinessCalendar(tz="Europe/Rome").is_business_day(date(2026, 5, 25))
    assert not south_tyrol.is_business_day(date(2026, 5, 25))


def test_no_country_means_no_holidays() -> None:
    cal = BusinessCalendar(tz="Europe/Rome", country=None)
    assert cal.holiday_name(date(2025, 12, 25)) is None
    assert cal.is_business_day(date(2025, 12, 25))


def test_august_closure() -> None:
    shutdown = Closure(date(2025, 8, 11), date(2025, 8, 22), "Ferie estive")
    cal = BusinessCalendar(tz="Europe/Rome", closures=(shutdown,))
    friday = rome(2025, 8, 8, 17)
    assert cal.add_business_hours(friday, 2) == rome(2025, 8, 25, 10)
    assert cal.business_seconds_between(friday, rome(2025, 8, 25, 10)) == 2 * HOUR
    assert cal.closure_on(date(2025, 8, 13)) == shutdown
    assert cal.closure_on(datetime(2025, 8, 13, 9, tzinfo=ROME)) == shutdown
    assert cal.closure_on(date(2025, 8, 23)) is None
    assert cal.closures_between(date(2025, 8, 1), date(2025, 8, 11)) == (shutdown,)
    assert cal.closures_between(date(2025, 9, 1), date(2025, 9, 30)) == ()
    assert not cal.is_business_day(date(2025, 8, 11))
    assert cal.business_days_between(date(2025, 8, 8), date(2025, 8, 25)) == 1
    assert cal.add_business_days(date(2025, 8, 8), 1) == date(2025, 8, 25)


def test_closures_are_normalised() -> None:
    a = Closure(date(2025, 12, 29), date(2025, 12, 31))
    b = Closure(date(2025, 8, 11), date(2025, 8, 22), "Ferie")
    cal = BusinessCalendar(tz="UTC", closures=(a, b, a))
    assert cal.closures == (b, a)


# --- business days --------------------------------------------------------------------------------


def test_business_days(office: BusinessCalendar) -> None:
    friday, saturday, monday = date(2025, 11, 14), date(2025, 11, 15), date(2025, 11, 17)
    assert office.business_days_between(friday, monday) == 1
    assert office.business_days_between(monday, friday) == 0
    assert office.business_days_between(friday, friday) == 0
    assert office.business_days_between(saturday, date(2025, 11, 18)) == 2
    assert office.add_business_days(friday, 1) == monday
    assert office.add_business_days(friday, 0) == friday
    assert office.add_business_days(saturday, 0) == monday
    assert office.add_business_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert office.add_business_days(date(2025, 12, 24), 3) == date(2025, 12, 31)
    assert office.add_business_days(date(2025, 12, 31), 1) == date(2026, 1, 2)
    # instants are taken at their local date: 23:30 UTC on Friday is Saturday in Rome
    assert office.add_business_days(utc(2025, 11, 14, 23, 30), 0) == monday
    assert office.business_days_between(rome(2025, 11, 14, 18), rome(2025, 11, 17, 8)) == 1
    with pytest.raises(CalendarError):
        office.add_business_days(friday, -1)


def test_day_bounds(office: BusinessCalendar) -> None:
    assert office.opening_time(date(2025, 11, 12)) == rome(2025, 11, 12, 9)
    assert office.closing_time(date(2025, 11, 12)) == rome(2025, 11, 12, 18)
    assert office.closing_time(date(2025, 11, 15)) is None
    assert office.business_seconds_on(date(2025, 11, 12)) == 8 * 3600
    assert office.business_seconds_in_dates(date(2025, 11, 10), date(2025, 11, 16)) == 40 * 3600
    assert office.business_seconds_in_dates(date(2025, 11, 16), date(2025, 11, 10)) == 0


# --- impossible requests --------------------------------------------------------------------------


def test_calendar_without_hours_never_falls_due() -> None:
    never = BusinessCalendar(tz="Europe/Rome", hours=parse_hours("closed"))
    assert not never.has_opening_hours
    start = rome(2025, 11, 12, 10)
    for call in (
        lambda: never.add_business_seconds(start, 60),
        lambda: never.add_business_seconds(start, 0),
        lambda: never.next_open(start),
        lambda: never.add_business_days(start, 1),
    ):
        with pytest.raises(CalendarError, match="no opening hours"):
            call()
    assert never.business_seconds_between(start, start + timedelta(days=400)) == 0.0
    assert not never.is_open(start)
    assert not never.is_business_day(date(2025, 11, 12))


def test_search_for_an_opening_is_bounded() -> None:
    forever = Closure(date(2025, 1, 1), date(2045, 12, 31), "closed for good")
    cal = BusinessCalendar(tz="Europe/Rome", closures=(forever,))
    with pytest.raises(CalendarError, match="10 years"):
        cal.add_business_hours(rome(2025, 6, 2, 10), 1)
    with pytest.raises(CalendarError, match="10 years"):
        cal.next_open(rome(2025, 6, 2, 10))
    with pytest.raises(CalendarError, match="10 years"):
        cal.add_business_days(date(2025, 6, 2), 1)


def test_bad_allowances_and_dates(office: BusinessCalendar) -> None:
    start = rome(2025, 11, 12, 10)
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(CalendarError):
            office.add_business_seconds(start, bad)
    with pytest.raises(CalendarError, match="1900 to 2999"):
        office.add_business_hours(datetime(3500, 1, 1, tzinfo=UTC), 1)


# --- notation -------------------------------------------------------------------------------------


def test_parse_hours_groups_ranges_and_intervals() -> None:
    hours = parse_hours("mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00")
    assert hours[0] == (OpeningInterval(540, 780), OpeningInterval(840, 1080))
    assert hours[4] == hours[0]
    assert hours[5] == (OpeningInterval(540, 720),)
    assert hours[6] == ()
    assert format_hours(hours) == "mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon - Fri  9:00 - 13:00 , 14.00-18; SAT 9-12", "mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00"),
        ("lun-ven 09:00-18:00", "mon-fri 09:00-18:00"),
        ("mon,wed,fri 09:00-12:00", "mon,wed,fri 09:00-12:00"),
        ("sun-thu 08:00-16:00", "mon-thu,sun 08:00-16:00"),
        ("mon 09:00-13:00; mon 14:00-18:00", "mon 09:00-13:00,14:00-18:00"),
        ("mon 09:00-13:00,13:00-18:00", "mon 09:00-18:00"),
        ("mon-fri 09:00-18:00; sat closed", "mon-fri 09:00-18:00"),
        ("mon 22:00-24:00\ntue 00:00-02:00;", "mon 22:00-24:00; tue 00:00-02:00"),
        ("closed", "closed"),
        ("", "closed"),
    ],
)
def test_parse_hours_variants(text: str, canonical: str) -> None:
    assert format_hours(parse_hours(text)) == canonical
    assert parse_hours(canonical) == parse_hours(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mon-fri", "opening hours are missing"),
        ("xyz 09:00-10:00", "'xyz' is not a day"),
        ("mon-xyz 09:00-10:00", "not a day"),
        ("mon 10:00-09:00", "ends before it starts"),
        ("mon 25:00-26:00", "between 00:00 and 24:00"),
        ("mon 09:60-10:00", "between 00:00 and 24:00"),
        ("mon nine-ten", "is not a time of day"),
        ("mon 09:00", "is not an opening interval"),
        ("mon 09:00-13:00,12:00-14:00", "overlaps"),
        ("mon 24:00-24:00", "ends before it starts"),
    ],
)
def test_parse_hours_errors(text: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message) as caught:
        parse_hours(text)
    assert isinstance(caught.value, ValidationError)
    assert isinstance(caught.value, UserError)
    assert isinstance(caught.value, ValueError)


def test_parse_time() -> None:
    assert parse_time("9") == 540
    assert parse_time("09:30") == 570
    assert parse_time("24:00") == 1440
    with pytest.raises(CalendarError):
        parse_time("24:00", allow_end_of_day=False)


def test_closures_notation() -> None:
    assert parse_closure("2025-12-29..2025-12-31") == Closure(date(2025, 12, 29), date(2025, 12, 31))
    assert parse_closure(" 2025-12-29 .. 2025-12-31 ") == Closure(date(2025, 12, 29), date(2025, 12, 31))
    assert parse_closure("2025-08-15") == Closure(date(2025, 8, 15), date(2025, 8, 15))
    labelled = parse_closure("2025-08-11..2025-08-22 Ferie estive")
    assert labelled == Closure(date(2025, 8, 11), date(2025, 8, 22), "Ferie estive")
    assert labelled.days == 12
    for closure in (labelled, parse_closure("2025-08-15"), parse_closure("2025-08-15 Ferragosto")):
        assert parse_closure(format_closure(closure)) == closure
        assert str(closure) == format_closure(closure)
    for bad, message in (
        ("2025-12-31..2025-12-29", "ends before it starts"),
        ("2025-13-01", "is not a date"),
        ("2025-12-29..", "is not a date"),
        ("", "needs a date"),
    ):
        with pytest.raises(CalendarError, match=message):
            parse_closure(bad)


# --- value, storage, construction -----------------------------------------------------------------


def test_round_trip_through_json() -> None:
    cal = BusinessCalendar(
        tz="America/New_York",
        hours=parse_hours("mon-fri 08:30-12:00,13:00-17:30; sat 10:00-12:00"),
        country="US",
        subdivision="NY",
        closures=(parse_closure("2025-12-24..2025-12-31 Winter break"), parse_closure("2026-07-03")),
    )
    stored = json.dumps(cal.to_dict())
    again = BusinessCalendar.from_dict(json.loads(stored))
    assert again == cal
    assert hash(again) == hash(cal)
    assert again.to_dict() == cal.to_dict()


def test_from_dict_accepts_text_and_fills_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Rome")
    cal = BusinessCalendar.from_dict(
        {"hours": "mon-fri 09:00-18:00", "closures": ["2025-08-11..2025-08-22 Ferie"]}
    )
    assert cal.tz == "Europe/Rome" and cal.country == "IT"
    assert cal.hours == parse_hours("mon-fri 09:00-18:00")
    assert cal.closures == (Closure(date(2025, 8, 11), date(2025, 8, 22), "Ferie"),)
    assert BusinessCalendar.from_dict({"tz": "UTC"}).hours == DEFAULT_HOURS


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tz": "Mars/Olympus"}, "not a time zone"),
        ({"tz": 5}, "time zone must be"),
        ({"tz": "UTC", "country": "XX"}, "not a country"),
        ({"tz": "UTC", "country": "IT", "subdivision": "ZZ"}, "not a subdivision"),
        ({"tz": "UTC", "country": None, "subdivision": "BZ"}, "needs a country"),
        ({"tz": "UTC", "version": 99}, "newer LeadDesk"),
        ({"tz": "UTC", "hours": {"funday": [["09:00", "10:00"]]}}, "not a weekday"),
        ({"tz": "UTC", "hours": {"mon": [["09:00"]]}}, "not an opening interval"),
        ({"tz": "UTC", "hours": {"mon": "09:00-10:00"}}, "must be a list"),
        ({"tz": "UTC", "hours": 42}, "must be text or a mapping"),
        ({"tz": "UTC", "closures": "2025-08-15"}, "must be a list"),
        ({"tz": "UTC", "closures": [{"start": 20250815}]}, "is not a closure"),
    ],
)
def test_from_dict_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_dict(data)


def test_constructor_validates_and_normalises() -> None:
    cal = BusinessCalendar(tz=" Europe/Rome ", country=" it ")
    assert cal.tz == "Europe/Rome" and cal.country == "IT"
    assert BusinessCalendar(tz="UTC", country="").country is None
    with pytest.raises(CalendarError):
        BusinessCalendar(tz="../etc/passwd")
    with pytest.raises(CalendarError, match="7 weekdays"):
        BusinessCalendar(tz="UTC", hours=((),))
    with pytest.raises(CalendarError):
        OpeningInterval(600, 500)
    with pytest.raises(CalendarError):
        Closure(date(2025, 1, 2), date(2025, 1, 1))


def test_calendar_is_a_hashable_value() -> None:
    a = BusinessCalendar(tz="Europe/Rome")
    b = BusinessCalendar.from_dict(a.to_dict())
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a._engine is b._engine  # equal calendars share their caches
    c = dataclasses.replace(a, hours=parse_hours("mon-fri 08:00-17:00"))
    assert c != a and c.hours_text == "mon-fri 08:00-17:00"
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.tz = "UTC"  # type: ignore[misc]
    restored = pickle.loads(pickle.dumps(a))
    assert restored == a
    assert restored.add_business_hours(rome(2025, 11, 14, 17, 30), 1) == rome(2025, 11, 17, 9, 30)


def test_local_zone_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_zone_name() == "America/New_York"
    assert BusinessCalendar().tz == "America/New_York"
    assert BusinessCalendar.default().tz == "America/New_York"
    monkeypatch.setenv("TZ", ":/usr/share/zoneinfo/Asia/Kolkata")
    assert local_zone_name() == "Asia/Kolkata"
    monkeypatch.setattr(local_zone_module, "_zone_candidates", lambda: iter(["Not/AZone", "", "Europe/Rome"]))
    assert local_zone_name() == "Europe/Rome"
    monkeypatch.setattr(local_zone_module, "_zone_candidates", lambda: iter([]))
    assert local_zone_name() == "UTC"
