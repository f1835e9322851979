"""Meeting reports: the alignment meeting's period, filters, agenda, notes and action items, saved in the
database so that earlier meetings can be reopened. Open action items of the previous meeting carry over to
a new report, marked as coming from the last meeting.

The figures are not stored: a report is recomputed from the data whenever it is opened or exported, so it
always agrees with the SLA service; what people typed is what is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.errors import ConflictError, NotFoundError, ValidationError
from leaddesk.models import ActionItem, MeetingReport, TeamMember
from leaddesk.models.database import Database
from leaddesk.services.reporting import labels as L
from leaddesk.services.reporting.reporting_service import DEFAULT_STALE_DAYS

MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class ActionItemRow:
    """An action item; `id` None until saved; `carried_from_id`: the earlier meeting's item it continues."""

    text: str
    owner_id: int | None = None
    owner_name: str | None = None
    due_on: date | None = None
    done: bool = False
    carried_from_id: int | None = None
    id: int | None = None

    @property
    def from_last_meeting(self) -> bool:
        return self.carried_from_id is not None


@dataclass(frozen=True, slots=True)
class MeetingReportSummary:
    id: int
    title: str
    period_start: date
    period_end: date
    created_at: datetime
    updated_at: datetime
    author_name: str | None
    open_actions: int


@dataclass(frozen=True, slots=True)
class MeetingReportDetail:
    """A meeting report as shown and edited; `id` None for a new one not yet saved."""

    title: str
    period_start: date
    period_end: date
    campaign_id: int | None = None
    owner_id: int | None = None
    stale_after_days: int = DEFAULT_STALE_DAYS
    agenda: str = ""
    notes: str = ""
    action_items: tuple[ActionItemRow, ...] = field(default_factory=tuple)
    id: int | None = None
    created_at: datetime | None = None
    #: The `updated_at` read with the report; saving checks nobody saved it meanwhile.
    updated_at: datetime | None = None
    author_name: str | None = None
    #: The earlier report the open action items were carried from.
    previous_id: int | None = None

    def with_changes(self, **changes: Any) -> MeetingReportDetail:
        return replace(self, **changes)


def default_title(start: date, end: date) -> str:
    return L.DEFAULT_MEETING_TITLE.format(start=L.long_date(start), end=L.long_date(end))


