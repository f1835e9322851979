"""SQL for the SLA's bulk reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, func, null, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from leaddesk.models import Lead
from leaddesk.models.sql_functions import epoch_seconds

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


class _list(FunctionElement[str]):
    """SQLite only: one text of every row's value, in the row order of the statement's other aggregates
    (group_concat leaves NULLs out, so each value stands for one row, a NULL as `_NONE` or '')."""

    type = String()
    inherit_cache = True


class _instant_list(_list):
    """An instant's stored text (`_NO_INSTANT`: none), each as wide as the form LeadDesk stores."""

    inherit_cache = True
    name = "instant_list"


class _number_list(_list):
    inherit_cache = True
    name = "number_list"


class _text_list(_list):
    inherit_cache = True
    name = "text_list"


#: Stands for NULL in a list of whole numbers (far outside any row id).
_NONE = -(2**62)
#: Stands for NULL in a list of instants: the width of a stored one (`UTCDateTime` on SQLite writes
#: 'YYYY-MM-DD HH:MM:SS.ffffff'), and month 00 is no date.
_NO_INSTANT = "0000-00-00 00:00:00.000000"
#: Separates the texts of a list (the ASCII unit separator: typed by nobody).
_UNIT = "\x1f"


@compiles(_instant_list, "sqlite")
def _instant_list_sqlite(element: _list, compiler: Any, **kw: Any) -> str:
    return f"group_concat(coalesce({compiler.process(element.clauses, **kw)}, '{_NO_INSTANT}'), ',')"


@compiles(_number_list, "sqlite")
def _number_list_sqlite(element: _list, compiler: Any, **kw: Any) -> str:
    return f"group_concat(coalesce({compiler.process(element.clauses, **kw)}, {_NONE}), ',')"


@compiles(_text_list, "sqlite")
def _text_list_sqlite(element: _list, compiler: Any, **kw: Any) -> str:
    return f"group_concat(coalesce({compiler.process(element.clauses, **kw)}, ''), char({ord(_UNIT)}))"


#: The instants of a handoff, in the order of `HandoffRead.instants`.
INSTANTS = (
    Lead.handed_off_at,
    Lead.accepted_at,
    Lead.rejected_at,
    Lead.first_contact_at,
    Lead.accept_due_at,
    Lead.contact_due_at,
    Lead.paused_until,
)


@dataclass(frozen=True, slots=True)
class HandoffRead:
    """A period's handoffs as columns (index i of each is the same handoff)."""

    #: The lead ids, when asked for.
    ids: Sequence[int] | None
    #: Campaign and sales owner ids (-1: none).
    campaign_ids: npt.NDArray[np.int64]
    owner_ids: npt.NDArray[np.int64]
    reject_reasons: Sequence[str | None]
    #: The `INSTANTS` as epoch seconds (NaN: none), one row each.
    instants: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.campaign_ids)


def read_handoffs(s: Session, conds: Sequence[ColumnElement[bool]], *, with_ids: bool) -> HandoffRead:
    """The handoffs that match `conds`, read from the covering period index (`ix_leads_sla_period`).

    On SQLite each column comes as one text built by the database (a single step of the statement, during
    which other threads run Python: with a row per handoff, the reading thread would wait for the GIL at
    every row while the dashboard's other worker builds charts); elsewhere, rows as usual. The values are
    the same either way: the instants are the sums `epoch_seconds` computes, added here in floating
    point as SQLite adds them."""
    if s.get_bind().dialect.name == "sqlite":
        found = _read_sqlite(s, conds, with_ids=with_ids)
        if found is not None:
            return found
    return _read_rows(s, conds, with_ids=with_ids)


def _read_sqlite(s: Session, conds: Sequence[ColumnElement[bool]], *, with_ids: bool) -> HandoffRead | None:
    import numpy as np

    columns: list[Any] = [func.count(), *(_instant_list(instant) for instant in INSTANTS)]
    columns += [
        _number_list(Lead.campaign_id),
        _number_list(Lead.sales_owner_id),
        _text_list(Lead.reject_reason),
        _number_list(Lead.id) if with_ids else null(),
    ]
    row = s.connection().execute(select(*columns).where(*conds)).one()
    n = int(row[0])
    if n == 0:
        return _empty(with_ids)

    def whole_numbers(text: str) -> npt.NDArray[np.int64]:
        return np.fromstring(text, dtype=np.int64, sep=",")

    instants = np.empty((len(INSTANTS), n))
    for i in range(len(INSTANTS)):
        parsed = epoch_seconds_of_stored(row[1 + i], n)
        if parsed is None:
            return None
        instants[i] = parsed
    first = 1 + len(INSTANTS)
    campaigns, owners = whole_numbers(row[first]), whole_numbers(row[first + 1])
    campaigns[campaigns == _NONE] = -1
    owners[owners == _NONE] = -1
    reasons: list[str | None] = [r or None for r in row[first + 2].split(_UNIT)]
    ids = whole_numbers(row[first + 3]).tolist() if with_ids else None
    if any(len(c) != n for c in (campaigns, owners, reasons, *([ids] if ids is not None else []))):
        return None  # a reason holding the separator
    return HandoffRead(ids, campaigns, owners, reasons, instants)


