"""The team's business-hours calendar, and exact, fast business-time arithmetic on it.

**What is open.** An instant is *open* when its local wall-clock reading in the calendar's zone ``tz`` (date
and time of day) falls inside one of the weekday's opening intervals ``[start, end)``, and that local date is
neither a public holiday (``holidays`` package, ``country`` / ``subdivision``) nor inside a closure. Opening
intervals are wall-clock times, so on the days the clocks change:

* an interval that spans the change lasts its real elapsed time (Europe/Rome, 01:00-04:00 lasts 4 h on
  2025-10-26 and 2 h on 2026-03-29);
* a wall time that does not exist (skipped by a spring-forward jump) is never reached: an interval bound
  inside the gap acts as the instant of the jump (02:30-05:00 on 2026-03-29 in Rome opens at 03:00 CEST and
  lasts 2 h), and an interval wholly inside the gap is empty that day;
* a wall time that happens twice (fall-back) is open both times: 02:15-02:45 on 2025-10-26 in Rome is open
  00:15-00:45 UTC and 01:15-01:45 UTC (1 h in all).

This rule is deterministic, needs no "fold" choice, and is what a minute-by-minute check of the local clock
gives (the tests compare with exactly such a brute-force reference).

**Instants.** Every method takes aware datetimes in any zone; a naive datetime is taken as UTC (as
`leaddesk.domain.clock.ensure_utc` does, since the database stores UTC). Returned instants are aware UTC.
Durations are seconds (floats; whole seconds when the inputs are whole seconds).

**Speed.** The open intervals are turned into sorted UTC segments with a running total (a prefix sum), cached
per block of 2**25 s (~388 days) of UTC time and per calendar value. `business_seconds_between` and
`add_business_seconds` are then two binary searches, whatever the span (a multi-year span adds one cached
total per block): about 1-3 µs a call. Per-day tables (business seconds and business days per local date,
with prefix sums) are cached per local year for the day-based functions. Calendars that compare equal share
their caches, so a calendar rebuilt from the database on each service call does not rebuild them.

**Range.** Instants from 1900 to 2999; searches for the next opening stop after about ten years without any
opening time (`SEARCH_LIMIT_YEARS`) with a `CalendarError` instead of looping.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from leaddesk.services.calendar._timeline import EPOCH, ZoneTimeline, zone_timeline
from leaddesk.services.calendar.errors import CalendarError
from leaddesk.services.calendar.hours import (
    WEEKDAY_NAMES,
    Closure,
    OpeningInterval,
    WeeklyHours,
    format_hours,
    format_time,
    normalize_hours,
    parse_closure,
    parse_hours,
    weekday_index,
)
from leaddesk.services.calendar.local_zone import is_zone_name, local_zone_name

__all__ = [
    "DEFAULT_COUNTRY",
    "DEFAULT_HOURS",
    "MAX_YEAR",
    "MIN_YEAR",
    "SEARCH_LIMIT_YEARS",
    "BusinessCalendar",
]

DEFAULT_COUNTRY = "IT"
DEFAULT_HOURS: WeeklyHours = parse_hours("mon-fri 09:00-13:00,14:00-18:00")
MIN_YEAR = 1900
MAX_YEAR = 2999
SEARCH_LIMIT_YEARS = 10
SERIAL_VERSION = 1

_DAY = 86_400
_BLOCK = 1 << 25  # seconds of UTC time per cached block (~388 days)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MAX_EMPTY_BLOCKS = math.ceil(SEARCH_LIMIT_YEARS * 366 * _DAY / _BLOCK)
_MIN_BLOCK = int((datetime(MIN_YEAR, 1, 1, tzinfo=UTC) - EPOCH).total_seconds()) // _BLOCK
_MAX_BLOCK = int((datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC) - EPOCH).total_seconds()) // _BLOCK

Segment = tuple[int, int]


def _out_of_range() -> CalendarError:
    return CalendarError(f"The business calendar covers the years {MIN_YEAR} to {MAX_YEAR} only.")


def _never_open() -> CalendarError:
    return CalendarError(
        "The business calendar has no opening hours, so nothing can ever fall due; "
        "set the opening hours (e.g. 'mon-fri 09:00-18:00')."
    )


def _not_open_for_years(after: float) -> CalendarError:
    day = (EPOCH + timedelta(seconds=after)).date().isoformat()
    return CalendarError(
        f"The business calendar is not open at all for {SEARCH_LIMIT_YEARS} years after {day}; "
        "check its opening hours and closures."
    )


def _timestamp(value: datetime) -> float:
    """Epoch seconds of an aware datetime; a naive one is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC).timestamp()
    return value.timestamp()


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _instant(t: float) -> datetime:
    # fromtimestamp is twice as fast; Windows' C library refuses negative (pre-1970) timestamps
    return datetime.fromtimestamp(t, UTC) if t >= 0 else EPOCH + timedelta(seconds=t)


