"""SQLite's query-planner statistics (`ANALYZE`), refreshed when a table has grown.

Without statistics SQLite guesses how many rows an index lookup finds, and on a million leads it guesses
wrong for the leads table's filters: for "stage = handed_off, newest first" it reads the 25,000 leads of
that stage through the stage index and sorts them (127 ms), where walking the date index and keeping the
matching rows takes 30 ms; for a sales owner's leads 76 ms against 21 ms. `ANALYZE` records how each
index's values spread, and the planner then picks the cheaper plan.

A table is analysed when it has at least `MIN_ROWS` rows and either has no statistics yet or has grown to
`GROWTH` times the rows it had when it was last analysed (so a database that grows from 1,000 to 1,000,000
leads is analysed about ten times in its life, each time for about as long as the previous ones together).
The day's first backup also analyses every such table, for what changed without growing (leads that
moved on from the stage they were imported in, owners given to leads that had none).
Its size is first read as `max(rowid)`, which costs one seek and is never less than the row count; only
when that says the table has grown are its rows counted (an undone import leaves its ids unused).

Each table is analysed in one write transaction (about 2 s for a million leads, on a background thread;
closing the app interrupts it and rolls it back), so the planner never sees half of a table's new
statistics. SQLite loads statistics when it reads the schema, so the same transaction also creates and
drops an empty table: that changes the schema version, and every open connection reloads the schema, and
with it the new statistics, before its next statement.
PostgreSQL keeps its own statistics (autovacuum's ANALYZE); there this module does nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: Tables below this many rows are left without statistics: every plan over them is fast.
MIN_ROWS = 1_000
#: A table is analysed again once it holds this many times the rows it had at its last analysis.
GROWTH = 2.0
#: Created and dropped in the analysing transaction, only to change the schema version (see above).
_RELOAD_TABLE = "leaddesk_statistics_reload"
#: How often (in SQLite virtual-machine steps, well under a millisecond) a running analysis asks `stop`.
_STOP_CHECK_STEPS = 100_000


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def analysed_rows(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows each table had when it was last analysed: the largest count its indexes' statistics give
    (the first number of `sqlite_stat1.stat`; every LeadDesk table has an index over all its rows)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        return {}
    rows: dict[str, int] = {}
    for table, stat in conn.execute("SELECT tbl, stat FROM sqlite_stat1"):
        try:
            count = int(str(stat).split()[0])
        except (ValueError, IndexError):
            continue
        rows[table] = max(rows.get(table, 0), count)
    return rows


def stale_tables(conn: sqlite3.Connection, *, every_table: bool = False) -> list[str]:
    """The tables (with indexes) whose statistics are missing or out of date, as described above; with
    `every_table`, each one with at least `MIN_ROWS` rows (the daily refresh)."""
    analysed = analysed_rows(conn)
    stale = []
    tables = conn.execute(
        "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name NOT LIKE 'sqlite_%' "
        "ORDER BY tbl_name"
    ).fetchall()
    for (table,) in tables:
        quoted = _quoted(table)
        try:
            size = conn.execute(f"SELECT max(rowid) FROM {quoted}").fetchone()[0] or 0
        except sqlite3.OperationalError:  # a table without rowid (none of LeadDesk's)
            size = None
        before = None if every_table else analysed.get(table)
        if size is not None and size < max(MIN_ROWS, GROWTH * before if before else 0):
            continue  # the highest id is an upper bound of the row count
        # Rows may have been deleted (an import undone): count them before analysing again, or such a
        # table would look grown at every refresh.
        size = conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
        if size >= MIN_ROWS and (before is None or size >= GROWTH * max(before, 1)):
            stale.append(table)
    return stale


def analyse(conn: sqlite3.Connection, table: str) -> None:
    """`ANALYZE table` in one write transaction that also makes every connection reload the statistics."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"ANALYZE {_quoted(table)}")
        conn.execute(f"CREATE TABLE {_RELOAD_TABLE} (x)")
        conn.execute(f"DROP TABLE {_RELOAD_TABLE}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # (SQLite has already rolled back after an interrupt or a full disk)
            conn.execute("ROLLBACK")
        raise


def refresh_statistics(
    engine: Engine, *, stop: Callable[[], bool] = lambda: False, every_table: bool = False
) -> list[str]:
    """Analyse the stale tables of the SQLite database behind `engine`, one transaction each; the tables
    analysed. `stop()` (the app is closing) is asked as the analysis runs: a table under way is then
    rolled back and the rest left for next time. Failures are logged, not raised: the statistics only make
    queries faster, and the next refresh tries again."""
    if engine.dialect.name != "sqlite":
        return []
    done: list[str] = []
    try:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            if raw is None:
                return done
            # A non-zero answer interrupts the running statement (checked every so many VM steps).
            raw.set_progress_handler(lambda: 1 if stop() else 0, _STOP_CHECK_STEPS)  # type: ignore[attr-defined]
            try:
                for table in stale_tables(raw, every_table=every_table):  # type: ignore[arg-type]
                    if stop():
                        break
                    analyse(raw, table)  # type: ignore[arg-type]
                    done.append(table)
            finally:
                raw.set_progress_handler(None, 0)  # type: ignore[attr-defined]
    except Exception:
        if not stop():
            log.warning("could not refresh the query planner's statistics", exc_info=True)
    return done
