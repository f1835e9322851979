"""Data retention: leads nobody has touched for N months lose their personal data (anonymised).

A lead is *inactive* when, since the cut-off (now minus N calendar months), nothing happened to it: no
event in its history, no logged activity, no campaign touch, no edit, and it was created before the
cut-off. Anonymising keeps the row, so the funnel, campaign and SLA figures still add up, and removes what
describes the person: the personal fields and custom fields of the lead, the quoted values and notes in
its history, the notes of its activities and the personal values an import kept for undo. It records an
``erased`` event (reason ``retention``) that holds no personal data, and the lead is marked erased.

The setting is team-wide (in the database): ``{"months": N}``, off when N is 0 or missing. The app runs
`run_if_due` once per day at start; several PCs starting on the same day run it once (``last_run``).

The per-person erasure with a byte-level proof is `PrivacyService.erase`; this is its bulk, scheduled
counterpart and shares its list of personal fields.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import EventKind
from leaddesk.domain.errors import ValidationError
from leaddesk.models import Activity, CampaignTouch, ImportBatchChange, Lead, LeadEvent
from leaddesk.models.database import Database
from leaddesk.services.privacy_service import ERASED, PERSONAL_FIELDS
from leaddesk.services.settings_service import read_setting, write_setting

DATA_RETENTION_KEY = "data_retention"
#: The longest retention period the settings accept (25 years).
MAX_MONTHS = 300
#: Leads anonymised per transaction: short write locks, so people keep working while it runs.
BATCH_SIZE = 200
#: Keys of event details that hold free text (may quote the person).
_NOTE_KEYS = frozenset({"note", "notes", "text", "comment"})


@dataclass(frozen=True, slots=True)
class DataRetention:
    """Anonymise leads with no activity for `months` months; 0 means never."""

    months: int = 0
    last_run: datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.months > 0


def months_before(moment: datetime, months: int) -> datetime:
    """`moment` minus whole calendar months (the day is clamped to the target month's length)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _scrub_details(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            out[key] = {
                name: ([ERASED, ERASED] if name in PERSONAL_FIELDS or name == "custom_fields" else pair)
                for name, pair in value.items()
            }
        elif (key in PERSONAL_FIELDS or key in _NOTE_KEYS) and value not in (None, ""):
            out[key] = ERASED
        else:
            out[key] = value
    return out