# --- public holidays ----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _holiday_language(country: str, subdivision: str | None) -> str | None:
    """The country's language for holiday names; `CalendarError` for an unknown country or subdivision."""
    import holidays  # imported on first use: loading the package takes a while

    try:
        entity = holidays.country_holidays(country, subdiv=subdivision)
    except (NotImplementedError, ValueError, KeyError, AttributeError):
        if subdivision:
            raise CalendarError(
                f"{subdivision!r} is not a subdivision of {country!r} known to the holiday calendar."
            ) from None
        raise CalendarError(
            f"{country!r} is not a country known to the holiday calendar; use a code such as 'IT'."
        ) from None
    language = entity.default_language
    return str(language) if language else None


@lru_cache(maxsize=1024)
def _holiday_names(country: str, subdivision: str | None, year: int, language: str | None) -> dict[date, str]:
    """Public holidays falling in ``year`` (including ones a neighbouring year's rules move into it)."""
    import holidays

    entity = holidays.country_holidays(
        country, subdiv=subdivision, years=range(year - 1, year + 2), language=language
    )
    return {day: str(name) for day, name in sorted(entity.items()) if day.year == year}


# --- cached tables ------------------------------------------------------------------------------


class _Block:
    """Open UTC segments within [k * _BLOCK, (k + 1) * _BLOCK), sorted, merged, with running totals."""

    __slots__ = ("cum_end", "ends", "starts", "total")

    def __init__(self, segments: list[Segment]) -> None:
        self.starts = [start for start, _ in segments]
        self.ends = [end for _, end in segments]
        cum_end: list[int] = []
        running = 0
        for start, end in segments:
            running += end - start
            cum_end.append(running)
        self.cum_end = cum_end
        self.total = running


class _Year:
    """Per local date of one year: business-day flags and business seconds, each with a prefix sum."""

    __slots__ = ("cum_days", "cum_seconds", "first_ordinal", "year")

    def __init__(self, year: int, flags: list[bool], seconds: list[int]) -> None:
        self.year = year
        self.first_ordinal = date(year, 1, 1).toordinal()
        self.cum_days = [0]
        self.cum_seconds = [0]
        for flag, amount in zip(flags, seconds, strict=True):
            self.cum_days.append(self.cum_days[-1] + flag)
            self.cum_seconds.append(self.cum_seconds[-1] + amount)

    @property
    def total_days(self) -> int:
        return self.cum_days[-1]

    @property
    def total_seconds(self) -> int:
        return self.cum_seconds[-1]

    def index(self, day: date) -> int:
        return day.toordinal() - self.first_ordinal