class MeetingReportService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    # --- reading ------------------------------------------------------------------------------------

    def list_reports(self) -> list[MeetingReportSummary]:
        """Every saved report, the latest period first."""
        author = aliased(TeamMember)
        open_items = (
            select(ActionItem.report_id, func.count().label("n"))
            .where(ActionItem.done.is_(False))
            .group_by(ActionItem.report_id)
            .subquery()
        )
        stmt = (
            select(MeetingReport, author.name, func.coalesce(open_items.c.n, 0))
            .outerjoin(author, author.id == MeetingReport.created_by_id)
            .outerjoin(open_items, open_items.c.report_id == MeetingReport.id)
            .order_by(MeetingReport.period_start.desc(), MeetingReport.id.desc())
        )
        with self._db.reading() as s:
            return [
                MeetingReportSummary(
                    r.id, r.title, r.period_start, r.period_end, r.created_at, r.updated_at, name, int(n)
                )
                for r, name, n in s.execute(stmt)
            ]

    def get(self, report_id: int) -> MeetingReportDetail:
        with self._db.reading() as s:
            report = s.get(MeetingReport, report_id)
            if report is None:
                raise NotFoundError(f"Meeting report #{report_id} does not exist.")
            return self._detail(s, report)

    def _detail(self, s: Session, report: MeetingReport) -> MeetingReportDetail:
        names = self._member_names(s, [i.owner_id for i in report.action_items] + [report.created_by_id])
        filters = dict(report.filters or {})
        return MeetingReportDetail(
            title=report.title,
            period_start=report.period_start,
            period_end=report.period_end,
            campaign_id=_opt_int(filters.get("campaign_id")),
            owner_id=_opt_int(filters.get("owner_id")),
            stale_after_days=int(filters.get("stale_after_days", DEFAULT_STALE_DAYS)),
            agenda=report.agenda or "",
            notes=report.notes or "",
            action_items=tuple(
                ActionItemRow(
                    text=i.text,
                    owner_id=i.owner_id,
                    owner_name=names.get(i.owner_id),
                    due_on=i.due_on,
                    done=i.done,
                    carried_from_id=i.carried_from_id,
                    id=i.id,
                )
                for i in report.action_items
            ),
            id=report.id,
            created_at=report.created_at,
            updated_at=report.updated_at,
            author_name=names.get(report.created_by_id),
        )

    @staticmethod
    def _member_names(s: Session, ids: list[int | None]) -> dict[int | None, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        return {
            member_id: name
            for member_id, name in s.execute(
                select(TeamMember.id, TeamMember.name).where(TeamMember.id.in_(sorted(wanted)))
            )
        }

    def previous(self, start: date, *, before_id: int | None = None) -> MeetingReportDetail | None:
        """The last meeting before a report for a period starting on `start`: the saved report with the
        latest period that starts earlier (ties: the newest)."""
        stmt = select(MeetingReport).where(MeetingReport.period_start < start)
        if before_id is not None:
            stmt = stmt.where(MeetingReport.id != before_id)
        stmt = stmt.order_by(MeetingReport.period_start.desc(), MeetingReport.id.desc()).limit(1)
        with self._db.reading() as s:
            report = s.scalar(stmt)
            return self._detail(s, report) if report is not None else None

    def draft(
        self,
        start: date,
        end: date,
        *,
        title: str | None = None,
        campaign_id: int | None = None,
        owner_id: int | None = None,
        stale_after_days: int = DEFAULT_STALE_DAYS,
    ) -> MeetingReportDetail:
        """A new, unsaved report for a period, with the open action items of the last meeting carried
        over (marked as from the last meeting)."""
        if end < start:
            raise ValidationError("The period ends before it starts.")
        last = self.previous(start)
        carried = (
            tuple(
                ActionItemRow(
                    text=i.text,
                    owner_id=i.owner_id,
                    owner_name=i.owner_name,
                    due_on=i.due_on,
                    done=False,
                    carried_from_id=i.id,
                )
                for i in last.action_items
                if not i.done
            )
            if last is not None
            else ()
        )
        return MeetingReportDetail(
            title=title or default_title(start, end),
            period_start=start,
            period_end=end,
            campaign_id=campaign_id,
            owner_id=owner_id,
            stale_after_days=stale_after_days,
            action_items=carried,
            previous_id=last.id if last is not None else None,
        )

    # --- writing ------------------------------------------------------------------------------------

    def save(self, report: MeetingReportDetail, *, actor_id: int | None = None) -> MeetingReportDetail:
        """Create or update the report with its action items (in the order given), in one transaction.
        Raises `ConflictError` when someone else saved it since it was read."""
        title = " ".join(report.title.split())
        if not title:
            raise ValidationError("A meeting report needs a title.")
        if len(title) > MAX_TITLE:
            raise ValidationError(f"The title is too long (at most {MAX_TITLE} characters).")
        if report.period_end < report.period_start:
            raise ValidationError("The period ends before it starts.")
        if report.stale_after_days < 0:
            raise ValidationError("The number of business days for stale leads cannot be negative.")
        items = [i for i in report.action_items if i.text.strip() or i.id is not None]
        for item in items:
            if not item.text.strip():
                raise ValidationError("An action item needs a text; remove the empty one.")
        now = self._clock()
        with self._db.writing() as s:
            if report.id is None:
                row = MeetingReport(created_at=now, created_by_id=actor_id)
                s.add(row)
            else:
                found = s.get(MeetingReport, report.id, with_for_update=True)
                if found is None:
                    raise NotFoundError(f"Meeting report #{report.id} does not exist any more.")
                if report.updated_at is not None and found.updated_at != report.updated_at:
                    raise ConflictError(
                        "Someone else saved this meeting report after you opened it; reopen it to see "
                        "their changes.",
                        changed_at=found.updated_at,
                    )
                row = found
            row.title = title
            row.period_start = report.period_start
            row.period_end = report.period_end
            row.filters = {
                "campaign_id": report.campaign_id,
                "owner_id": report.owner_id,
                "stale_after_days": report.stale_after_days,
            }
            row.agenda = report.agenda
            row.notes = report.notes
            row.updated_at = now
            existing = {i.id: i for i in row.action_items}
            kept: list[ActionItem] = []
            for position, item in enumerate(items):
                target = existing.pop(item.id, None) if item.id is not None else None
                if target is None:
                    target = ActionItem(carried_from_id=item.carried_from_id)
                target.text = item.text.strip()
                target.owner_id = item.owner_id
                target.due_on = item.due_on
                target.done = item.done
                target.position = position
                kept.append(target)
            row.action_items = kept
            s.flush()
            return self._detail(s, row)

    def delete(self, report_id: int) -> None:
        with self._db.writing() as s:
            row = s.get(MeetingReport, report_id)
            if row is None:
                raise NotFoundError(f"Meeting report #{report_id} does not exist.")
            s.delete(row)


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)
