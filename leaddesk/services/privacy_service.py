"""Privacy: everything held about a person, exported to a spreadsheet; and erasing a person.

Erasing keeps the lead's row (its stage, campaign, dates, score and value still count in every report) but
removes the personal fields, and scrubs them from everywhere else they were copied to: the history of edits,
notes of events and activities, import undo data and import error lists. It records an `erased` event that
holds no personal data.

On SQLite "removed" means gone from the files too: the erase runs with `secure_delete` on (freed space is
overwritten with zeros), merges the full-text index so its old terms go, checkpoints and truncates the WAL,
then reads the database file and its WAL back looking for the erased values (UTF-8, upper and lower case,
UTF-16). If a stale copy is still found in unused space of a page, the file is rebuilt with VACUUM and
checked again. Backups taken before the erasure still hold the person until they expire; on PostgreSQL the
server's backups and dead row versions are the administrator's to clear.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import EventKind
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.fields import PROFILE_FIELDS
from leaddesk.domain.identity import fold
from leaddesk.models import (
    Activity,
    Campaign,
    CampaignTouch,
    ImportBatch,
    ImportBatchChange,
    Lead,
    LeadEvent,
    TeamMember,
)
from leaddesk.models.database import Database

#: The lead's fields that describe the person; emptied by an erasure. Company, size, industry and country
#: describe the firm and stay, so the counts by segment still add up.
PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "city",
    "province",
    "notes",
    "name_company_key",
    "handoff_note",
    "reject_note",
)
#: Free-text keys in event details that may quote the person.
_NOTE_KEYS = frozenset({"note", "notes", "text", "comment"})
ERASED = "[erased]"


@dataclass(frozen=True, slots=True)
class ErasureReport:
    lead_id: int
    #: SQLite only: the erased values were searched for in the database file and its WAL, and not found.
    verified_in_files: bool
    #: The file had to be rebuilt (VACUUM) to drop stale copies.
    vacuumed: bool
    events_scrubbed: int


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | int | float | str | bool) or value is None:
        return value
    return str(value)


class _Scrubber:
    """Replaces every string that contains one of the person's values (case and accents ignored)."""

    def __init__(self, values: Iterable[str]) -> None:
        self.needles = sorted({fold(v) for v in values if v and len(fold(v)) >= 3}, key=len, reverse=True)

    def hit(self, value: str) -> bool:
        folded = fold(value)
        return any(n in folded for n in self.needles)

    def scrub(self, value: Any, *, drop_notes: bool = False) -> Any:
        if isinstance(value, str):
            return ERASED if self.hit(value) else value
        if isinstance(value, list):
            return [self.scrub(v, drop_notes=drop_notes) for v in value]
        if isinstance(value, dict):
            out = {}
            for key, v in value.items():
                if (key in PERSONAL_FIELDS and v is not None) or (drop_notes and key in _NOTE_KEYS and v):
                    out[key] = ERASED
                else:
                    out[key] = self.scrub(v, drop_notes=drop_notes)
            return out
        return value


