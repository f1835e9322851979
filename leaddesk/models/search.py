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

_LOWER_ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿñç"
# The capitals too: PostgreSQL's lower() folds only ASCII on a server whose locale is C, so the index
# expression folds them itself ('Ñandú' must be found by 'nandu' whatever the server's locale).
_ACCENTED = _LOWER_ACCENTED + "ÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝŸÑÇ"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuyync" * 2
#: Letters and digits: the tokenizer splits on everything else, the underscore too (a word with one
#: inside would become an FTS5 phrase, which `detail=none` cannot answer).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

#: Above this many text matches, walking the sort index beats sorting the matches (SQLite).
BROAD_SEARCH = 5_000

#: FTS5 answers a prefix longer than its prefix indexes ('2 3') by merging the doclists of every term
#: that starts with it before returning a row: 250 ms for 'example'* over a million leads, even when
#: another word of the search is rare. A whole term is read lazily, skipping ahead to the other
#: words' rows. So a longer word is rewritten as the terms it starts, when there are at most this many.
MAX_PREFIX_TERMS = 16


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
#: The index's terms; temporary, so it is created per connection and never touches the file's schema.
SQLITE_VOCAB = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.leads_fts_vocab USING fts5vocab(main, 'leads_fts', 'row')"
)
SQLITE_FILL = f"INSERT INTO leads_fts(rowid, {_cols}) SELECT leads.id, {_values('leads')} FROM leads"


def _fts_setting(name: str, value: int) -> str:
    return f"INSERT INTO leads_fts(leads_fts, rank) VALUES ('{name}', {value})"


#: Filling the whole index at once: FTS5 would otherwise merge its segments again and again while they
#: pile up (a third of the fill's time); here they are merged once, into one, at the end. Then the
#: incremental merging the triggers rely on is back at FTS5's defaults.
SQLITE_BULK_FILL = (
    _fts_setting("automerge", 0),
    _fts_setting("crisismerge", 1000),
    SQLITE_FILL,
    "INSERT INTO leads_fts(leads_fts) VALUES ('optimize')",
    _fts_setting("automerge", 4),
    _fts_setting("crisismerge", 16),
)


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
        for statement in SQLITE_BULK_FILL:
            conn.exec_driver_sql(statement)
    else:
        conn.exec_driver_sql("REINDEX INDEX ix_leads_search")


def query_words(query: str) -> list[str]:
    """The words of a search; a number typed in groups ('333 123 4567', '+39 333…') is one word."""
    folded = query.lower().translate(str.maketrans(_ACCENTED, _PLAIN))
    words = _WORD.findall(folded)
    if len(words) > 1 and all(w.isdigit() for w in words):
        return ["".join(words)]
    return words


def sqlite_match_expression(query: str, conn: Connection | None = None) -> str | None:
    """The FTS5 query for `query`: every word as a prefix. Given a connection, a word longer than the
    prefix indexes is spelled as the few whole terms it starts (same matches, see `MAX_PREFIX_TERMS`)."""
    words = query_words(query)
    return " AND ".join(_match_word(w, conn) for w in words) if words else None


def _match_word(word: str, conn: Connection | None) -> str:
    prefix = f'"{word}"*'
    # Only plain ASCII words: the tokenizer folds them exactly as `query_words` does.
    if conn is None or len(word) <= 3 or not (word.isascii() and word.isalnum()):
        return prefix
    conn.exec_driver_sql(SQLITE_VOCAB)
    upper = word[:-1] + chr(ord(word[-1]) + 1)
    terms = [
        str(term)
        for (term,) in conn.exec_driver_sql(
            "SELECT term FROM temp.leads_fts_vocab WHERE term >= ? AND term < ? LIMIT ?",
            (word, upper, MAX_PREFIX_TERMS + 1),
        )
    ]
    if len(terms) > MAX_PREFIX_TERMS:
        return prefix
    if not terms:
        return f'"{word}"'  # no term starts with it: a whole-term query finds nothing, at once
    return "(" + " OR ".join(f'"{t}"' for t in terms) + ")"


def text_search_condition(
    dialect: str,
    query: str,
    *,
    broad: bool = False,
    conn: Connection | None = None,
    match: str | None = None,
) -> ColumnElement[bool] | TextClause | None:
    """A WHERE condition matching leads whose indexed text has every word of `query` as a prefix.

    `broad` (SQLite): the search matches many leads, so let the query walk the sort order's index and
    test membership, instead of sorting every match. `conn` (SQLite): the connection the query will
    run on, to read the index's terms (see `sqlite_match_expression`); `match`: that expression, when
    the caller already has it.
    """
    words = query_words(query)
    if not words:
        return None
    if dialect == "sqlite":
        match = match or sqlite_match_expression(query, conn)
        ids = (
            select(literal_column("rowid"))
            .select_from(text("leads_fts"))
            .where(text("leads_fts MATCH :fts_query").bindparams(fts_query=match))
        )
        # The unary plus keeps SQLite from driving the query by the id list.
        column = literal_column("+leads.id") if broad else Lead.id
        return column.in_(ids)
    tsquery = " & ".join(f"{w}:*" for w in words)
    return text(f"{_pg_document('leads.')} @@ to_tsquery('simple', :ts_query)").bindparams(ts_query=tsquery)


def is_broad_match(conn: Connection, match: str) -> bool:
    """True when the FTS5 expression `match` (see `sqlite_match_expression`) matches more than
    `BROAD_SEARCH` leads, counted from the search index alone and only up to that limit (SQLite)."""
    sample = "SELECT count(*) FROM (SELECT rowid FROM leads_fts WHERE leads_fts MATCH ? LIMIT ?)"
    return int(conn.exec_driver_sql(sample, (match, BROAD_SEARCH + 1)).scalar() or 0) > BROAD_SEARCH
