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
from leaddesk.models.sql_functions import epoch_seconds, sqlite_whole_seconds

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


class _list(FunctionElement[str]):
    """SQLite only: one text of every row's value, in the row order of the statement's other aggregates
    (group_concat leaves NULLs out, so each value stands for one row, a NULL as `_NONE` or '')."""

    type = String()
    inherit_cache = True


class _whole_seconds_list(_list):
    """The whole seconds since 1970 of an instant (`_NONE`: none, or not a time)."""

    inherit_cache = True
    name = "whole_seconds_list"


class _fraction_list(_list):
    """What an instant's text holds after its whole seconds: '.ffffff', or '' (or, written by hand,
    anything: then the rows are read instead)."""

    inherit_cache = True
    name = "fraction_list"


class _number_list(_list):
    inherit_cache = True
    name = "number_list"


class _text_list(_list):
    inherit_cache = True
    name = "text_list"


#: Stands for NULL in a list of whole numbers (far outside any time SQLite reads, and any row id).
_NONE = -(2**62)
#: Separates the texts of a list (the ASCII unit separator: typed by nobody).
_UNIT = "\x1f"


@compiles(_whole_seconds_list, "sqlite")
def _whole_seconds_list_sqlite(element: _list, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"group_concat(coalesce({sqlite_whole_seconds(arg, 'INTEGER')}, {_NONE}), ',')"


@compiles(_fraction_list, "sqlite")
def _fraction_list_sqlite(element: _list, compiler: Any, **kw: Any) -> str:
    return f"group_concat(coalesce(substr({compiler.process(element.clauses, **kw)}, 20), ''), ',')"


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

    columns: list[Any] = [func.count()]
    for instant in INSTANTS:
        columns += [_whole_seconds_list(instant), _fraction_list(instant)]
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
        whole, fraction = whole_numbers(row[1 + 2 * i]), _fractions(row[2 + 2 * i], n)
        if fraction is None or len(whole) != n:
            return None
        # As `epoch_seconds` adds them (exactly the same double for a fraction of up to 6 digits).
        instants[i] = whole + fraction
        instants[i][whole == _NONE] = np.nan
    campaigns, owners = whole_numbers(row[15]), whole_numbers(row[16])
    campaigns[campaigns == _NONE] = -1
    owners[owners == _NONE] = -1
    reasons: list[str | None] = [r or None for r in row[17].split(_UNIT)]
    ids = whole_numbers(row[18]).tolist() if with_ids else None
    if any(len(c) != n for c in (campaigns, owners, reasons, *([ids] if ids is not None else []))):
        return None  # a reason holding the separator
    return HandoffRead(ids, campaigns, owners, reasons, instants)


def _fractions(text: str, n: int) -> npt.NDArray[np.float64] | None:
    """The fractions of seconds of a `_fraction_list`: zeros when all are ('.000000' or ''); None when
    some is not a plain decimal fraction."""
    import numpy as np

    if _only(text, "0.,"):
        return np.zeros(n)
    if not _only(text, "0123456789.,"):
        return None
    try:  # a decimal fraction each, as SQLite reads them ('.5' is 0.5)
        return np.array([p or "0" for p in text.split(",")], dtype=np.float64)
    except ValueError:  # '.' or '.1.2': only SQLite knows what it makes of them
        return None


def _only(text: str, chars: str) -> bool:
    """Whether `text` is made of `chars` only (a count per character: a pass in C each)."""
    return sum(text.count(c) for c in chars) == len(text)


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
