"""Values on their way into a spreadsheet cell or a CSV field, and files that appear whole or not at all.

`safe_cell` is the one place that decides what lead data may become: text that a spreadsheet could take for
a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — "CSV injection") is
marked `LiteralText`, and each writer stores it as plain text: the xlsx writer as a text cell with Excel's
quote prefix (shown exactly as typed, never evaluated), the CSV writer with a leading apostrophe (the
OWASP-recommended neutraliser, which Excel and LibreOffice show as text).
"""

from __future__ import annotations

import bisect
import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from leaddesk.domain.errors import UserError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)
#: Characters XML (so xlsx) cannot hold; removed from text.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Text that `safe_cell` would change or mark (a formula start, characters XML cannot hold), or that an
#: XML writer must escape (&, <, >, CR). Text it does not match is safe as it is: the fast path of writers.
NEEDS_CARE = re.compile(r"^[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f&<>\r]")
#: Excel's limit on the characters of one cell.
MAX_CELL_TEXT = 32_767


class LiteralText(str):
    """Text that must be stored as text even though it looks like a formula."""

    __slots__ = ()


class ExportCancelled(UserError):
    def __init__(self) -> None:
        super().__init__("The export was cancelled; no file was written.")


CellValue = str | int | float | Decimal | bool | date | datetime | None


def safe_cell(value: object) -> CellValue:
    """A value ready for a cell: text cleaned of characters a spreadsheet cannot hold and cut to Excel's
    cell limit, and formula-looking text returned as `LiteralText`; numbers, booleans, dates and None as
    they are; anything else as its text."""
    if type(value) is str:  # the common case first: this runs for every cell of a big export
        text = value
    elif value is None or isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    else:
        text = str(value)
    if not text:
        return text
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT]
    if text[:1] in FORMULA_FIRST:
        return LiteralText(text)
    return text


def local_naive(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """An instant as the wall-clock time of `zone`, without tzinfo (spreadsheets have no time zones);
    cut to whole seconds."""
    if value is None:
        return None
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


class LocalTimes:
    """UTC instants to naive wall-clock datetimes of `zone`, for many values quickly.

    Takes aware datetimes, naive UTC datetimes, or SQLite's stored UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]"
    (a column selected without its type processing). The zone's offset changes are found once per year
    (a day-by-day scan, refined to the quarter hour on the days it changes) and kept as UTC texts, so the
    offset of a stored text is one binary search over a handful of strings: no datetime arithmetic per
    value besides adding the offset.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._first_year = self._last_year = 0
        self._keys: list[str] = []
        self._offsets: list[timedelta] = []

    def _utcoffset(self, utc: datetime) -> timedelta:
        return utc.replace(tzinfo=UTC).astimezone(self.zone).utcoffset() or timedelta(0)

    def _cover(self, year: int) -> None:
        first = min(year, self._first_year) if self._keys else year
        last = max(year, self._last_year) if self._keys else year
        start = datetime(first, 1, 1)
        keys, offsets = [start.strftime("%Y-%m-%d %H:%M:%S")], [self._utcoffset(start)]
        day = start
        end = datetime(last + 1, 1, 1)
        while day < end:
            following = day + timedelta(days=1)
            if self._utcoffset(following) != offsets[-1]:
                moment = day
                while moment < following:  # the change happens on this day: find its quarter hour
                    moment += timedelta(minutes=15)
                    offset = self._utcoffset(moment)
                    if offset != offsets[-1]:
                        keys.append(moment.strftime("%Y-%m-%d %H:%M:%S"))
                        offsets.append(offset)
            day = following
        self._keys, self._offsets = keys, offsets
        self._first_year, self._last_year = first, last

    def column(self, values: Sequence[datetime | str | None]) -> list[datetime | None]:
        """`self(value)` for a whole column; stored texts take an inlined fast path."""
        texts = [v for v in values if type(v) is str]
        if texts:
            for year in {int(min(texts)[:4]), int(max(texts)[:4])}:
                if not self._first_year <= year <= self._last_year:
                    self._cover(year)
        keys, offsets, parse, find = self._keys, self._offsets, datetime.fromisoformat, bisect.bisect_right
        return [
            None
            if v is None
            else parse(v[:19]) + offsets[find(keys, v) - 1]
            if type(v) is str and len(v) >= 19 and v[10] == " " and v[19:20] in ("", ".")
            else self(v)
            for v in values
        ]

    def __call__(self, value: datetime | str | None) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str) and len(value) >= 19 and value[10] == " " and value[19:20] in ("", "."):
            year = int(value[:4])
            if not self._first_year <= year <= self._last_year:
                self._cover(year)
            offset = self._offsets[bisect.bisect_right(self._keys, value) - 1]
            return datetime.fromisoformat(value[:19]) + offset
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        utc = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return utc.replace(microsecond=0) + self._utcoffset(utc)


def csv_text(value: CellValue) -> str:
    """A cell value as CSV text: formula-looking text behind an apostrophe, dates in ISO form, numbers
    with a dot."""
    if value is None:
        return ""
    if isinstance(value, LiteralText):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` in one step, on any error
    (a cancel included) it is removed, so a half-written file never appears under the real name."""
    path = Path(path)
    if not path.parent.exists():
        raise UserError(f"The folder {path.parent} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix + ".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
