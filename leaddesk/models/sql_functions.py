"""SQL functions that each database spells differently, compiled per dialect."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: SQLite's `unixepoch()` (3.38+) reads a timestamp about twice as fast as `strftime('%s', …)`.
_HAS_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


def sqlite_whole_seconds(arg: str) -> str:
    """SQLite: the whole seconds since 1970 of a stored UTC timestamp (NULL for none), the fastest way
    this SQLite allows."""
    return f"unixepoch({arg})" if _HAS_UNIXEPOCH else f"CAST(strftime('%s', {arg}) AS REAL)"


class epoch_seconds(FunctionElement[float]):
    """Seconds since 1970 of a UTC timestamp column, as a float with microseconds.

    Bulk figures read instants this way: it skips building a datetime per value (the SLA period figures
    read seven instants of each of tens of thousands of handoffs).
    """

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds, plus the fraction read as a number. The
    # whole seconds are those of the text before the fraction: SQLite's date functions round to the
    # millisecond, so a time at .9995 s or later would count its second twice.
    arg = compiler.process(element.clauses, **kw)
    return (
        f"({sqlite_whole_seconds(f'substr({arg}, 1, 19)')} + coalesce(CAST(substr({arg}, 20) AS REAL), 0.0))"
    )


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(extract(epoch FROM {arg}) AS double precision)"
