"""The declarative base, with constraint names that Alembic can address on every database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, MetaData, text
from sqlalchemy.orm import DeclarativeBase

from leaddesk.models.types import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType()}


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index of the rows that match `where` (SQL valid on both databases).

    The model names the predicate for SQLite and keeps it in `info`; `add_postgresql_predicates` adds the
    PostgreSQL one when a server database is opened. Naming `postgresql_where` here would import
    SQLAlchemy's PostgreSQL dialect (with its asyncio drivers, some 55 ms) at every start of the app,
    which on the SQLite default never talks to PostgreSQL.
    """
    return Index(name, *columns, sqlite_where=text(where), info={"where": where})


def add_postgresql_predicates(metadata: MetaData) -> None:
    """Give every `partial_index` its PostgreSQL predicate (idempotent; for DDL from the metadata)."""
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.info.get("where")
            if where is not None and index.dialect_options["postgresql"]["where"] is None:
                index.dialect_options["postgresql"]["where"] = text(where)


def dated_index(name: str, *columns: str) -> Index:
    """An index of the rows whose first column is set.

    These columns stay empty for most rows (a lead's handoff, close or import stamp): leaving those rows
    out makes every new row cheaper to write and the file smaller. A query uses the index when it compares
    the column (`=`, a range, `IN`), which implies it is set; a sort on the column reads the set part from
    the index and the rest by id (see `LeadQueryService.page`).
    """
    return partial_index(name, *columns, where=f"{columns[0]} IS NOT NULL")
