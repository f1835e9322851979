"""Weekly opening hours and closures: the value types, and their text notation for the CLI and settings.

Notation of opening hours (case-insensitive, whitespace around ``,`` and ``-`` ignored)::

    mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00

* groups are separated by ``;`` (or new lines); a group is ``DAYS INTERVALS`` or ``DAYS closed``;
* ``DAYS`` is a day, a range (``mon-fri``; ranges may wrap: ``sun-thu``) or a comma list of both
  (``mon,wed,fri``); English or Italian names, short or long (``mon``/``monday``, ``lun``/``lunedì``);
* ``INTERVALS`` are ``HH:MM-HH:MM`` separated by commas (``9``, ``9:30`` and ``9.30`` are accepted too);
  an interval ends after it starts and never crosses midnight (``24:00`` is allowed as an end: write
  ``mon 22:00-24:00; tue 00:00-02:00`` for a night shift);
* days not named have no opening hours; ``closed`` alone is a week with no opening hours at all.

Intervals given for the same day in several groups are merged; touching intervals are joined
(``09:00-13:00,13:00-18:00`` is ``09:00-18:00``), overlapping ones are an error. `format_hours` writes the
canonical form, which `parse_hours` reads back to the same value.

Closures: ``2025-08-11..2025-08-22`` (inclusive) or a single ``2025-12-24``, optionally followed by a label:
``2025-08-11..2025-08-22 Ferie estive``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from leaddesk.services.calendar.errors import CalendarError

MINUTES_PER_DAY = 24 * 60
WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY_ALIASES: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("mon", "monday", "lun", "lunedi", "lunedì"),
        ("tue", "tuesday", "mar", "martedi", "martedì"),
        ("wed", "wednesday", "mer", "mercoledi", "mercoledì"),
        ("thu", "thursday", "gio", "giovedi", "giovedì"),
        ("fri", "friday", "ven", "venerdi", "venerdì"),
        ("sat", "saturday", "sab", "sabato"),
        ("sun", "sunday", "dom", "domenica"),
    )
):
    for _name in _names:
        _DAY_ALIASES[_name] = _index

_TIME_RE = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
_CLOSED_WORDS = frozenset({"closed", "chiuso"})


@dataclass(frozen=True, order=True, slots=True)
class OpeningInterval:
    """An opening interval of one weekday in local wall-clock time, minutes after midnight: [start, end)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not isinstance(self.start, int) or not isinstance(self.end, int):
            raise CalendarError("Opening times must be whole minutes after midnight.")
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise CalendarError(
                f"Opening interval {format_time(self.start)}-{format_time(self.end)} is not valid: "
                "it must end after it starts, within one day (00:00 to 24:00)."
            )

    @classmethod
    def parse(cls, text: str) -> OpeningInterval:
        """``"09:00-13:00"`` → ``OpeningInterval(540, 780)``."""
        parts = re.sub(r"\s+", "", text).split("-")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise CalendarError(f"{text.strip()!r} is not an opening interval; write it as 09:00-13:00.")
        start, end = parse_time(parts[0]), parse_time(parts[1])
        if end <= start:
            raise CalendarError(
                f"Opening interval {text.strip()!r} ends before it starts; intervals cannot cross midnight "
                "(write 'mon 22:00-24:00; tue 00:00-02:00')."
            )
        return cls(start, end)

    @property
    def minutes(self) -> int:
        """Nominal length in minutes (the real length differs on a day the clocks change)."""
        return self.end - self.start

    def __str__(self) -> str:
        return f"{format_time(self.start)}-{format_time(self.end)}"


WeeklyHours = tuple[tuple[OpeningInterval, ...], ...]
"""Seven tuples of opening intervals, Monday first; each sorted, not overlapping, not touching."""


