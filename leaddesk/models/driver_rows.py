"""Values handed straight to the SQLite driver, for bulk writes.

Building SQLAlchemy's parameters for each row of an executemany costs more than SQLite's own work on a
bulk insert or update; the bulk writers therefore pass plain tuples, with each value already in the form
the column type's bind processor gives it (what SQLAlchemy itself would send).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Dialect, Table


def to_driver_columns(dialect: Dialect, table: Table, keys: Sequence[str], columns: list[list[Any]]) -> None:
    """Convert, in place, each of `columns` (the values of `table.c[keys[i]]`, one list per column) through
    its column type's bind processor. None stays None; a value repeated as the same object (an import's
    shared timestamp, say) is converted once."""
    for key, column in zip(keys, columns, strict=True):
        convert = table.c[key].type._cached_bind_processor(dialect)
        if convert is None:
            continue
        last_in: Any = object()
        last_out: Any = None
        for i, value in enumerate(column):
            if value is None:
                continue
            if value is not last_in:
                last_in, last_out = value, convert(value)
            column[i] = last_out
