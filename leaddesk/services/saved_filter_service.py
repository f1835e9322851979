"""Saved filters: named lead filters of a list (an "area"), personal or shared with the team."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select

from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.queries import LeadFilter, SavedFilterRow, filter_from_dict, filter_to_dict
from leaddesk.models import SavedFilter
from leaddesk.models.database import Database


def _row(f: SavedFilter) -> SavedFilterRow:
    return SavedFilterRow(
        id=f.id,
        area=f.area,
        name=f.name,
        owner_id=f.owner_id,
        filter=filter_from_dict(dict(f.body or {})),
        position=f.position,
    )


class SavedFilterService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list_filters(self, area: str, member_id: int | None) -> list[SavedFilterRow]:
        """The team's shared filters of `area` and the member's own, in their order."""
        mine: ColumnElement[bool] = SavedFilter.owner_id.is_(None)
        if member_id is not None:
            mine = or_(mine, SavedFilter.owner_id == member_id)
        stmt = (
            select(SavedFilter)
            .where(SavedFilter.area == area, mine)
            .order_by(SavedFilter.position, func.lower(SavedFilter.name))
        )
        with self._db.reading() as s:
            return [_row(f) for f in s.scalars(stmt)]

    def save(
        self,
        area: str,
        name: str,
        flt: LeadFilter,
        *,
        owner_id: int | None,
        replace: bool = False,
    ) -> SavedFilterRow:
        """Save `flt` as `name`. A filter with that name is replaced only when `replace` is true."""
        clean = " ".join(name.split())
        if not clean:
            raise ValidationError("Give the filter a name.")
        if len(clean) > 120:
            raise ValidationError("A filter name can have at most 120 characters.")
        with self._db.writing() as s:
            found = s.scalar(
                select(SavedFilter).where(
                    SavedFilter.area == area, func.lower(SavedFilter.name) == clean.lower()
                )
            )
            if found is not None and not replace:
                raise ValidationError(f"There is already a filter called {found.name}; choose another name.")
            if found is not None and found.owner_id not in (None, owner_id):
                raise ValidationError(
                    f"The filter {found.name} belongs to someone else; choose another name."
                )
            if found is None:
                top = s.scalar(select(func.max(SavedFilter.position)).where(SavedFilter.area == area))
                found = SavedFilter(area=area, name=clean, position=(top or 0) + 1)
                s.add(found)
            found.owner_id = owner_id
            found.body = filter_to_dict(flt)
            s.flush()
            return _row(found)

    def rename(self, filter_id: int, name: str) -> SavedFilterRow:
        clean = " ".join(name.split())
        if not clean:
            raise ValidationError("Give the filter a name.")
        with self._db.writing() as s:
            found = s.get(SavedFilter, filter_id)
            if found is None:
                raise NotFoundError("That saved filter no longer exists.")
            clash = s.scalar(
                select(SavedFilter.id).where(
                    SavedFilter.area == found.area,
                    func.lower(SavedFilter.name) == clean.lower(),
                    SavedFilter.id != filter_id,
                )
            )
            if clash is not None:
                raise ValidationError(f"There is already a filter called {clean}.")
            found.name = clean
            s.flush()
            return _row(found)

    def delete(self, filter_id: int) -> None:
        with self._db.writing() as s:
            found = s.get(SavedFilter, filter_id)
            if found is None:
                raise NotFoundError("That saved filter no longer exists.")
            s.delete(found)
