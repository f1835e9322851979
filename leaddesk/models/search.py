"""Full-text search over leads: SQLite FTS5 or a PostgreSQL GIN index, same semantics.

Both index the same text, fold case and the common Latin accents, split on punctuation (so the parts of
an email address are words) and match every word of the query as a prefix. Phone numbers are indexed
with and without their first digits, so a local number typed without the country code is found too.
The DDL lives here so the migration and the queries always agree on the indexed expression.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Connection, literal_column, select, text
from sqlalchemy.sql.elements import TextClause

from leaddesk.models.lead import Lead

SEARCH_COLUMNS = ("first_name", "last_name", "email", "company", "phone", "city")

_ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿñç"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuyync"
_WORD = re.compile(r"\w+", re.UNICODE)

#: Above this many text matches, walking the sort index beats sorting the matches (SQLite).
BROAD_SEARCH = 5_000


def _phone_variants(column: str) -> str:
    """'+393331234567' → '393331234567 93331234567 3331234567 331234567' (country codes of 1–3 digits)."""
    return " || ' ' || ".join(f"coalesce(substr({column}, {k}), '')" for k in (2, 3, 4, 5))


def _values(prefix: str) -> str:
    return ", ".join(
        _phone_variants(f"{prefix}.{c}") if c == "phone" else f"{prefix}.{c}" for c in SEARCH_COLUMNS
    )


# --- SQLite: a contentless FTS5 table kept by triggers (the phone variants are computed values) --------

_cols = ", ".join(SEARCH_COLUMNS)
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE leads_fts USING fts5({_cols}, content='', "
    "tokenize='unicode61 remove_diacritics 2', detail=none, columnsize=0, prefix='2 3')",
    f"CREATE TRIGGER leads_fts_ai AFTER INSERT ON leads BEGIN "
    f"INSERT INTO leads_fts(rowid, {_cols}) VALUES (new.id, {_values('new')}); END",
    f"CREATE TRIGGER leads_fts_ad AFTER DELETE ON leads BEGIN "
    f"INSERT INTO leads_fts(leads_fts, rowid, {_cols}) VALUES ('delete', old.id, {_values('old')}); END",
    f"CREATE TRIGGER leads_fts_au AFTER UPDATE OF {_cols} ON leads BEGIN "
    f"INSERT INTO leads_fts(leads_fts, rowid, {_cols}) VALUES ('delete', old.id, {_values('old')}); "
    f"INSERT INTO leads_fts(rowid, {_cols}) VALUES (new.id, {_values('new')}); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS leads_fts_au",
    "DROP TRIGGER IF EXISTS leads_fts_ad",
    "DROP TRIGGER IF EXISTS leads_fts_ai",
    "DROP TABLE IF EXISTS leads_fts",
)
SQLITE_FILL = f"INSERT INTO leads_fts(rowid, {_cols}) SELECT leads.id, {_values('leads')} FROM leads"


# --- PostgreSQL: a GIN index on an expression ---------------------------------------------------------


def _pg_document(prefix: str = "") -> str:
    """The indexed document; every function in it is IMMUTABLE, as an index expression must be.

    Queries qualify the columns (`leads.`) because they join other tables; PostgreSQL still matches the
    expression to the index, which resolves the same columns.
    """
    parts = [
        _phone_variants(f"{prefix}{c}") if c == "phone" else f"coalesce({prefix}{c}, '')"
        for c in SEARCH_COLUMNS
    ]
    concat = " || ' ' || ".join(parts)
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
    """Re-derive the index from the table: after bulk loads that bypassed the triggers, and after an
    erasure (so no token of the erased person survives in old index segments)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO leads_fts(leads_fts) VALUES ('delete-all')")
        conn.exec_driver_sql(SQLITE_FILL)
        conn.exec_driver_sql("INSERT INTO leads_fts(leads_fts) VALUES ('optimize')")
    else:
        conn.exec_driver_sql("REINDEX INDEX ix_leads_search")


def query_words(query: str) -> list[str]:
    """The words of a search; a number typed in groups ('333 123 4567', '+39 333…') is one word."""
    folded = query.lower().translate(str.maketrans(_ACCENTED, _PLAIN))
    words = _WORD.findall(folded)
    if len(words) > 1 and all(w.isdigit() for w in words):
        return ["".join(words)]
    return words


def sqlite_match_expression(query: str) -> str | None:
    words = query_words(query)
    return " AND ".join(f'"{w}"*' for w in words) if words else None


def text_search_condition(
    dialect: str, query: str, *, broad: bool = False
) -> ColumnElement[bool] | TextClause | None:
    """A WHERE condition matching leads whose indexed text has every word of `query` as a prefix.

    `broad` (SQLite): the search matches many leads, so let the query walk the sort order's index and
    test membership, instead of sorting every match.
    """
    words = query_words(query)
    if not words:
        return None
    if dialect == "sqlite":
        ids = (
            select(literal_column("rowid"))
            .select_from(text("leads_fts"))
            .where(text("leads_fts MATCH :fts_query").bindparams(fts_query=sqlite_match_expression(query)))
        )
        # The unary plus keeps SQLite from driving the query by the id list.
        column = literal_column("+leads.id") if broad else Lead.id
        return column.in_(ids)
    tsquery = " & ".join(f"{w}:*" for w in words)
    return text(f"{_pg_document('leads.')} @@ to_tsquery('simple', :ts_query)").bindparams(ts_query=tsquery)


def count_text_matches(conn: Connection, query: str) -> int | None:
    """How many leads the text matches, from the search index alone (SQLite; None elsewhere)."""
    if conn.dialect.name != "sqlite":
        return None
    match = sqlite_match_expression(query)
    if match is None:
        return None
    return int(
        conn.exec_driver_sql("SELECT count(*) FROM leads_fts WHERE leads_fts MATCH ?", (match,)).scalar() or 0
    )