def _merge(segments: list[Segment]) -> list[Segment]:
    segments.sort()
    merged: list[Segment] = []
    for start, end in segments:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class _Engine:
    """The caches of one calendar value. Safe to share between threads (a race only builds a table twice)."""

    def __init__(
        self,
        tz: str,
        hours: WeeklyHours,
        country: str | None,
        subdivision: str | None,
        closures: tuple[Closure, ...],
    ) -> None:
        self.timeline: ZoneTimeline = zone_timeline(tz)
        self.week: tuple[tuple[Segment, ...], ...] = tuple(
            tuple((interval.start * 60, interval.end * 60) for interval in day) for day in hours
        )
        self.has_hours = any(self.week)
        self.country = country
        self.subdivision = subdivision
        self.language = _holiday_language(country, subdivision) if country else None
        self.closures = closures
        self.blocks: dict[int, _Block] = {}
        self.years: dict[int, _Year] = {}

    def holidays_in(self, year: int, language: str | None = None) -> dict[date, str]:
        if self.country is None:
            return {}
        return _holiday_names(self.country, self.subdivision, year, language or self.language)

    def closed_ordinals(self, first: date, last: date) -> set[int]:
        closed = {
            day.toordinal()
            for year in range(first.year, last.year + 1)
            for day in self.holidays_in(year)
            if first <= day <= last
        }
        for closure in self.closures:
            low, high = max(closure.start, first), min(closure.end, last)
            closed.update(range(low.toordinal(), high.toordinal() + 1))
        return closed

    def day_segments(self, first: date, last: date) -> Iterator[tuple[int, bool, list[Segment]]]:
        """For each local date in [first, last]: (ordinal, is business day, its open UTC segments)."""
        if first.year < MIN_YEAR - 1 or last.year > MAX_YEAR + 1:
            raise _out_of_range()
        low, high = first.toordinal(), last.toordinal()
        pieces = self.timeline.pieces((low - _EPOCH_ORDINAL - 2) * _DAY, (high - _EPOCH_ORDINAL + 3) * _DAY)
        closed = self.closed_ordinals(first, last)
        week = self.week
        for ordinal in range(low, high + 1):
            intervals = week[(ordinal - 1) % 7]  # date.fromordinal(1) is a Monday
            if not intervals or ordinal in closed:
                yield ordinal, False, []
                continue
            midnight = (ordinal - _EPOCH_ORDINAL) * _DAY  # local midnight as if the wall clock were UTC
            segments: list[Segment] = []
            for opens, closes in intervals:
                for piece_start, piece_end, offset in pieces:
                    start = max(midnight + opens - offset, piece_start)
                    end = min(midnight + closes - offset, piece_end)
                    if start < end:
                        segments.append((start, end))
            yield ordinal, True, _merge(segments)

    def block(self, k: int) -> _Block:
        found = self.blocks.get(k)
        if found is not None:
            return found
        if not _MIN_BLOCK <= k <= _MAX_BLOCK:
            raise _out_of_range()
        low, high = k * _BLOCK, (k + 1) * _BLOCK
        first = _instant(low).date() - timedelta(days=2)
        last = _instant(high).date() + timedelta(days=2)
        clipped: list[Segment] = []
        for _, _, segments in self.day_segments(first, last):
            for start, end in segments:
                start, end = max(start, low), min(end, high)
                if start < end:
                    clipped.append((start, end))
        built = _Block(_merge(clipped))
        self.blocks[k] = built
        return built

    def year(self, year: int) -> _Year:
        found = self.years.get(year)
        if found is not None:
            return found
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise _out_of_range()
        flags: list[bool] = []
        seconds: list[int] = []
        for _, business, segments in self.day_segments(date(year, 1, 1), date(year, 12, 31)):
            flags.append(business)
            seconds.append(sum(end - start for start, end in segments))
        built = _Year(year, flags, seconds)
        self.years[year] = built
        return built


@lru_cache(maxsize=64)
def _engine_for(
    tz: str,
    hours: WeeklyHours,
    country: str | None,
    subdivision: str | None,
    closures: tuple[Closure, ...],
) -> _Engine:
    return _Engine(tz, hours, country, subdivision, closures)


def _cum(block: _Block, t: float) -> float:
    """Open seconds in ``block`` before the instant ``t``."""
    i = bisect_right(block.starts, t) - 1
    if i < 0:
        return 0.0
    over = block.ends[i] - t
    return block.cum_end[i] - over if over > 0 else float(block.cum_end[i])


