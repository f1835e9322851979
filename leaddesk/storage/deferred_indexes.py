"""A table's secondary indexes set aside while a bulk write loads it, and built again at its end (SQLite).

Each row inserted into a table with many indexes is inserted into each index as well, at a place of its
own in each b-tree. For a load that is large against the table, sorting the whole table once per index
(CREATE INDEX) costs less. Measured importing a sheet of 1,048,575 different people into an empty
database, in interleaved runs: 160–190 s with the leads' 20 indexes that the import does not read kept
up row by row, 148–154 s with them set aside and built at the end (14 s of it the building); the app
process's own processor time fell from 151–161 s to 114–118 s (on 2 cores the preparation workers take
the time freed; with more cores, where they do not, the import should gain up to that much).

Everything happens inside the caller's write transaction: the DROP and CREATE statements are part of it,
so a rollback (Cancel, an error, a crash) puts the indexes back as they were, and other connections (WAL
readers) go on seeing the committed schema with its indexes meanwhile. That needs a transaction begun
with BEGIN, as the app's engines do: pysqlite opens its implicit transactions for DML only, so a DROP
INDEX before any DML would run outside of one. SQLite drops an index's planner statistics
(`sqlite_stat1`) with it; they are written back when it is built again, and loaded again at once.

PostgreSQL is left alone: there DROP INDEX locks the whole table against every reader until the
transaction ends, which on a team server would stop everyone's work for the length of the import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import Connection

__all__ = ["SORT_CACHE_KIB", "SetAside", "build_again", "count_rows", "set_aside"]

#: The page cache while CREATE INDEX runs: it is also the size of the runs SQLite's sorter sorts in
#: memory before merging them (temporary files). Smaller runs sorted faster here: rebuilding the leads'
#: indexes over 1,048,575 rows took 19.6 s with 4 MB against 22.1 s with 192 MB (see also
#: `benchmarks/big_db.py`).
SORT_CACHE_KIB = 4_000
#: Helper threads SQLite's sorter may use while the indexes are built (the import's other work is done by
#: then, so the other cores are free): over 1,048,575 leads, 18.4–18.5 s without, 15.0–15.5 s with 2 on
#: this 2-core machine.
SORT_THREADS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class SetAside:
    """Indexes dropped from `table`: (name, CREATE INDEX statement), and their statistics rows."""

    table: str
    indexes: tuple[tuple[str, str], ...]
    statistics: tuple[tuple[str, str], ...]


def count_rows(conn: Connection, table: str) -> int:
    return int(conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one())


def set_aside(conn: Connection, table: str, keep: Collection[str]) -> SetAside:
    """Drop the indexes of `table` (in the caller's transaction) except those named in `keep`, unique
    ones (their rule must hold while rows go in) and those SQLite makes itself (keys; no statement).

    The caller reads through the `keep` indexes meanwhile: if one of them does not exist (the schema
    changed), nothing is set aside, or those reads would scan the whole table."""
    if conn.dialect.name != "sqlite":
        raise ValueError("Indexes are only set aside on SQLite.")
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name", (table,)
    ).all()
    if not set(keep) <= {name for name, _sql in found}:
        return SetAside(table, (), ())
    indexes = tuple(
        (str(name), str(sql))
        for name, sql in found
        if sql is not None and name not in keep and not str(sql).upper().startswith("CREATE UNIQUE")
    )
    statistics: tuple[tuple[str, str], ...] = ()
    if indexes and conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        names = {name for name, _sql in indexes}
        statistics = tuple(
            (str(idx), str(stat))
            for idx, stat in conn.exec_driver_sql(
                "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = ?", (table,)
            )
            if idx in names
        )
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return SetAside(table, indexes, statistics)


def build_again(conn: Connection, aside: SetAside, *, step: Callable[[int, int], None] | None = None) -> None:
    """Create the set-aside indexes again with their own statements and write back their statistics.
    `step(done, total)` is called before the first index and after each one (it may raise to stop: the
    caller's transaction then rolls everything back)."""
    total = len(aside.indexes)
    if step is not None:
        step(0, total)
    cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    threads = int(conn.exec_driver_sql("PRAGMA threads").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
    conn.exec_driver_sql(f"PRAGMA threads = {SORT_THREADS}")
    try:
        for done, (_name, sql) in enumerate(aside.indexes, start=1):
            conn.exec_driver_sql(sql)
            if step is not None:
                step(done, total)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {cache_size}")
        conn.exec_driver_sql(f"PRAGMA threads = {threads}")
    if aside.statistics:
        conn.exec_driver_sql(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
            [(aside.table, idx, stat) for idx, stat in aside.statistics],
        )
        # This connection loads statistics only with the schema or an ANALYZE: without this it would
        # plan with default guesses for these indexes (others reload the schema after the commit).
        # ANALYZE of the schema table itself reloads them and writes nothing.
        conn.exec_driver_sql("ANALYZE sqlite_master")