#: Where the digits and the separators of a stored instant (and the list's comma after it) are.
_FORM = _NO_INSTANT + ","
_DIGITS = [i for i, c in enumerate(_FORM) if c == "0"]
_SEPARATORS = [i for i, c in enumerate(_FORM) if c != "0"]


def epoch_seconds_of_stored(text: str, n: int) -> npt.NDArray[np.float64] | None:
    """The `n` instants of an `_instant_list` as seconds since 1970 (NaN: none), parsed in bulk.

    The same doubles `epoch_seconds` gives (the whole seconds of the text before its fraction, plus the
    fraction read as a number), which for a stored 'YYYY-MM-DD HH:MM:SS.ffffff' are the date's days since
    1970 (the civil calendar's formula, linear in the day as SQLite's is) times 86,400 plus the time of
    day, plus the microseconds / 10⁶. Parsing a fixed-width text with array arithmetic costs a few
    milliseconds where SQLite's date functions over tens of thousands of handoffs took a hundred. None
    unless every value has exactly the stored form, with a date SQLite reads the same way (from 1970,
    month 1–12, day 1–31, time up to 23:59:59): then the rows are read instead.
    """
    import numpy as np

    width = len(_FORM)
    if len(text) == n * width - 1 and text.count(_NO_INSTANT) == n:  # none (most handoffs have no pause)
        return np.full(n, np.nan)
    data = text.encode()
    if len(data) != n * width - 1:
        return None
    grid = np.frombuffer(data + b",", dtype=np.uint8).reshape(n, width)
    if (grid[:, _SEPARATORS] != np.frombuffer(_FORM.encode(), dtype=np.uint8)[_SEPARATORS]).any():
        return None
    digits = grid[:, _DIGITS] - np.uint8(ord("0"))  # a byte below '0' wraps round to above 9
    if (digits > 9).any():
        return None
    digits = digits.astype(np.int32)

    def number(first: int, count: int) -> npt.NDArray[np.int32]:
        value = digits[:, first]
        for k in range(first + 1, first + count):
            value = value * 10 + digits[:, k]
        return value

    year, month, day = number(0, 4), number(4, 2), number(6, 2)
    hour, minute, second, micro = number(8, 2), number(10, 2), number(12, 2), number(14, 6)
    none = month == 0
    some = ~none
    if (
        digits[none].any()
        or (year[some] < 1970).any()
        or (month > 12).any()
        or ((day < some) | (day > 31)).any()  # day 0 only in a none
        or ((hour > 23) | (minute > 59) | (second > 59)).any()
    ):
        return None
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = (era * 146_097 + day_of_era - 719_468).astype(np.int64)
    whole = days * 86_400 + hour * 3_600 + minute * 60 + second
    seconds = whole + micro / 1e6
    seconds[none] = np.nan
    return seconds  # type: ignore[no-any-return]


def _read_rows(s: Session, conds: Sequence[ColumnElement[bool]], *, with_ids: bool) -> HandoffRead:
    import numpy as np

    # Through the Core connection (no ORM row processing), plain tuples straight from the driver.
    result = s.connection().execute(
        select(
            Lead.id if with_ids else null(),
            Lead.campaign_id,
            Lead.sales_owner_id,
            Lead.reject_reason,
            *(epoch_seconds(instant) for instant in INSTANTS),
        ).where(*conds)
    )
    try:
        rows: list[tuple[Any, ...]] = list(result.cursor.fetchall())
    finally:
        result.close()
    if not rows:
        return _empty(with_ids)
    ids, campaigns, owners, reasons, *instants = zip(*rows, strict=True)

    def keys(values: Sequence[int | None]) -> npt.NDArray[np.int64]:
        return np.array([-1 if v is None else v for v in values], dtype=np.int64)

    return HandoffRead(
        list(ids) if with_ids else None,
        keys(campaigns),
        keys(owners),
        list(reasons),
        np.array(instants, dtype=np.float64),
    )


def _empty(with_ids: bool) -> HandoffRead:
    import numpy as np

    none = np.zeros(0, dtype=np.int64)
    return HandoffRead([] if with_ids else None, none, none.copy(), [], np.zeros((len(INSTANTS), 0)))