class PrivacyService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    # --- export --------------------------------------------------------------------------------------

    def export_person(self, lead_id: int, path: Path) -> Path:
        """Write everything held about the lead's person to an .xlsx file (one sheet per kind of data)."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        if path.suffix.lower() != ".xlsx":
            raise ValidationError("The export is an Excel workbook; give a file name ending in .xlsx.")
        with self._db.reading() as s:
            lead = s.get(Lead, lead_id)
            if lead is None:
                raise NotFoundError(f"Lead #{lead_id} does not exist.")
            campaign = s.get(Campaign, lead.campaign_id) if lead.campaign_id else None
            names = dict(s.execute(select(TeamMember.id, TeamMember.name)).all())
            events = s.scalars(
                select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.at)
            ).all()
            activities = s.scalars(
                select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.at)
            ).all()
            touches = s.scalars(
                select(CampaignTouch)
                .where(CampaignTouch.lead_id == lead_id)
                .order_by(CampaignTouch.touched_at)
            ).all()
            campaigns = dict(s.execute(select(Campaign.id, Campaign.name)).all())
            changes = s.scalars(select(ImportBatchChange).where(ImportBatchChange.lead_id == lead_id)).all()

            wb = Workbook()
            bold = Font(bold=True)
            profile = wb.active
            assert profile is not None
            profile.title = "Person"
            profile.append(["Field", "Value"])
            rows: list[tuple[str, Any]] = [("Lead id", lead.id)]
            rows += [(f.label, getattr(lead, f.name)) for f in PROFILE_FIELDS]
            rows += [(str(k), str(v)) for k, v in sorted((lead.custom_fields or {}).items())]
            rows += [
                ("Campaign", campaign.name if campaign else None),
                ("Stage", lead.stage),
                ("Score", lead.score),
                ("Marketing owner", names.get(lead.marketing_owner_id or -1)),
                ("Sales owner", names.get(lead.sales_owner_id or -1)),
                ("Handoff note", lead.handoff_note),
                ("Returned because", lead.reject_reason),
                ("Return note", lead.reject_note),
                ("Closed because", lead.close_reason),
                ("Expected value", lead.expected_value),
                ("Created (UTC)", lead.created_at),
                ("Last changed (UTC)", lead.updated_at),
                ("Erased (UTC)", lead.erased_at),
            ]
            for label, value in rows:
                profile.append([label, _json_safe(value)])

            def sheet(title: str, header: list[str], body: Iterable[list[Any]]) -> None:
                ws = wb.create_sheet(title)
                ws.append(header)
                for row in body:
                    ws.append([_json_safe(v) for v in row])

            sheet(
                "History",
                ["When (UTC)", "What", "Who", "From", "To", "Reason", "Details"],
                (
                    [
                        e.at,
                        e.kind,
                        names.get(e.actor_id or -1),
                        e.from_stage,
                        e.to_stage,
                        e.reason,
                        str(e.details or ""),
                    ]
                    for e in events
                ),
            )
            sheet(
                "Activities",
                ["When (UTC)", "Type", "Outcome", "By", "Next step", "Call back (UTC)", "Note"],
                (
                    [
                        a.at,
                        a.kind,
                        a.outcome,
                        names.get(a.member_id or -1),
                        a.next_step_on,
                        a.callback_at,
                        a.note,
                    ]
                    for a in activities
                ),
            )
            sheet(
                "Campaign touches",
                ["When (UTC)", "Campaign", "Content", "Content type"],
                (
                    [t.touched_at, campaigns.get(t.campaign_id or -1), t.content, t.content_type]
                    for t in touches
                ),
            )
            sheet(
                "Import history",
                ["Import", "Values before the import"],
                ([c.batch_id, str(c.before)] for c in changes),
            )
        for ws in wb.worksheets:
            for cell in ws[1]:
                cell.font = bold
            ws.freeze_panes = "A2"
            for column, width in zip("ABCDEFG", (22, 28, 20, 16, 16, 24, 60), strict=False):
                ws.column_dimensions[column].width = width
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path

    # --- erase ---------------------------------------------------------------------------------------

    def erase(self, lead_id: int, *, actor_id: int | None = None) -> ErasureReport:
        """Erase the person behind a lead (see the module notes). Cannot be undone."""
        sqlite = self._db.is_sqlite
        with self._db.writing() as s:
            if sqlite:
                s.connection().exec_driver_sql("PRAGMA secure_delete = ON")
            try:
                needles, scrubbed = self._erase_rows(s, lead_id, actor_id)
                if sqlite:
                    # Merge the full-text index into one segment: the deleted entries' terms go with it.
                    s.connection().exec_driver_sql("INSERT INTO leads_fts(leads_fts) VALUES ('optimize')")
            finally:
                if sqlite:
                    s.connection().exec_driver_sql("PRAGMA secure_delete = OFF")
        if not sqlite:
            return ErasureReport(lead_id, verified_in_files=False, vacuumed=False, events_scrubbed=scrubbed)
        self._checkpoint()
        vacuumed = False
        if self._found_in_files(needles):
            self._vacuum()
            vacuumed = True
        verified = not self._found_in_files(needles)
        return ErasureReport(lead_id, verified_in_files=verified, vacuumed=vacuumed, events_scrubbed=scrubbed)

    def _erase_rows(self, s: Session, lead_id: int, actor_id: int | None) -> tuple[list[str], int]:
        lead = s.get(Lead, lead_id)
        if lead is None:
            raise NotFoundError(f"Lead #{lead_id} does not exist.")
        if lead.erased_at is not None:
            raise ValidationError(f"The person of lead #{lead_id} was already erased.")
        values: set[str] = {str(getattr(lead, f)) for f in PERSONAL_FIELDS if getattr(lead, f)}
        values |= {str(v) for v in (lead.custom_fields or {}).values() if isinstance(v, str | int) and v}
        events = s.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id)).all()
        changes = s.scalars(select(ImportBatchChange).where(ImportBatchChange.lead_id == lead_id)).all()
        # Older values of the personal fields: edits and import undo data remember them.
        for e in events:
            for field, pair in dict((e.details or {}).get("changes") or {}).items():
                if field in PERSONAL_FIELDS and isinstance(pair, list):
                    values |= {str(v) for v in pair if v}
        for c in changes:
            values |= {str((c.before or {}).get(f)) for f in PERSONAL_FIELDS if (c.before or {}).get(f)}
        scrubber = _Scrubber(values)

        for f in PERSONAL_FIELDS:
            setattr(lead, f, None)
        lead.custom_fields = {}
        lead.consent = False
        now = self._clock()
        lead.erased_at = now
        lead.updated_at = now
        lead.updated_by_id = actor_id

        scrubbed = 0
        for e in events:
            details = scrubber.scrub(dict(e.details or {}), drop_notes=True)
            reason = ERASED if e.reason and scrubber.hit(e.reason) else e.reason
            if details != (e.details or {}) or reason != e.reason:
                e.details = details
                e.reason = reason
                scrubbed += 1
        for a in s.scalars(select(Activity).where(Activity.lead_id == lead_id, Activity.note.is_not(None))):
            a.note = None
        for c in changes:
            c.before = scrubber.scrub(dict(c.before or {}), drop_notes=True)
        for batch in s.scalars(select(ImportBatch)):
            errors = scrubber.scrub(dict(batch.errors or {}))
            if errors != (batch.errors or {}):
                batch.errors = errors
        s.add(
            LeadEvent(
                lead_id=lead_id,
                at=now,
                actor_id=actor_id,
                kind=EventKind.ERASED.value,
                details={"fields": [f for f in PERSONAL_FIELDS], "events_scrubbed": scrubbed},
            )
        )
        s.flush()
        return self._file_needles(s, lead_id, values), scrubbed

    @staticmethod
    def _file_needles(s: Session, lead_id: int, values: set[str]) -> list[str]:
        """The erased values worth looking for in the files: those no other lead still holds (a common
        first name is found in the file because of other people, not because of this one)."""
        needles = []
        for value in values:
            if len(value) < 4:
                continue
            other = s.execute(
                select(Lead.id)
                .where(
                    Lead.id != lead_id,
                    (Lead.email == value)
                    | (Lead.phone == value)
                    | (Lead.first_name == value)
                    | (Lead.last_name == value)
                    | (Lead.company == value)
                    | (Lead.city == value),
                )
                .limit(1)
            ).first()
            if other is None:
                needles.append(value)
        return needles

    # --- SQLite files --------------------------------------------------------------------------------

    def _raw(self, statement: str) -> Any:
        with self._db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            return raw.execute(statement).fetchall()

    def _checkpoint(self) -> None:
        for _attempt in range(5):
            busy, _log, _done = self._raw("PRAGMA wal_checkpoint(TRUNCATE)")[0]
            if not busy:
                return

    def _vacuum(self) -> None:
        self._raw("VACUUM")
        self._checkpoint()

    def _found_in_files(self, needles: list[str]) -> bool:
        path = self._db.sqlite_path
        if path is None or not needles:
            return False
        patterns: set[bytes] = set()
        for n in needles:
            for variant in (n, n.lower(), n.upper(), n.casefold()):
                patterns.add(variant.encode("utf-8"))
                patterns.add(variant.encode("utf-16-le"))
        for file in (path, Path(f"{path}-wal")):
            if not file.exists() or file.stat().st_size == 0:
                continue
            with file.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                if any(data.find(p) >= 0 for p in patterns):
                    return True
        return False
