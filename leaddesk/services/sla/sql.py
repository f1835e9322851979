"""SQL for the SLA's bulk reads."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: SQLite's `unixepoch()` (3.38+) reads a timestamp about twice as fast as `strftime('%s', …)`.
_HAS_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


class fast_epoch_seconds(FunctionElement[float]):
    """`leaddesk.models.sql_functions.epoch_seconds` (seconds since 1970 of a stored UTC timestamp, with
    its microseconds), spelled the fastest way the database allows: the period figures read seven instants
    of each of tens of thousands of handoffs."""

    type = Float()
    inherit_cache = True
    name = "fast_epoch_seconds"


@compiles(fast_epoch_seconds, "sqlite")
def _fast_epoch_sqlite(element: fast_epoch_seconds, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds, plus the fraction read as a number.
    whole = f"unixepoch({arg})" if _HAS_UNIXEPOCH else f"CAST(strftime('%s', {arg}) AS REAL)"
    return f"({whole} + coalesce(CAST(substr({arg}, 20) AS REAL), 0.0))"


@compiles(fast_epoch_seconds)
def _fast_epoch_default(element: fast_epoch_seconds, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(extract(epoch FROM {arg}) AS double precision)"