class RetentionService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    # --- the setting ----------------------------------------------------------------------------------

    def settings(self) -> DataRetention:
        with self._db.reading() as s:
            value = read_setting(s, DATA_RETENTION_KEY) or {}
        return _parse(value)

    def set_months(self, months: int, *, actor_id: int | None = None) -> DataRetention:
        """Turn retention on (N months) or off (0)."""
        if months < 0 or months > MAX_MONTHS:
            raise ValidationError(f"Keep leads between 1 and {MAX_MONTHS} months, or 0 to keep them forever.")

        def work(s: Session) -> DataRetention:
            value = read_setting(s, DATA_RETENTION_KEY) or {}
            value["months"] = int(months)
            write_setting(s, DATA_RETENTION_KEY, value, self._clock, actor_id)
            return _parse(value)

        return self._db.write(work)

    # --- which leads ----------------------------------------------------------------------------------

    def cutoff(self, months: int, now: datetime | None = None) -> datetime:
        return months_before(now or self._clock(), months)

    def _inactive(self, cutoff: datetime) -> Any:
        return select(Lead.id).where(
            Lead.erased_at.is_(None),
            Lead.created_at < cutoff,
            Lead.updated_at < cutoff,
            (Lead.last_activity_at.is_(None)) | (Lead.last_activity_at < cutoff),
            ~exists().where(LeadEvent.lead_id == Lead.id, LeadEvent.at >= cutoff),
            ~exists().where(Activity.lead_id == Lead.id, Activity.at >= cutoff),
            ~exists().where(CampaignTouch.lead_id == Lead.id, CampaignTouch.touched_at >= cutoff),
        )

    def count_inactive(self, months: int, now: datetime | None = None) -> int:
        """How many leads the next run would anonymise with `months` (a preview for the settings)."""
        if months <= 0:
            return 0
        cutoff = self.cutoff(months, now)
        with self._db.reading() as s:
            return len(s.scalars(self._inactive(cutoff)).all())

    # --- anonymising ----------------------------------------------------------------------------------

    def anonymise_inactive(
        self, months: int | None = None, *, actor_id: int | None = None, now: datetime | None = None
    ) -> int:
        """Anonymise every lead with no activity for `months` (default: the setting); returns how many."""
        months = self.settings().months if months is None else months
        if months <= 0:
            return 0
        when = now or self._clock()
        cutoff = self.cutoff(months, when)
        with self._db.reading() as s:
            ids = list(s.scalars(self._inactive(cutoff).order_by(Lead.id)))
        done = 0
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]

            def work(s: Session, chunk: list[int] = chunk) -> int:
                return self._anonymise(s, chunk, cutoff, months, when, actor_id)

            done += self._db.write(work)
        return done

    def _anonymise(
        self,
        s: Session,
        lead_ids: Sequence[int],
        cutoff: datetime,
        months: int,
        when: datetime,
        actor_id: int | None,
    ) -> int:
        if self._db.is_sqlite:
            # Freed space is overwritten, so the removed values do not linger in the file's free pages.
            s.connection().exec_driver_sql("PRAGMA secure_delete = ON")
        try:
            # Checked again inside the write transaction: someone may have worked on a lead meanwhile.
            still = set(s.scalars(self._inactive(cutoff).where(Lead.id.in_(lead_ids))))
            for lead in s.scalars(select(Lead).where(Lead.id.in_(still))):
                for name in PERSONAL_FIELDS:
                    setattr(lead, name, None)
                lead.custom_fields = {}
                lead.consent = False
                lead.erased_at = when
                lead.updated_at = when
                lead.updated_by_id = actor_id
            for event in s.scalars(select(LeadEvent).where(LeadEvent.lead_id.in_(still))):
                details = dict(event.details or {})
                scrubbed = _scrub_details(details)
                if scrubbed != details:
                    event.details = scrubbed
            for activity in s.scalars(
                select(Activity).where(Activity.lead_id.in_(still), Activity.note.is_not(None))
            ):
                activity.note = None
            for change in s.scalars(select(ImportBatchChange).where(ImportBatchChange.lead_id.in_(still))):
                change.before = {
                    k: (ERASED if k in PERSONAL_FIELDS and v is not None else v)
                    for k, v in dict(change.before or {}).items()
                }
            for lead_id in sorted(still):
                s.add(
                    LeadEvent(
                        lead_id=lead_id,
                        at=when,
                        actor_id=actor_id,
                        kind=EventKind.ERASED.value,
                        reason="retention",
                        details={"inactive_months": months, "fields": list(PERSONAL_FIELDS)},
                    )
                )
            s.flush()
        finally:
            if self._db.is_sqlite:
                s.connection().exec_driver_sql("PRAGMA secure_delete = OFF")
        return len(still)

    def run_if_due(self, now: datetime | None = None) -> int | None:
        """Anonymise inactive leads once per UTC day when retention is on; None when not due or off."""
        when = now or self._clock()

        def claim(s: Session) -> int | None:
            value = read_setting(s, DATA_RETENTION_KEY) or {}
            current = _parse(value)
            if not current.enabled:
                return None
            if current.last_run is not None and current.last_run.date() >= when.date():
                return None
            value["last_run"] = when.isoformat()
            write_setting(s, DATA_RETENTION_KEY, value, self._clock)
            return current.months

        # Claiming the day first means two PCs starting together do not both run it.
        months = self._db.write(claim)
        if months is None:
            return None
        return self.anonymise_inactive(months, now=when)


def _parse(value: dict[str, Any]) -> DataRetention:
    try:
        months = max(0, int(value.get("months") or 0))
    except (TypeError, ValueError):
        months = 0
    last: datetime | None = None
    raw = value.get("last_run")
    if isinstance(raw, str):
        try:
            last = datetime.fromisoformat(raw)
        except ValueError:
            last = None
    return DataRetention(months=months, last_run=last)
