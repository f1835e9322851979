"""UTC offsets of an IANA zone as a piecewise-constant function of the UTC instant (epoch seconds).

`zoneinfo` has no public list of transitions, so each UTC year is sampled every three hours and every change
of offset is pinned to the second by bisection (no zone in the tz database changes its offset and back within
three hours). Results are cached
per zone and year; everything here is integer seconds and independent of the machine's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STEP = 3 * 3600

Piece = tuple[int, int, int]
"""``(utc_start, utc_end, offset)``: an instant in [utc_start, utc_end) reads ``utc + offset`` locally."""


def utc_year(t: float) -> int:
    return (EPOCH + timedelta(seconds=t)).year


class ZoneTimeline:
    __slots__ = ("_years", "name", "zone")

    def __init__(self, name: str) -> None:
        self.name = name
        self.zone = ZoneInfo(name)
        self._years: dict[int, tuple[tuple[int, int], ...]] = {}

    def offset_at(self, t: int) -> int:
        """UTC offset in seconds at the UTC instant ``t`` (epoch seconds)."""
        offset = (EPOCH + timedelta(seconds=t)).astimezone(self.zone).utcoffset()
        assert offset is not None
        return offset.days * 86_400 + offset.seconds

    def transitions(self, year: int) -> tuple[tuple[int, int], ...]:
        """``(instant, new_offset)`` for each change of offset in (``year``-01-01, ``year + 1``-01-01] UTC."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        begin = int((datetime(year, 1, 1, tzinfo=UTC) - EPOCH).total_seconds())
        end = int((datetime(year + 1, 1, 1, tzinfo=UTC) - EPOCH).total_seconds())
        found: list[tuple[int, int]] = []
        zone = self.zone
        previous_t, previous = begin, self.offset_at(begin)
        moment = EPOCH + timedelta(seconds=begin)
        step = timedelta(seconds=_STEP)
        for t in range(begin + _STEP, end + _STEP, _STEP):
            moment += step
            raw = moment.astimezone(zone).utcoffset()
            assert raw is not None
            current = raw.days * 86_400 + raw.seconds
            if current != previous:
                low, high = previous_t, t  # offset(low) == previous, offset(high) == current
                while high - low > 1:
                    middle = (low + high) // 2
                    if self.offset_at(middle) == previous:
                        low = middle
                    else:
                        high = middle
                found.append((high, current))
                previous = current
            previous_t = t
        result = tuple(found)
        self._years[year] = result
        return result

    def pieces(self, lo: int, hi: int) -> list[Piece]:
        """The constant-offset pieces covering the UTC range [lo, hi), in order."""
        changes = [
            change
            for year in range(utc_year(lo) - 1, utc_year(hi) + 1)
            for change in self.transitions(year)
            if lo < change[0] < hi
        ]
        result: list[Piece] = []
        current, offset = lo, self.offset_at(lo)
        for instant, new_offset in changes:
            result.append((current, instant, offset))
            current, offset = instant, new_offset
        result.append((current, hi, offset))
        return result


@lru_cache(maxsize=64)
def zone_timeline(name: str) -> ZoneTimeline:
    return ZoneTimeline(name)
