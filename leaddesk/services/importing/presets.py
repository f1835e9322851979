"""Named column mappings (table `import_presets`), offered again for files with the same headers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.models import ImportPreset
from leaddesk.services.importing.column_mapping import ColumnMapping, apply_preset, mapping_signature


@dataclass(frozen=True, slots=True)
class PresetRow:
    id: int
    name: str
    signature: str
    #: header -> target (a field name, 'full_name', 'ignore', or None for a custom field).
    mapping: dict[str, str | None]
    created_at: dt.datetime

    def applied_to(self, headers: Sequence[str]) -> ColumnMapping:
        return apply_preset(headers, self.mapping)


def _row(p: ImportPreset) -> PresetRow:
    return PresetRow(p.id, p.name, p.headers_signature, dict(p.mapping or {}), p.created_at)


def list_presets(session: Session) -> list[PresetRow]:
    return [_row(p) for p in session.scalars(select(ImportPreset).order_by(ImportPreset.name))]


def presets_for(session: Session, headers: Sequence[str]) -> list[PresetRow]:
    """Presets saved for files with these headers (same names, any order, case and accents ignored)."""
    signature = mapping_signature(headers)
    stmt = (
        select(ImportPreset)
        .where(ImportPreset.headers_signature == signature)
        .order_by(ImportPreset.created_at.desc(), ImportPreset.id.desc())
    )
    return [_row(p) for p in session.scalars(stmt)]


def find_preset(session: Session, name: str) -> PresetRow:
    clean = " ".join(name.split())
    found = session.scalar(select(ImportPreset).where(ImportPreset.name.ilike(clean)))
    if found is None:
        names = ", ".join(p.name for p in session.scalars(select(ImportPreset).order_by(ImportPreset.name)))
        hint = f" (saved presets: {names})" if names else " (no preset is saved yet)"
        raise NotFoundError(f"There is no import preset called {clean!r}{hint}.")
    return _row(found)


def save_preset(session: Session, name: str, mapping: ColumnMapping, now: dt.datetime) -> PresetRow:
    """Save `mapping` under `name` (a preset of that name is replaced)."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError("Give the preset a name.")
    if len(clean) > 120:
        raise ValidationError("A preset name can be at most 120 characters long.")
    found = session.scalar(select(ImportPreset).where(ImportPreset.name.ilike(clean)))
    if found is None:
        found = ImportPreset(name=clean, created_at=now)
        session.add(found)
    found.name = clean
    found.headers_signature = mapping.signature
    found.mapping = mapping.as_dict()
    session.flush()
    return _row(found)


def delete_preset(session: Session, name: str) -> None:
    preset = find_preset(session, name)
    found = session.get(ImportPreset, preset.id)
    if found is not None:
        session.delete(found)
