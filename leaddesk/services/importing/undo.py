"""Undoing a finished import, in one transaction.

What an undo does:

- the leads the import created are deleted (their events, touches, activities and SLA notices go with
  them through the foreign keys' cascades);
- the existing leads it changed get their fields back, field by field, from the before-images in
  `import_batch_changes` — except a field someone changed again since the import (its current value is
  no longer the one the import wrote): that newer value stays, and the undo says how many it kept;
- the campaign touches and `merged` events it added to existing leads are removed, and each of those leads
  gets an `import_undone` event;
- the batch is marked undone (when, by whom); a batch is undone once.

A lead the import created that was worked since — any event that is not the import's own (handed off,
accepted, edited, a call logged, merged by a later import), deletion to the trash and erasure excepted —
would lose that work if deleted. The undo then refuses with the count and an example, unless
`keep_worked=True`: those leads are kept as they are (with their import history), the rest is undone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, exists, insert, or_, select
from sqlalchemy.orm import Session

from leaddesk.domain.enums import EventKind
from leaddesk.domain.errors import NotFoundError, UserError, ValidationError
from leaddesk.domain.identity import name_company_key
from leaddesk.models import Activity, CampaignTouch, ImportBatch, ImportBatchChange, Lead, LeadEvent
from leaddesk.services.importing.batch_writer import IN_CHUNK, MERGE_COLUMNS, UPDATE_MERGED, json_safe

_leads: Table = Lead.__table__  # type: ignore[assignment]
_events: Table = LeadEvent.__table__  # type: ignore[assignment]
_touches: Table = CampaignTouch.__table__  # type: ignore[assignment]
_changes: Table = ImportBatchChange.__table__  # type: ignore[assignment]
_activities: Table = Activity.__table__  # type: ignore[assignment]

#: Events that do not count as work done on a lead since its import.
NOT_WORK = (
    EventKind.DELETED.value,
    EventKind.RESTORED.value,
    EventKind.ERASED.value,
    EventKind.IMPORT_UNDONE.value,
)


class UndoBlockedError(UserError):
    """The import created leads that were worked since; undoing it would delete that work."""

    def __init__(self, message: str, worked: int) -> None:
        super().__init__(message)
        self.worked = worked


@dataclass(frozen=True, slots=True)
class UndoResult:
    batch_id: int
    #: Leads the import created, now deleted.
    deleted: int
    #: Existing leads the import had merged rows into (fields, touches or both), now as before.
    restored: int
    #: Leads the import created that were worked since and were kept (`keep_worked`).
    kept_leads: int
    #: Fields changed again since the import, whose newer value was kept.
    kept_fields: int


def _worked_condition(batch_id: int) -> Any:
    """Leads of the batch with an event or activity that is not the import's own."""
    foreign_event = (
        select(_events.c.id)
        .where(
            _events.c.lead_id == _leads.c.id,
            or_(_events.c.import_batch_id.is_(None), _events.c.import_batch_id != batch_id),
            _events.c.kind.not_in(NOT_WORK),
        )
        .exists()
    )
    activity = select(_activities.c.id).where(_activities.c.lead_id == _leads.c.id).exists()
    return or_(foreign_event, activity)


