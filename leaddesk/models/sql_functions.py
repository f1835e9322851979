"""SQL functions that each database spells differently, compiled per dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement[float]):
    """Seconds since 1970 of a UTC timestamp column, as a float with microseconds.

    Bulk figures read instants this way: it skips building a datetime per value.
    """

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds, plus the fraction read as a number.
    arg = compiler.process(element.clauses, **kw)
    return f"(CAST(strftime('%s', {arg}) AS REAL) + coalesce(CAST(substr({arg}, 20) AS REAL), 0.0))"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(extract(epoch FROM {arg}) AS double precision)"