# --- the calendar -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessCalendar:
    """The team's business hours: zone, weekly opening intervals, public holidays and closures.

    Frozen and hashable; the constructor validates and normalises (hours sorted and merged, country
    upper-cased, closures sorted and de-duplicated) and raises `CalendarError` on bad values.
    """

    tz: str = field(default_factory=local_zone_name)
    hours: WeeklyHours = DEFAULT_HOURS
    country: str | None = DEFAULT_COUNTRY
    subdivision: str | None = None
    closures: tuple[Closure, ...] = ()
    _engine: _Engine = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        tz = self.tz.strip() if isinstance(self.tz, str) else ""
        if not is_zone_name(tz):
            raise CalendarError(f"{self.tz!r} is not a time zone; use an IANA name such as 'Europe/Rome'.")
        hours = normalize_hours(self.hours)
        country = self.country.strip().upper() if isinstance(self.country, str) else None
        subdivision = self.subdivision.strip() if isinstance(self.subdivision, str) else None
        country, subdivision = country or None, subdivision or None
        if subdivision and not country:
            raise CalendarError("A holiday subdivision needs a country.")
        closures = tuple(self.closures)
        if not all(isinstance(closure, Closure) for closure in closures):
            raise CalendarError("Closures must be Closure values (see parse_closure).")
        closures = tuple(sorted(set(closures)))
        for name, value in (
            ("tz", tz),
            ("hours", hours),
            ("country", country),
            ("subdivision", subdivision),
            ("closures", closures),
        ):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_engine", _engine_for(tz, hours, country, subdivision, closures))

    def __reduce__(self) -> tuple[type[BusinessCalendar], tuple[object, ...]]:
        return (type(self), (self.tz, self.hours, self.country, self.subdivision, self.closures))

    @classmethod
    def default(cls, tz: str | None = None) -> BusinessCalendar:
        """Mon-Fri 09:00-13:00 and 14:00-18:00, Italian holidays, in ``tz`` (default: this computer's)."""
        return cls(tz=tz or local_zone_name(), hours=DEFAULT_HOURS, country=DEFAULT_COUNTRY)

    # -- description ------------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self._engine.timeline.zone

    @property
    def has_opening_hours(self) -> bool:
        return self._engine.has_hours

    @property
    def hours_text(self) -> str:
        """The opening hours in the CLI notation, e.g. ``"mon-fri 09:00-13:00,14:00-18:00"``."""
        return format_hours(self.hours)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form, for the settings table; `from_dict` reads it back to an equal calendar."""
        return {
            "version": SERIAL_VERSION,
            "tz": self.tz,
            "hours": {
                WEEKDAY_NAMES[index]: [[format_time(i.start), format_time(i.end)] for i in day]
                for index, day in enumerate(self.hours)
                if day
            },
            "country": self.country,
            "subdivision": self.subdivision,
            "closures": [
                {"start": c.start.isoformat(), "end": c.end.isoformat(), "label": c.label}
                for c in self.closures
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> BusinessCalendar:
        """Build from `to_dict` output. Also accepts ``hours`` as notation text and closures as text.

        Missing keys take the defaults (this computer's zone, Mon-Fri 09-13/14-18, IT); bad values raise
        `CalendarError`.
        """
        if not isinstance(data, Mapping):
            raise CalendarError("The stored business calendar is not a JSON object.")
        version = data.get("version", SERIAL_VERSION)
        if not isinstance(version, int) or version > SERIAL_VERSION:
            raise CalendarError("The stored business calendar was saved by a newer LeadDesk.")
        tz = data.get("tz")
        if tz is None:
            tz = local_zone_name()
        if not isinstance(tz, str):
            raise CalendarError("The calendar's time zone must be a name such as 'Europe/Rome'.")
        country = data.get("country", DEFAULT_COUNTRY)
        subdivision = data.get("subdivision")
        if not isinstance(country, str | None) or not isinstance(subdivision, str | None):
            raise CalendarError("The calendar's country and subdivision must be codes such as 'IT'.")
        return cls(
            tz=tz,
            hours=_hours_from_json(data.get("hours")),
            country=country,
            subdivision=subdivision,
            closures=_closures_from_json(data.get("closures", [])),
        )

    # -- instants ---------------------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """True when ``instant`` is in opening hours ([start, end): open at 09:00, closed at 18:00)."""
        t = _timestamp(instant)
        engine = self._engine
        k = int(t // _BLOCK)
        block = engine.blocks.get(k) or engine.block(k)
        i = bisect_right(block.starts, t)
        return i > 0 and t < block.ends[i - 1]

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` (in UTC) if it is open, else the next opening instant.

        Raises `CalendarError` when the calendar has no opening hours or none in the next ~10 years.
        """
        return self._next_open(_timestamp(instant), instant)

    def _next_open(self, t: float, original: datetime) -> datetime:
        engine = self._engine
        if not engine.has_hours:
            raise _never_open()
        k = int(t // _BLOCK)
        block = engine.blocks.get(k) or engine.block(k)
        i = bisect_right(block.starts, t)
        if i > 0 and t < block.ends[i - 1]:
            return _as_utc(original)
        if i < len(block.starts):
            return _instant(block.starts[i])
        for _ in range(_MAX_EMPTY_BLOCKS):
            k += 1
            block = engine.block(k)
            if block.starts:
                return _instant(block.starts[0])
        raise _not_open_for_years(t)

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Open seconds in [start, end); 0.0 when ``end <= start`` (never negative)."""
        s = start.timestamp() if start.tzinfo is not None else _timestamp(start)
        e = end.timestamp() if end.tzinfo is not None else _timestamp(end)
        return self.business_seconds_between_epoch(s, e)

    def business_seconds_between_epoch(self, s: float, e: float) -> float:
        """`business_seconds_between` for instants given as epoch seconds (bulk figures read them so)."""
        if e <= s:
            return 0.0
        engine = self._engine
        ks = int(s // _BLOCK)
        ke = int(e // _BLOCK)
        block = engine.blocks.get(ks) or engine.block(ks)
        # inlined _cum(block, s): open seconds of the block before s
        i = bisect_right(block.starts, s) - 1
        if i < 0:
            before = 0.0
        else:
            over = block.ends[i] - s
            before = block.cum_end[i] - over if over > 0 else block.cum_end[i]
        if ks == ke:
            return _cum(block, e) - before
        total = block.total - before
        for k in range(ks + 1, ke):
            total += engine.block(k).total
        return total + _cum(engine.blocks.get(ke) or engine.block(ke), e)

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """`business_seconds_between` in hours."""
        return self.business_seconds_between(start, end) / 3600.0

    def business_seconds_between_many(
        self, starts: Sequence[datetime], ends: datetime | Sequence[datetime]
    ) -> list[float]:
        """`business_seconds_between` for each start, to one common ``ends`` instant or pairwise."""
        between = self.business_seconds_between
        if isinstance(ends, datetime):
            return [between(start, ends) for start in starts]
        if len(ends) != len(starts):
            raise ValueError("starts and ends must have the same length")
        return [between(start, end) for start, end in zip(starts, ends, strict=True)]

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The due instant (aware UTC): the earliest instant ``u`` with
        ``business_seconds_between(start, u) == seconds``.

        So a due time that lands exactly on a closing time is that closing time (Fri 17:00 + 1 h is
        Fri 18:00, not Mon 09:00). For ``seconds == 0`` the result is ``next_open(start)``: ``start``
        itself when it is open, else the next opening instant (a lead handed off at night with no allowance
        is due at opening).
        ``seconds`` must be finite and >= 0. Raises `CalendarError` when the calendar never opens.
        """
        t = start.timestamp() if start.tzinfo is not None else _timestamp(start)
        return self._add(t, seconds, start)

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """`add_business_seconds` with an allowance in hours."""
        return self._add(_timestamp(start), hours * 3600.0, start)

    def due_times(self, starts: Sequence[datetime], seconds: float) -> list[datetime]:
        """`add_business_seconds(start, seconds)` for each start, in order (the bulk form for the SLA)."""
        add = self._add
        return [add(_timestamp(start), seconds, start) for start in starts]

    def _add(self, t: float, seconds: float, original: datetime) -> datetime:
        if not 0 <= seconds < math.inf:
            raise CalendarError(f"A business-time allowance must be a finite number >= 0, not {seconds!r}.")
        if seconds == 0:
            return self._next_open(t, original)
        engine = self._engine
        if not engine.has_hours:
            raise _never_open()
        k = int(t // _BLOCK)
        block = engine.blocks.get(k) or engine.block(k)
        # inlined _cum(block, t) + seconds
        i = bisect_right(block.starts, t) - 1
        if i < 0:
            target = seconds
        else:
            over = block.ends[i] - t
            target = (block.cum_end[i] - over if over > 0 else block.cum_end[i]) + seconds
        empty = 0
        while target > block.total:
            target -= block.total
            k += 1
            block = engine.blocks.get(k) or engine.block(k)
            if block.total:
                empty = 0
            else:
                empty += 1
                if empty > _MAX_EMPTY_BLOCKS:
                    raise _not_open_for_years(t)
        j = bisect_left(block.cum_end, target)
        return _instant(block.ends[j] - (block.cum_end[j] - target))

    # -- days -------------------------------------------------------------------------------------

    def local_date(self, value: date | datetime) -> date:
        """The calendar-zone date of an instant (a naive datetime is UTC); a `date` is returned as is."""
        if isinstance(value, datetime):
            return _as_utc(value).astimezone(self._engine.timeline.zone).date()
        return value

    def is_business_day(self, day: date | datetime) -> bool:
        """True when the (local) date's weekday has opening hours and it is no holiday and no closure."""
        local = self.local_date(day)
        year = self._engine.year(local.year)
        i = year.index(local)
        return year.cum_days[i + 1] > year.cum_days[i]

    def business_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Business days ``d`` with ``start < d <= end`` (local dates); 0 when ``end <= start``.

        So Friday to Monday is 1, and a lead last touched on Friday is "stale for more than 1 business day"
        from Tuesday on. Inverse of `add_business_days` for ``days >= 1``.
        """
        first, last = self.local_date(start), self.local_date(end)
        if last <= first:
            return 0
        engine = self._engine
        low, high = engine.year(first.year), engine.year(last.year)
        count = high.cum_days[high.index(last) + 1] - low.cum_days[low.index(first) + 1]
        for year in range(first.year, last.year):
            count += engine.year(year).total_days
        return count

    def add_business_days(self, start: date | datetime, days: int) -> date:
        """The ``days``-th business day after the (local) date of ``start``.

        ``days == 0`` gives that date if it is a business day, else the next business day (the same choice as
        zero seconds). Raises `CalendarError` for a negative count or a calendar that never opens.
        """
        if not isinstance(days, int) or days < 0:
            raise CalendarError(f"A number of business days must be a whole number >= 0, not {days!r}.")
        first = self.local_date(start)
        engine = self._engine
        if not engine.has_hours:
            raise _never_open()
        year = engine.year(first.year)
        i = year.index(first)
        if days == 0:
            if year.cum_days[i + 1] > year.cum_days[i]:
                return first
            days = 1
        target = year.cum_days[i + 1] + days
        empty = 0
        while target > year.total_days:
            target -= year.total_days
            empty = 0 if year.total_days else empty + 1
            if empty > SEARCH_LIMIT_YEARS:
                raise _not_open_for_years(_timestamp(datetime.combine(first, datetime.min.time())))
            year = engine.year(year.year + 1)
        return date.fromordinal(year.first_ordinal + bisect_left(year.cum_days, target) - 1)

    def business_seconds_on(self, day: date | datetime) -> int:
        """Real open seconds on a local date (the per-day table; 4 h for 01:00-04:00 on a fall-back day)."""
        local = self.local_date(day)
        year = self._engine.year(local.year)
        i = year.index(local)
        return year.cum_seconds[i + 1] - year.cum_seconds[i]

    def business_seconds_in_dates(self, first: date, last: date) -> int:
        """Open seconds on the local dates ``first`` to ``last`` inclusive (0 if ``last < first``)."""
        if last < first:
            return 0
        engine = self._engine
        low, high = engine.year(first.year), engine.year(last.year)
        total = high.cum_seconds[high.index(last) + 1] - low.cum_seconds[low.index(first)]
        for year in range(first.year, last.year):
            total += engine.year(year).total_seconds
        return total

    def open_intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of a local date as UTC ``(start, end)`` pairs (empty on a closed day)."""
        _, _, segments = next(self._engine.day_segments(day, day))
        return [(_instant(start), _instant(end)) for start, end in segments]

    def opening_time(self, day: date) -> datetime | None:
        """First opening instant of a local date (UTC), or None when it has no opening hours."""
        intervals = self.open_intervals_on(day)
        return intervals[0][0] if intervals else None

    def closing_time(self, day: date) -> datetime | None:
        """Last closing instant of a local date (UTC), or None: the deadline of a day-based rule."""
        intervals = self.open_intervals_on(day)
        return intervals[-1][1] if intervals else None

    # -- holidays and closures --------------------------------------------------------------------

    def holiday_name(self, day: date | datetime, language: str | None = None) -> str | None:
        """The public holiday's name on ``day``, in the country's language or ``language`` (e.g. "en_US")."""
        local = self.local_date(day)
        return self._engine.holidays_in(local.year, language).get(local)

    def holidays_between(
        self, first: date, last: date, language: str | None = None
    ) -> list[tuple[date, str]]:
        """Public holidays from ``first`` to ``last`` inclusive, in date order."""
        return [
            (day, name)
            for year in range(first.year, last.year + 1)
            for day, name in self._engine.holidays_in(year, language).items()
            if first <= day <= last
        ]

    def closure_on(self, day: date | datetime) -> Closure | None:
        """The closure covering ``day``, if any."""
        local = self.local_date(day)
        return next((closure for closure in self.closures if closure.contains(local)), None)

    def closures_between(self, first: date, last: date) -> tuple[Closure, ...]:
        """Closures overlapping ``first`` to ``last`` inclusive, in order."""
        return tuple(c for c in self.closures if c.start <= last and c.end >= first)


# --- JSON helpers -------------------------------------------------------------------------------


def _hours_from_json(value: object) -> WeeklyHours:
    if value is None:
        return DEFAULT_HOURS
    if isinstance(value, str):
        return parse_hours(value)
    if not isinstance(value, Mapping):
        raise CalendarError("The calendar's opening hours must be text or a mapping of weekday to intervals.")
    week: list[list[OpeningInterval]] = [[] for _ in range(7)]
    for key, intervals in value.items():
        day = weekday_index(str(key))
        if day is None:
            raise CalendarError(f"{key!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun.")
        if not isinstance(intervals, list | tuple):
            raise CalendarError(f"{key}: opening intervals must be a list such as [['09:00', '13:00']].")
        for item in intervals:
            if isinstance(item, str):
                week[day].append(OpeningInterval.parse(item))
            elif isinstance(item, list | tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
                week[day].append(OpeningInterval.parse(f"{item[0]}-{item[1]}"))
            else:
                raise CalendarError(f"{key}: {item!r} is not an opening interval such as ['09:00', '13:00'].")
    return normalize_hours(week)


def _closures_from_json(value: object) -> tuple[Closure, ...]:
    if not isinstance(value, list | tuple):
        raise CalendarError("The calendar's closures must be a list.")
    result: list[Closure] = []
    for item in value:
        if isinstance(item, str):
            result.append(parse_closure(item))
        elif isinstance(item, Mapping):
            start, end, label = item.get("start"), item.get("end", item.get("start")), item.get("label", "")
            if not isinstance(start, str) or not isinstance(end, str) or not isinstance(label, str):
                raise CalendarError(f"{item!r} is not a closure such as {{'start': '2025-08-11', ...}}.")
            closure = parse_closure(f"{start}..{end}")
            result.append(Closure(closure.start, closure.end, label))
        else:
            raise CalendarError(f"{item!r} is not a closure.")
    return tuple(result)