@dataclass(frozen=True, order=True, slots=True)
class Closure:
    """Days the team is closed although they are working days: ``start`` to ``end`` inclusive (local)."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise CalendarError("A closure needs a first and a last day.")
        if self.end < self.start:
            raise CalendarError(
                f"Closure {self.start.isoformat()}..{self.end.isoformat()} ends before it starts."
            )

    @property
    def days(self) -> int:
        """Number of calendar days covered."""
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return format_closure(self)


def weekday_index(name: str) -> int | None:
    """``"mon"``, ``"Monday"``, ``"lun"``, ``"lunedì"`` → 0 ... ``"sun"`` → 6; None for anything else."""
    return _DAY_ALIASES.get(name.strip().lower())


def parse_time(text: str, *, allow_end_of_day: bool = True) -> int:
    """``"09:30"`` (or ``"9.30"``, ``"9"``) → minutes after midnight; ``"24:00"`` → 1440."""
    value = text.strip()
    match = _TIME_RE.fullmatch(value)
    if match is None:
        raise CalendarError(f"{value!r} is not a time of day; write it as HH:MM, e.g. 09:00.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not allow_end_of_day)):
        raise CalendarError(f"{value!r} is not a time of day between 00:00 and 24:00.")
    return hour * 60 + minute


def format_time(minutes: int) -> str:
    """Minutes after midnight → ``"HH:MM"`` (1440 → ``"24:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def normalize_hours(days: Iterable[Iterable[OpeningInterval]]) -> WeeklyHours:
    """Seven iterables of intervals (Monday first) → canonical `WeeklyHours`.

    Sorts each day, joins touching intervals and rejects overlapping ones.
    """
    week = tuple(tuple(day) for day in days)
    if len(week) != 7:
        raise CalendarError(f"Opening hours need 7 weekdays (Monday first), not {len(week)}.")
    result: list[tuple[OpeningInterval, ...]] = []
    for index, day in enumerate(week):
        merged: list[OpeningInterval] = []
        for interval in sorted(day):
            if not isinstance(interval, OpeningInterval):
                raise CalendarError("Opening hours must be made of OpeningInterval values.")
            if merged and interval.start < merged[-1].end:
                raise CalendarError(
                    f"{WEEKDAY_NAMES[index]}: opening interval {interval} overlaps {merged[-1]}."
                )
            if merged and interval.start == merged[-1].end:
                merged[-1] = OpeningInterval(merged[-1].start, interval.end)
            else:
                merged.append(interval)
        result.append(tuple(merged))
    return tuple(result)


def _parse_days(text: str, group: str) -> list[int]:
    days: list[int] = []
    for item in text.split(","):
        names = item.split("-")
        if not item or len(names) > 2 or any(name not in _DAY_ALIASES for name in names):
            raise CalendarError(
                f"{group!r}: {item!r} is not a day or a day range; use mon, tue, wed, thu, fri, sat, sun "
                "(e.g. 'mon-fri 09:00-18:00')."
            )
        first = _DAY_ALIASES[names[0]]
        last = _DAY_ALIASES[names[-1]]
        span = (last - first) % 7
        days.extend((first + step) % 7 for step in range(span + 1))
    return days


def parse_hours(text: str) -> WeeklyHours:
    """Read the opening-hours notation (see the module doc) into `WeeklyHours`.

    Raises `CalendarError` (a `ValidationError` and a `ValueError`) with a message naming the bad part.
    """
    if not isinstance(text, str):
        raise CalendarError("Opening hours must be given as text, e.g. 'mon-fri 09:00-18:00'.")
    week: list[list[OpeningInterval]] = [[] for _ in range(7)]
    cleaned = text.strip().lower()
    if cleaned in _CLOSED_WORDS:
        return ((),) * 7
    for raw_group in re.split(r"[;\n]", cleaned):
        group = re.sub(r"\s*([,-])\s*", r"\1", raw_group.strip())
        if not group:
            continue
        parts = group.split(None, 1)
        if len(parts) == 1:
            raise CalendarError(
                f"{raw_group.strip()!r}: opening hours are missing; "
                "write e.g. 'mon-fri 09:00-13:00,14:00-18:00'."
            )
        days = _parse_days(parts[0], raw_group.strip())
        spec = parts[1].strip()
        if spec in _CLOSED_WORDS:
            continue
        try:
            intervals = [OpeningInterval.parse(item) for item in re.sub(r"\s+", "", spec).split(",")]
        except CalendarError as error:
            raise CalendarError(f"{raw_group.strip()!r}: {error.message}") from None
        for day in days:
            week[day].extend(intervals)
    return normalize_hours(week)


def format_hours(hours: WeeklyHours) -> str:
    """Canonical text of `hours`, e.g. ``"mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00"``.

    A week with no opening hours is ``"closed"``. ``parse_hours(format_hours(h)) == normalize_hours(h)``.
    """
    week = normalize_hours(hours)
    groups: dict[tuple[OpeningInterval, ...], list[int]] = {}
    for index, intervals_of_day in enumerate(week):
        if intervals_of_day:
            groups.setdefault(intervals_of_day, []).append(index)
    if not groups:
        return "closed"
    parts: list[str] = []
    for intervals, days in groups.items():
        runs: list[list[int]] = []
        for day in days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        day_text = ",".join(
            WEEKDAY_NAMES[run[0]] if len(run) == 1 else f"{WEEKDAY_NAMES[run[0]]}-{WEEKDAY_NAMES[run[-1]]}"
            for run in runs
        )
        parts.append(f"{day_text} {','.join(str(interval) for interval in intervals)}")
    return "; ".join(parts)


def _parse_date(text: str, whole: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarError(
            f"{whole!r}: {text!r} is not a date; write YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD."
        ) from None


def parse_closure(text: str) -> Closure:
    """``"2025-12-29..2025-12-31"`` or ``"2025-08-15"``, optionally followed by a label → `Closure`."""
    if not isinstance(text, str) or not text.strip():
        raise CalendarError("A closure needs a date or a range, e.g. 2025-12-29..2025-12-31.")
    whole = text.strip()
    match = re.fullmatch(r"(\S+?)(?:\s*\.\.\s*(\S+))?(?:\s+(.*))?", whole)
    if match is None:  # pragma: no cover - the pattern matches any non-empty text
        raise CalendarError(f"{whole!r} is not a closure; write YYYY-MM-DD..YYYY-MM-DD.")
    start = _parse_date(match.group(1), whole)
    end = _parse_date(match.group(2), whole) if match.group(2) else start
    return Closure(start, end, (match.group(3) or "").strip())


def format_closure(closure: Closure) -> str:
    """The text `parse_closure` reads back: ``"2025-12-29..2025-12-31 label"`` or ``"2025-08-15"``."""
    text = closure.start.isoformat()
    if closure.end != closure.start:
        text += f"..{closure.end.isoformat()}"
    return f"{text} {closure.label}" if closure.label else text
