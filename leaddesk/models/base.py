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


def dated_index(name: str, *columns: str) -> Index:
    """An index of the rows whose first column is set.

    These columns stay empty for most rows (a lead's handoff, close or import stamp): leaving those rows
    out makes every new row cheaper to write and the file smaller. A query uses the index when it compares
    the column (`=`, a range, `IN`), which implies it is set; a sort on the column reads the set part from
    the index and the rest by id (see `LeadQueryService.page`).
    """
    where = f"{columns[0]} IS NOT NULL"
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))
