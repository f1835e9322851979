"""Full-text search over leads: SQLite FTS5 or a PostgreSQL GIN index, same semantics.

Both index the same columns, fold case and the common Latin accents, split on punctuation (so the parts
of an email address are words) and match every word of the query as a prefix. The DDL lives here so the
migration and the query always agree on the indexed expression.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Connection, false, literal_column, or_, select, text
from sqlalchemy.sql.elements import TextClause

from leaddesk.models.lead import Lead

SEARCH_COLUMNS = ("first_name", "last_name", "email", "company", "phone", "city")

_ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿñç"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuyync"

_WORD = re.compile(r"\w+", re.UNICODE)

# --- SQLite -----------------------------------------------------------------------------------------

_cols = ", ".join(SEARCH_COLUMNS)
_new = ", ".join(f"new.{c}" for c in SEARCH_COLUMNS)
_old = ", ".join(f"old.{c}" for c in SEARCH_COLUMNS)

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE leads_fts USING fts5({_cols}, content='leads', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER leads_fts_ai AFTER INSERT ON leads BEGIN "
    f"INSERT INTO leads_fts(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"CREATE TRIGGER leads_fts_ad AFTER DELETE ON leads BEGIN "
    f"INSERT INTO leads_fts(leads_fts, rowid, {_cols}) VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER leads_fts_au AFTER UPDATE OF {_cols} ON leads BEGIN "
    f"INSERT INTO leads_fts(leads_fts, rowid, {_cols}) VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO leads_fts(rowid, {_cols}) VALUES (new.id, {_new}); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS leads_fts_au",
    "DROP TRIGGER IF EXISTS leads_fts_ad",
    "DROP TRIGGER IF EXISTS leads_fts_ai",
    "DROP TABLE IF EXISTS leads_fts",
)

# --- PostgreSQL -------------------------------------------------------------------------------------


def _pg_document(prefix: str = "") -> str:
    """The indexed document; every function in it is IMMUTABLE, as an index expression must be.

    Queries qualify the columns (`leads.`) because they join other tables; PostgreSQL still matches the
    expression to the index, which resolves the same columns.
    """
    concat = " || ' ' || ".join(f"coalesce({prefix}{c}, '')" for c in SEARCH_COLUMNS)
    return (
        "to_tsvector('simple'::regconfig, regexp_replace(translate(lower("
        f"{concat}), '{_ACCENTED}', '{_PLAIN}'), '[^[:alnum:]]+', ' ', 'g'))"
    )


PG_DDL = (f"CREATE INDEX ix_leads_search ON leads USING gin (({_pg_document()}))",)
PG_DROP = ("DROP INDEX IF EXISTS ix_leads_search",)


def create_search_index(conn: Connection) -> None:
    for statement in SQLITE_DDL if conn.dialect.name == "sqlite" else PG_DDL:
        conn.exec_driver_sql(statement)


def drop_search_index(conn: Connection) -> None:
    for statement in SQLITE_DROP if conn.dialect.name == "sqlite" else PG_DROP:
        conn.exec_driver_sql(statement)


def rebuild_search_index(conn: Connection) -> None:
    """Re-derive the index from the table (after bulk loads that bypassed the triggers)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO leads_fts(leads_fts) VALUES ('rebuild')")


def query_words(query: str) -> list[str]:
    folded = query.lower().translate(str.maketrans(_ACCENTED, _PLAIN))
    return _WORD.findall(folded)


def text_search_condition(dialect: str, query: str) -> ColumnElement[bool] | TextClause | None:
    """A WHERE condition matching leads whose indexed text has every word of `query` as a prefix.

    Returns None for a query with no words. Digits also match inside the phone number, since people
    type local numbers without the country code.
    """
    words = query_words(query)
    if not words:
        return None
    if dialect == "sqlite":
        match = " AND ".join(f'"{w}"*' for w in words)
        ids = (
            select(literal_column("rowid"))
            .select_from(text("leads_fts"))
            .where(text("leads_fts MATCH :fts_query").bindparams(fts_query=match))
        )
        condition: ColumnElement[bool] = Lead.id.in_(ids)
    else:
        tsquery = " & ".join(f"{w}:*" for w in words)
        condition = text(f"{_pg_document('leads.')} @@ to_tsquery('simple', :ts_query)").bindparams(  # type: ignore[assignment]
            ts_query=tsquery
        )
    digits = "".join(words) if all(w.isdigit() for w in words) else ""
    if len(digits) >= 4:
        condition = or_(condition, Lead.phone.contains(digits, autoescape=True))
    return condition if condition is not None else false()