def undo_batch(
    session: Session, batch_id: int, *, actor_id: int | None, now: dt.datetime, keep_worked: bool
) -> tuple[UndoResult, list[int]]:
    """Undo batch `batch_id` in `session`'s transaction; returns the result and the restored lead ids."""
    conn = session.connection()
    batch = session.execute(
        select(ImportBatch).where(ImportBatch.id == batch_id).with_for_update()
    ).scalar_one_or_none()
    if batch is None:
        raise NotFoundError(f"Import #{batch_id} does not exist.")
    if batch.undone_at is not None:
        raise ValidationError(
            f"Import #{batch_id} ({batch.file_name}) was already undone "
            f"on {batch.undone_at:%Y-%m-%d %H:%M} UTC."
        )
    mine = _leads.c.import_batch_id == batch_id
    worked = _worked_condition(batch_id)
    worked_ids = list(conn.execute(select(_leads.c.id).where(mine, worked).order_by(_leads.c.id)).scalars())
    if worked_ids and not keep_worked:
        example = _describe_work(session, worked_ids[0], batch_id)
        n = len(worked_ids)
        raise UndoBlockedError(
            f"{n} lead{'s' if n != 1 else ''} this import created {'were' if n != 1 else 'was'} worked on "
            f"since (for example {example}); undoing the import would delete that work. Keep those leads "
            "and undo the rest, or leave the import as it is.",
            n,
        )

    # Existing leads the import merged rows into (the leads it created carry the batch's id).
    other_lead = or_(_leads.c.import_batch_id.is_(None), _leads.c.import_batch_id != batch_id)
    affected = list(
        conn.execute(
            select(_events.c.lead_id)
            .join(_leads, _leads.c.id == _events.c.lead_id)
            .where(
                _events.c.import_batch_id == batch_id,
                _events.c.kind == EventKind.MERGED.value,
                other_lead,
            )
            .distinct()
            .order_by(_events.c.lead_id)
        ).scalars()
    )

    # 1. The leads it created, unless kept.
    deleted = conn.execute(
        delete(_leads).where(mine, ~worked) if worked_ids else delete(_leads).where(mine)
    ).rowcount

    # 2. Fields of the existing leads it changed, from the before-images.
    kept_fields = 0
    images = dict(
        conn.execute(
            select(_changes.c.lead_id, _changes.c.before).where(_changes.c.batch_id == batch_id)
        ).all()
    )
    if images:
        kept_fields = _restore_fields(conn, images, actor_id, now)

    # 3. Its touches and merge events on leads it did not create; an `import_undone` event on each.
    not_kept = ~exists().where(_leads.c.id == _touches.c.lead_id, _leads.c.import_batch_id == batch_id)
    conn.execute(delete(_touches).where(_touches.c.import_batch_id == batch_id, not_kept))
    conn.execute(
        delete(_events).where(
            _events.c.import_batch_id == batch_id,
            _events.c.kind == EventKind.MERGED.value,
            ~exists().where(_leads.c.id == _events.c.lead_id, _leads.c.import_batch_id == batch_id),
        )
    )
    if affected:
        conn.execute(
            insert(_events),
            [
                {
                    "lead_id": lead_id,
                    "at": now,
                    "actor_id": actor_id,
                    "kind": EventKind.IMPORT_UNDONE.value,
                    "from_stage": None,
                    "to_stage": None,
                    "reason": None,
                    "details": {
                        "batch_id": batch_id,
                        "file": batch.file_name,
                        "fields_restored": sorted(
                            k for k in images.get(lead_id, {}) if not k.startswith("_")
                        ),
                    },
                    "import_batch_id": None,
                }
                for lead_id in affected
            ],
        )
    batch.undone_at = now
    batch.undone_by_id = actor_id
    session.flush()
    result = UndoResult(batch_id, deleted, len(affected), len(worked_ids), kept_fields)
    return result, affected


def _restore_fields(
    conn: Any, images: Mapping[int, Mapping[str, Any]], actor_id: int | None, now: dt.datetime
) -> int:
    kept = 0
    columns = [_leads.c.id, *(_leads.c[name] for name in MERGE_COLUMNS), _leads.c.custom_fields]
    ids = sorted(images)
    params: list[dict[str, Any]] = []
    for start in range(0, len(ids), IN_CHUNK):
        part = ids[start : start + IN_CHUNK]
        for row in conn.execute(select(*columns).where(_leads.c.id.in_(part))):
            current = dict(row._mapping)
            image = images[current["id"]]
            after = image.get("_after", {})
            values = {name: current[name] for name in MERGE_COLUMNS}
            custom = dict(current.get("custom_fields") or {})
            for name, old in image.items():
                if name.startswith("_"):
                    continue
                if name == "custom_fields":
                    old_custom = dict(old or {})
                    new_custom = dict(after.get(name) or {})
                    for key in set(old_custom) | set(new_custom):
                        if custom.get(key) == new_custom.get(key):
                            if key in old_custom:
                                custom[key] = old_custom[key]
                            else:
                                custom.pop(key, None)
                        else:
                            kept += 1
                    continue
                if json_safe(values.get(name)) == after.get(name):
                    values[name] = old
                else:
                    kept += 1
            param = {f"b_{name}": values[name] for name in MERGE_COLUMNS}
            param["b_consent"] = bool(values.get("consent"))
            param.update(
                b_id=current["id"],
                b_name_company_key=name_company_key(
                    values.get("first_name"), values.get("last_name"), values.get("company")
                ),
                b_custom_fields=custom,
                b_updated_at=now,
                b_updated_by_id=actor_id,
            )
            params.append(param)
    if params:
        conn.execute(UPDATE_MERGED, params)
    return kept


def _describe_work(session: Session, lead_id: int, batch_id: int) -> str:
    row = session.execute(
        select(_events.c.kind, _events.c.at)
        .where(
            _events.c.lead_id == lead_id,
            or_(_events.c.import_batch_id.is_(None), _events.c.import_batch_id != batch_id),
            _events.c.kind.not_in(NOT_WORK),
        )
        .order_by(_events.c.at.desc(), _events.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return f"lead #{lead_id}: a logged activity"
    return f"lead #{lead_id}: {row.kind.replace('_', ' ')} on {row.at:%Y-%m-%d}"


__all__ = ["NOT_WORK", "UndoBlockedError", "UndoResult", "undo_batch"]
