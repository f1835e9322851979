"""Team-wide settings stored in the database (shared by every PC of the team)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.models import TeamSetting
from leaddesk.models.database import Database


def read_setting(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(TeamSetting, key)
    return dict(row.value) if row is not None else None


def write_setting(
    session: Session, key: str, value: dict[str, Any], clock: Clock, actor_id: int | None = None
) -> None:
    row = session.get(TeamSetting, key)
    if row is None:
        session.add(TeamSetting(key=key, value=value, updated_at=clock(), updated_by_id=actor_id))
    else:
        row.value = value
        row.updated_at = clock()
        row.updated_by_id = actor_id


class SettingsService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def get(self, key: str, default: dict[str, Any] | None = None) -> dict[str, Any]:
        with self._db.reading() as s:
            value = read_setting(s, key)
        return value if value is not None else dict(default or {})

    def set(self, key: str, value: dict[str, Any], *, actor_id: int | None = None) -> None:
        with self._db.writing() as s:
            write_setting(s, key, value, self._clock, actor_id)
