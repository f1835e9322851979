"""The SLA service: policy versions, the clock cache on leads, the sales queue, alerts and figures.

Clock states are derived from timestamps at the moment they are shown. The due and at-risk instants are
cached on the lead (`accept_due_at`, `contact_due_at` …) and recomputed in the same transaction whenever
a lead's history changes (a lifecycle hook), whenever a policy version is added (every lead it governs),
and after history imports — so the cache never disagrees with the events and the policy.
"""

from __future__ import annotations

import bisect
import calendar as stdlib_calendar
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union_all, update
from sqlalchemy.orm import Session

from leaddesk.domain.clock import Clock as NowClock
from leaddesk.domain.clock import system_clock
from leaddesk.domain.enums import EventKind, Role, Stage
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.records import LeadRow
from leaddesk.models import (
    Campaign,
    Lead,
    LeadEvent,
    MemberAbsence,
    SlaNotification,
    SlaPolicyVersion,
    TeamMember,
)
from leaddesk.models.database import Database
from leaddesk.models.driver_rows import to_driver_columns
from leaddesk.models.sql_functions import epoch_seconds
from leaddesk.services.lead_query_service import lead_row, row_select
from leaddesk.services.sla.clock import (
    Clock,
    ClockKind,
    ClockState,
    DueTimes,
    Pause,
    clock_at,
    due_times,
    elapsed_seconds,
)
from leaddesk.services.sla.figures import CampaignMqlFigures, SlaFigures, SlaGroupFigures
from leaddesk.services.sla.policy import SlaPolicy
from leaddesk.services.sla.sql import read_handoffs
from leaddesk.services.sla.vectorised import (
    HandoffColumns,
    business_seconds,
    first_seen_codes,
    group_figures,
    grouped_figures,
)

#: Stages whose SLA clock is still running: waiting to be accepted, or accepted and not yet reached.
QUEUE_STAGES = (Stage.HANDED_OFF.value, Stage.ACCEPTED.value)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 900


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    id: int | None
    effective_from: datetime
    policy: SlaPolicy
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A lead in the sales queue with what the countdown needs."""

    lead: LeadRow
    accept_risk_at: datetime | None
    contact_risk_at: datetime | None
    paused_until: datetime | None
    handoff_note: str | None
    attempts: int
    sla_rule: str | None

    @property
    def due(self) -> datetime | None:
        return self.lead.accept_due_at if self.lead.stage == Stage.HANDED_OFF else self.lead.contact_due_at


@dataclass(frozen=True, slots=True)
class SlaPeriod:
    """A period's SLA figures with the trend of its buckets and the hours behind the medians."""

    figures: SlaFigures
    trend: tuple[SlaGroupFigures, ...]
    contact_hours: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class AlertCounts:
    at_risk: int
    breached: int


@dataclass(frozen=True, slots=True)
class Alert:
    lead_id: int
    lead_name: str
    owner_name: str | None
    clock: ClockKind
    state: ClockState
    due: datetime


_CLOCK_COLUMNS = ("accept_due_at", "accept_risk_at", "contact_due_at", "contact_risk_at", "sla_rule")


def _write_clocks(session: Session, values: Sequence[tuple[Any, ...]]) -> None:
    """Store the clock cache: (the `_CLOCK_COLUMNS`…, lead id) per lead. The cache is not an edit, so the
    lead's version stays. On SQLite the rows go to the driver as tuples (each instant through the column
    type's own bind processor): building SQLAlchemy's parameters cost more than the update itself."""
    if not values:
        return
    table = Lead.__table__
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        columns = [list(column) for column in zip(*values, strict=True)]  # the clock columns, then the ids
        to_driver_columns(conn.dialect, table, _CLOCK_COLUMNS, columns[:-1])
        assignments = ", ".join(f"{name} = ?" for name in _CLOCK_COLUMNS)
        conn.exec_driver_sql(f"UPDATE leads SET {assignments} WHERE id = ?", list(zip(*columns, strict=True)))
        return
    from sqlalchemy import bindparam

    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(**{name: bindparam(name) for name in _CLOCK_COLUMNS}),
        [{**dict(zip(_CLOCK_COLUMNS, row[:-1], strict=True)), "b_id": row[-1]} for row in values],
        execution_options={"synchronize_session": False},
    )


class _Versions:
    """Policy versions in force order, answering 'which policy governed this instant?'."""

    def __init__(self, versions: list[PolicyVersion]) -> None:
        self.versions = versions or [PolicyVersion(None, EPOCH, SlaPolicy(), None)]
        self._starts = [v.effective_from for v in self.versions]
        self._epochs = [v.effective_from.timestamp() for v in self.versions]

    def at(self, instant: datetime) -> SlaPolicy:
        i = bisect.bisect_right(self._starts, instant) - 1
        return self.versions[max(i, 0)].policy

    def at_epoch(self, seconds: float) -> SlaPolicy:
        if len(self.versions) == 1:
            return self.versions[0].policy
        i = bisect.bisect_right(self._epochs, seconds) - 1
        return self.versions[max(i, 0)].policy

    @property
    def current(self) -> SlaPolicy:
        return self.versions[-1].policy


class SlaService:
    def __init__(self, db: Database, clock: NowClock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._cached: tuple[tuple[Any, ...], _Versions] | None = None

    # --- policy ---------------------------------------------------------------------------------------

    def _versions(self, session: Session) -> _Versions:
        rows = session.scalars(
            select(SlaPolicyVersion).order_by(SlaPolicyVersion.effective_from, SlaPolicyVersion.id)
        )
        return _Versions(
            [PolicyVersion(r.id, r.effective_from, SlaPolicy.from_dict(r.body), r.created_at) for r in rows]
        )

    def policy_versions(self) -> list[PolicyVersion]:
        with self._db.reading() as s:
            return list(self._versions(s).versions)

    def current_policy(self) -> SlaPolicy:
        with self._db.reading() as s:
            return self._versions(s).current

    def policy_at(self, instant: datetime) -> SlaPolicy:
        with self._db.reading() as s:
            return self._versions(s).at(instant)

    def ensure_policy(self) -> None:
        """Store the default policy as the first version, so every PC of the team judges by the same one
        (the default calendar takes this computer's time zone)."""
        with self._db.writing() as s:
            if s.scalar(select(func.count()).select_from(SlaPolicyVersion)) == 0:
                s.add(
                    SlaPolicyVersion(
                        effective_from=EPOCH, body=SlaPolicy().to_dict(), created_at=self._clock()
                    )
                )

    def set_policy(
        self,
        policy: SlaPolicy,
        *,
        effective_from: datetime | None = None,
        actor_id: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyVersion:
        """Add a policy version in force from `effective_from` (default: now) and recompute the clocks of
        every lead it governs — in one transaction."""
        when = effective_from or self._clock()
        with self._db.writing() as s:
            if s.scalar(select(func.count()).select_from(SlaPolicyVersion)) == 0 and when > EPOCH:
                # Whatever was in force before the first saved version was the default.
                s.add(
                    SlaPolicyVersion(
                        effective_from=EPOCH, body=SlaPolicy().to_dict(), created_at=self._clock()
                    )
                )
            row = SlaPolicyVersion(
                effective_from=when, body=policy.to_dict(), created_at=self._clock(), created_by_id=actor_id
            )
            s.add(row)
            s.flush()
            ids = list(s.scalars(select(Lead.id).where(Lead.handed_off_at >= when).order_by(Lead.id)))
            self._refresh_in_chunks(s, ids, progress)
            return PolicyVersion(row.id, when, policy, row.created_at)

    # --- the clock cache ------------------------------------------------------------------------------

    def refresh_clocks(self, session: Session, lead_ids: Sequence[int]) -> None:
        """Recompute the cached due times of these leads (the lifecycle hook; runs in its transaction)."""
        self._refresh(session, list(lead_ids), None)

    def recompute_all(self, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Recompute every handed-off lead's clocks (after a history import or a repair)."""
        with self._db.writing() as s:
            ids = list(s.scalars(select(Lead.id).where(Lead.handed_off_at.is_not(None)).order_by(Lead.id)))
            self._refresh_in_chunks(s, ids, progress)
            return len(ids)

    def _refresh_in_chunks(
        self, session: Session, ids: list[int], progress: Callable[[int, int], None] | None
    ) -> None:
        versions = self._versions(session)
        for start in range(0, len(ids), CHUNK):
            self._refresh(session, ids[start : start + CHUNK], versions)
            if progress:
                progress(min(start + CHUNK, len(ids)), len(ids))

    def _refresh(self, session: Session, ids: list[int], versions: _Versions | None) -> None:
        if not ids:
            return
        session.flush()
        leads = session.execute(
            select(Lead.id, Lead.handed_off_at, Lead.score, Lead.campaign_id, Lead.accept_due_at).where(
                Lead.id.in_(ids)
            )
        ).all()
        # Leads that never reached sales (most changes: new leads, touches, edits) have nothing to compute.
        leads = [row for row in leads if row.handed_off_at is not None or row.accept_due_at is not None]
        if not leads:
            return
        versions = versions or self._versions(session)
        handoff_score, pauses = self._history(session, [row.id for row in leads if row.handed_off_at])
        # Per lead: accept due, accept at risk, contact due, contact at risk, rule (all None: no handoff).
        values: list[tuple[Any, ...]] = []
        for row in leads:
            start = row.handed_off_at
            if start is None:
                values.append((None, None, None, None, None, row.id))
                continue
            policy = versions.at(start)
            calendar, share = policy.calendar, policy.at_risk_share
            targets = policy.targets_for(handoff_score.get(row.id, row.score), row.campaign_id)
            lead_pauses = [p for p in pauses.get(row.id, ()) if p.start >= start]
            accept = due_times(calendar, start, targets.accept_seconds, share)
            contact = due_times(calendar, start, targets.contact_seconds, share, lead_pauses)
            values.append((accept.due, accept.at_risk, contact.due, contact.at_risk, targets.rule, row.id))
        _write_clocks(session, values)

    @staticmethod
    def _history(session: Session, ids: list[int]) -> tuple[dict[int, int], dict[int, list[Pause]]]:
        """Score at the latest handoff, and the pauses, of each lead."""
        scores: dict[int, int] = {}
        pauses: dict[int, list[Pause]] = defaultdict(list)
        if not ids:
            return scores, pauses
        events = session.execute(
            select(LeadEvent.lead_id, LeadEvent.kind, LeadEvent.at, LeadEvent.details)
            .where(
                LeadEvent.lead_id.in_(ids),
                LeadEvent.kind.in_((EventKind.HANDED_OFF.value, EventKind.PAUSED.value)),
            )
            .order_by(LeadEvent.lead_id, LeadEvent.at, LeadEvent.id)
        )
        for lead_id, kind, at, details in events:
            if kind == EventKind.HANDED_OFF.value:
                if details and "score" in details:
                    scores[lead_id] = int(details["score"])
            elif details and details.get("until"):
                until = datetime.fromisoformat(details["until"])
                pauses[lead_id].append(Pause(at, until if until.tzinfo else until.replace(tzinfo=UTC)))
        return scores, pauses

    # --- clocks for display ---------------------------------------------------------------------------

    def clocks(
        self, rows: Iterable[QueueRow], now: datetime | None = None, policy: SlaPolicy | None = None
    ) -> dict[int, Clock]:
        """The running clock of each queue row at `now` (pure computation; for the live countdown)."""
        now = now or self._clock()
        policy = policy or self.current_policy()
        calendar = policy.calendar
        result: dict[int, Clock] = {}
        for row in rows:
            lead = row.lead
            if lead.stage == Stage.HANDED_OFF and lead.accept_due_at and row.accept_risk_at:
                due = DueTimes(lead.accept_due_at, row.accept_risk_at)
                kind, paused = ClockKind.ACCEPT, None
            elif lead.stage == Stage.ACCEPTED and lead.contact_due_at and row.contact_risk_at:
                due = DueTimes(lead.contact_due_at, row.contact_risk_at)
                kind, paused = ClockKind.CONTACT, row.paused_until
            else:
                continue
            result[lead.id] = clock_at(calendar, kind, due, 0.0, None, now, paused)
        return result

    def lead_clocks(self, lead_id: int, now: datetime | None = None) -> list[Clock]:
        """Both clocks of one lead (met, late, running…), for the lead detail."""
        now = now or self._clock()
        with self._db.reading() as s:
            lead = s.execute(
                select(
                    Lead.handed_off_at,
                    Lead.accepted_at,
                    Lead.rejected_at,
                    Lead.first_contact_at,
                    Lead.accept_due_at,
                    Lead.accept_risk_at,
                    Lead.contact_due_at,
                    Lead.contact_risk_at,
                    Lead.paused_until,
                ).where(Lead.id == lead_id)
            ).first()
            if lead is None or lead.handed_off_at is None or lead.accept_due_at is None:
                return []
            versions = self._versions(s)
            _scores, pauses = self._history(s, [lead_id])
        cal = versions.at(lead.handed_off_at).calendar
        result = [
            clock_at(
                cal,
                ClockKind.ACCEPT,
                DueTimes(lead.accept_due_at, lead.accept_risk_at or lead.accept_due_at),
                cal.business_seconds_between(lead.handed_off_at, lead.accept_due_at),
                lead.accepted_at or lead.rejected_at,
                now,
            )
        ]
        if lead.rejected_at is None and lead.contact_due_at is not None:
            lead_pauses = [p for p in pauses.get(lead_id, ()) if p.start >= lead.handed_off_at]
            result.append(
                clock_at(
                    cal,
                    ClockKind.CONTACT,
                    DueTimes(lead.contact_due_at, lead.contact_risk_at or lead.contact_due_at),
                    elapsed_seconds(cal, lead.handed_off_at, lead.contact_due_at, lead_pauses),
                    lead.first_contact_at,
                    now,
                    lead.paused_until,
                )
            )
        return result

    # --- the queue and alerts -------------------------------------------------------------------------

    @staticmethod
    def _due_expr() -> Any:
        return case((Lead.stage == Stage.HANDED_OFF.value, Lead.accept_due_at), else_=Lead.contact_due_at)

    def queue(
        self, owner_id: int | None, *, offset: int = 0, limit: int = 200, text: str = ""
    ) -> list[QueueRow]:
        """Open SLA clocks of `owner_id` (everyone's when None), soonest due first."""
        from leaddesk.domain.queries import LeadFilter
        from leaddesk.services.lead_query_service import filter_conditions

        flt = LeadFilter(
            text=text,
            sales_owner_ids=frozenset({owner_id}) if owner_id is not None else frozenset(),
        )
        conds = filter_conditions(self._db.dialect, flt)
        columns = (
            Lead.accept_risk_at,
            Lead.contact_risk_at,
            Lead.paused_until,
            Lead.handoff_note,
            Lead.attempts,
            Lead.sla_rule,
        )
        if text.strip():
            # A search leaves few leads: sorting them directly is quickest.
            stmt = (
                row_select()
                .add_columns(*columns)
                .where(*conds, Lead.stage.in_(QUEUE_STAGES))
                .order_by(self._due_expr().asc().nulls_last(), Lead.id)
                .offset(offset)
                .limit(limit)
            )
        else:
            page = self._queue_page(conds, offset, limit)
            stmt = (
                row_select()
                .add_columns(*columns)
                .join(page, page.c.qid == Lead.id)
                .order_by(page.c.due.asc().nulls_last(), page.c.qid)
            )
        with self._db.reading() as s:
            return [
                QueueRow(
                    lead=lead_row(r),
                    accept_risk_at=r.accept_risk_at,
                    contact_risk_at=r.contact_risk_at,
                    paused_until=r.paused_until,
                    handoff_note=r.handoff_note,
                    attempts=r.attempts,
                    sla_rule=r.sla_rule,
                )
                for r in s.execute(stmt)
            ]

    @staticmethod
    def _queue_page(conds: list[Any], offset: int, limit: int) -> Any:
        """The ids and due times of a page of the queue, as ORDER BY due NULLS LAST, id would give them.

        Each stage's running clock is read in due order from its (stage, due) index and the two merged, so
        the first page costs the same with fifty open leads or fifty thousand; leads whose clock is not
        cached yet come last.
        """
        window = offset + limit
        arms = []
        for stage, due in ((Stage.HANDED_OFF, Lead.accept_due_at), (Stage.ACCEPTED, Lead.contact_due_at)):
            for cached in (True, False):
                arm = select(Lead.id.label("qid"), due.label("due")).where(
                    *conds, Lead.stage == stage.value, due.is_not(None) if cached else due.is_(None)
                )
                arm = arm.order_by(due, Lead.id) if cached else arm.order_by(Lead.id)
                arms.append(arm.limit(window).subquery().select())
        merged = union_all(*arms).subquery("queue_arms")
        page = (
            select(merged.c.qid, merged.c.due)
            .order_by(merged.c.due.asc().nulls_last(), merged.c.qid)
            .offset(offset)
            .limit(limit)
            .subquery("queue_page")
        )
        return page

    def queue_count(self, owner_id: int | None) -> int:
        conds = [Lead.deleted_at.is_(None), Lead.stage.in_(QUEUE_STAGES)]
        if owner_id is not None:
            conds.append(Lead.sales_owner_id == owner_id)
        with self._db.reading() as s:
            return int(s.scalar(select(func.count()).select_from(Lead).where(*conds)) or 0)

    def _alert_conditions(self, now: datetime) -> tuple[Any, Any]:
        waiting = Lead.stage == Stage.HANDED_OFF.value
        contacting = and_(
            Lead.stage == Stage.ACCEPTED.value,
            or_(Lead.paused_until.is_(None), Lead.paused_until <= now),
        )
        breached = or_(and_(waiting, Lead.accept_due_at <= now), and_(contacting, Lead.contact_due_at <= now))
        at_risk = or_(
            and_(waiting, Lead.accept_risk_at <= now, Lead.accept_due_at > now),
            and_(contacting, Lead.contact_risk_at <= now, Lead.contact_due_at > now),
        )
        return at_risk, breached

    def alert_counts(self, owner_id: int | None, now: datetime | None = None) -> AlertCounts:
        """How many open clocks of `owner_id` (everyone's when None) are at risk and breached, now.

        Four range counts on the (stage, due) indexes: a breached clock is simply one whose due time has
        passed (a pause always ends before the due time it moved), so only the few clocks not yet due
        need their at-risk instant and pause read.
        """
        now = now or self._clock()
        base = [Lead.deleted_at.is_(None)]
        if owner_id is not None:
            base.append(Lead.sales_owner_id == owner_id)
        waiting = Lead.stage == Stage.HANDED_OFF.value
        accepted = Lead.stage == Stage.ACCEPTED.value
        not_paused = or_(Lead.paused_until.is_(None), Lead.paused_until <= now)

        def count(*conds: Any) -> Any:
            return select(func.count()).select_from(Lead).where(*base, *conds).scalar_subquery()

        stmt = select(
            count(waiting, Lead.accept_due_at <= now),
            count(accepted, Lead.contact_due_at <= now),
            count(waiting, Lead.accept_due_at > now, Lead.accept_risk_at <= now),
            count(accepted, Lead.contact_due_at > now, Lead.contact_risk_at <= now, not_paused),
        )
        with self._db.reading() as s:
            breached_a, breached_c, risk_a, risk_c = s.execute(stmt).one()
        return AlertCounts(int(risk_a) + int(risk_c), int(breached_a) + int(breached_c))

    def new_alerts(self, member_id: int, now: datetime | None = None) -> list[Alert]:
        """Clocks that became at risk or breached and were not yet notified to this member: their own
        leads, and every breach for a manager. Each lead and state notifies once (recorded here)."""
        now = now or self._clock()
        at_risk, breached = self._alert_conditions(now)
        with self._db.writing() as s:
            member = s.get(TeamMember, member_id)
            if member is None:
                return []
            owner = TeamMember.__table__.alias("owner")
            conds = [Lead.deleted_at.is_(None), Lead.stage.in_(QUEUE_STAGES), or_(at_risk, breached)]
            if member.role == Role.MANAGER.value:
                conds.append(or_(Lead.sales_owner_id == member_id, breached))
            else:
                conds.append(Lead.sales_owner_id == member_id)
            rows = s.execute(
                select(
                    Lead.id,
                    Lead.first_name,
                    Lead.last_name,
                    Lead.company,
                    Lead.stage,
                    Lead.accept_due_at,
                    Lead.contact_due_at,
                    owner.c.name,
                )
                .outerjoin(owner, owner.c.id == Lead.sales_owner_id)
                .where(*conds)
                .limit(500)
            ).all()
            if not rows:
                return []
            seen = {
                (n.lead_id, n.clock, n.state)
                for n in s.scalars(
                    select(SlaNotification).where(
                        SlaNotification.member_id == member_id,
                        SlaNotification.lead_id.in_([r.id for r in rows]),
                    )
                )
            }
            alerts = []
            for r in rows:
                kind = ClockKind.ACCEPT if r.stage == Stage.HANDED_OFF.value else ClockKind.CONTACT
                due = r.accept_due_at if kind == ClockKind.ACCEPT else r.contact_due_at
                state = ClockState.BREACHED if due <= now else ClockState.AT_RISK
                if (r.id, kind.value, state.value) in seen:
                    continue
                s.add(
                    SlaNotification(
                        lead_id=r.id,
                        clock=kind.value,
                        state=state.value,
                        member_id=member_id,
                        notified_at=now,
                    )
                )
                name = " ".join(p for p in (r.first_name, r.last_name) if p) or r.company or f"#{r.id}"
                alerts.append(Alert(r.id, name, r.name, kind, state, due))
            return alerts

    def reassign_overdue(self, now: datetime | None = None, *, actor_id: int | None = None) -> dict[int, int]:
        """With the policy's option on, leads not accepted in time go back to the pool and are reassigned
        round-robin among present sales members (never to the same rep). Returns lead → new owner."""
        now = now or self._clock()
        policy = self.current_policy()
        if not policy.reassign_unaccepted:
            return {}
        from leaddesk.services.lifecycle_service import LifecycleService

        life = LifecycleService(self._db, lambda: now, hooks=[self.refresh_clocks])
        with self._db.reading() as s:
            overdue = list(
                s.execute(
                    select(Lead.id, Lead.sales_owner_id).where(
                        Lead.deleted_at.is_(None),
                        Lead.stage == Stage.HANDED_OFF.value,
                        Lead.accept_due_at <= now,
                    )
                )
            )
            day = now.date()
            absent = select(MemberAbsence.member_id).where(
                MemberAbsence.start_on <= day, MemberAbsence.end_on >= day
            )
            reps = list(
                s.scalars(
                    select(TeamMember.id)
                    .where(
                        TeamMember.role == Role.SALES.value,
                        TeamMember.active.is_(True),
                        TeamMember.id.not_in(absent),
                    )
                    .order_by(TeamMember.id)
                )
            )
        moved: dict[int, int] = {}
        for i, (lead_id, owner) in enumerate(overdue):
            others = [r for r in reps if r != owner]
            if not others:
                break
            target = others[i % len(others)]
            if life.reassign_for_sla(lead_id, target, actor_id=actor_id, if_overdue_with=owner):
                moved[lead_id] = target
        return moved

    # --- figures --------------------------------------------------------------------------------------

    def period_bounds(self, start: date, end: date) -> tuple[datetime, datetime]:
        """The UTC instants of [start 00:00, end+1 00:00) in the current calendar's zone."""
        return _day_bounds(self.current_policy().calendar.zone, start, end)

    def figures(
        self,
        start: date,
        end: date,
        *,
        campaign_id: int | None = None,
        owner_id: int | None = None,
        now: datetime | None = None,
    ) -> SlaFigures:
        """The SLA both ways for handoffs whose handoff falls in [start, end] (inclusive, calendar zone)."""
        return self.period(start, end, campaign_id=campaign_id, owner_id=owner_id, now=now).figures

    def period(
        self,
        start: date,
        end: date,
        *,
        campaign_id: int | None = None,
        owner_id: int | None = None,
        now: datetime | None = None,
        buckets: Sequence[tuple[date, date]] = (),
    ) -> SlaPeriod:
        """`figures` for the period, plus the same group figures for each of `buckets` (days or weeks
        inside the period: the trend) and the business hours to first contact of each contacted handoff
        (the histogram) — all from one reading of the period's handoffs, so they always agree."""
        if end < start:
            raise ValidationError("The period ends before it starts.")
        import numpy as np

        now_ts = (now or self._clock()).timestamp()
        zone = self.current_policy().calendar.zone
        lo, hi = _day_bounds(zone, start, end)
        conds = [Lead.deleted_at.is_(None), Lead.handed_off_at >= lo, Lead.handed_off_at < hi]
        mql_conds = [Lead.deleted_at.is_(None), Lead.mql_at >= lo, Lead.mql_at < hi]
        if campaign_id is not None:
            conds.append(Lead.campaign_id == campaign_id)
            mql_conds.append(Lead.campaign_id == campaign_id)
        if owner_id is not None:
            conds.append(Lead.sales_owner_id == owner_id)
        with self._db.reading() as s:
            versions = self._versions(s)
            # Only leads that asked to be called back have pauses to take out of their contact time; a pause
            # comes after its handoff, so the paused events since `lo` (few; index on kind, at) cover them.
            pause_rows = s.execute(
                select(LeadEvent.lead_id, epoch_seconds(LeadEvent.at), LeadEvent.details).where(
                    LeadEvent.kind == EventKind.PAUSED.value, LeadEvent.at >= lo
                )
            ).all()
            # One read of the period's handoffs from the covering index, instants as epoch seconds; names
            # come from two small lookups. (The lead ids only when there are pauses to match.)
            handoffs = read_handoffs(s, [*conds, Lead.accept_due_at.is_not(None)], with_ids=bool(pause_rows))
            # MQLs per campaign from the MQL index alone; the campaigns' names and targets looked up after.
            mql_counts = s.execute(
                select(Lead.campaign_id, func.count()).where(*mql_conds).group_by(Lead.campaign_id)
            ).all()
            campaigns = s.execute(
                select(Campaign.id, Campaign.name, Campaign.monthly_mql_target, Campaign.archived)
            ).all()
            owner_names: dict[int, str] = dict(s.execute(select(TeamMember.id, TeamMember.name)).all())
        info = {c.id: c for c in campaigns}
        campaign_names = {c.id: c.name for c in campaigns}
        mql_rows = [
            (cid, *((info[cid].name, info[cid].monthly_mql_target) if cid in info else (None, None)), count)
            for cid, count in mql_counts
        ]
        targets = [c for c in campaigns if c.archived is False]
        n = len(handoffs)
        ids, campaign_ids, owner_ids = handoffs.ids or (), handoffs.campaign_ids, handoffs.owner_ids
        reasons = handoffs.reject_reasons
        handed, accepted, rejected_at, contacted, accept_due, contact_due, paused = handoffs.instants
        replied = np.where(np.isnan(accepted), rejected_at, accepted)
        rejected = ~np.isnan(rejected_at)
        # Business time per policy version in force at each handoff (usually one).
        if len(versions.versions) == 1 or not n:
            version_of = np.zeros(n, dtype=np.int64)
        else:
            epochs = np.asarray(versions._epochs, dtype=np.float64)
            version_of = np.maximum(np.searchsorted(epochs, handed, side="right") - 1, 0)
        reply_seconds = np.full(n, np.nan)
        contact_seconds = np.full(n, np.nan)
        for v in np.unique(version_of):
            m = version_of == v
            calendar = versions.versions[int(v)].policy.calendar
            reply_seconds[m] = business_seconds(calendar, handed[m], replied[m])
            contact_seconds[m] = business_seconds(calendar, handed[m], contacted[m])
        if pause_rows:
            pauses: dict[int, list[tuple[float, float]]] = defaultdict(list)
            for lead_id, at, details in pause_rows:
                if details and details.get("until"):
                    until = datetime.fromisoformat(details["until"])
                    pauses[lead_id].append(
                        (at, (until if until.tzinfo else until.replace(tzinfo=UTC)).timestamp())
                    )
            for i, lead_id in enumerate(ids):
                if lead_id not in pauses or np.isnan(contacted[i]):
                    continue
                h, c = float(handed[i]), float(contacted[i])
                between = versions.at_epoch(h).calendar.business_seconds_between_epoch
                elapsed = float(contact_seconds[i])
                for p_start, p_until in pauses[lead_id]:
                    p_lo, p_hi = max(p_start, h), min(p_until, c)
                    if p_start >= h and p_hi > p_lo:
                        elapsed -= between(p_lo, p_hi)
                contact_seconds[i] = elapsed
        open_contact = ~rejected & np.isnan(contacted)
        with np.errstate(invalid="ignore"):
            open_breach = (np.isnan(replied) & (now_ts >= accept_due)) | (
                open_contact & (now_ts >= contact_due) & ~(paused > now_ts)
            )
        rejected_rows = np.flatnonzero(rejected)
        rejected_list: list[int] = rejected_rows.tolist()
        codes_of_rejected, reason_names = first_seen_codes([reasons[i] or "other" for i in rejected_list])
        reason_code = np.full(n, -1, dtype=np.int64)
        reason_code[rejected_rows] = codes_of_rejected
        facts = HandoffColumns(
            handed_off_at=handed,
            replied_at=replied,
            rejected=rejected,
            reason_code=reason_code,
            reasons=reason_names,
            accept_due=accept_due,
            first_contact_at=contacted,
            contact_due=contact_due,
            hours_to_reply=reply_seconds / 3600,
            hours_to_contact=np.maximum(contact_seconds, 0.0) / 3600,
            open_breach=open_breach,
        )
        overall = group_figures(facts, None, now_ts)

        def per(keys: Any, names: dict[int, str], nobody: str) -> dict[str, SlaGroupFigures]:
            """Group figures per name (ids of one name together; no id (-1) or no name: `nobody`)."""
            distinct, inverse = np.unique(keys, return_inverse=True)
            name_of = [names.get(key) or nobody for key in distinct.tolist()]
            ordered = sorted(set(name_of))
            index = {name: i for i, name in enumerate(ordered)}
            group_of = np.array([index[name] for name in name_of], dtype=np.int64)
            return dict(
                zip(ordered, grouped_figures(facts, group_of[inverse], len(ordered), now_ts), strict=True)
            )

        def campaign(i: int) -> int | None:
            return int(campaign_ids[i]) if campaign_ids[i] >= 0 else None

        not_in_target_ids = [campaign(i) for i in rejected_list if reasons[i] == "not_in_target"]
        distinct_campaigns, handoff_counts = np.unique(campaign_ids, return_counts=True)
        per_campaign = Counter(
            {
                (cid if cid >= 0 else None): count
                for cid, count in zip(distinct_campaigns.tolist(), handoff_counts.tolist(), strict=True)
            }
        )
        months = _months_in(start, end)
        policy = versions.at(hi - timedelta(seconds=1))
        mql_per_campaign = self._mql_per_campaign(
            mql_rows,
            targets,
            months,
            per_campaign,
            Counter(not_in_target_ids),
            campaign_id,
        )
        not_in_target = len(not_in_target_ids)
        mql_target = (
            sum(c.target for c in mql_per_campaign)
            if campaign_id is not None
            else policy.monthly_mql_target * months
        )
        trend = self._trend(facts, [_day_bounds(zone, *bucket) for bucket in buckets], now_ts)
        figures = SlaFigures(
            period_start=start,
            period_end=end,
            overall=overall,
            mql_total=sum(c.mqls for c in mql_per_campaign),
            mql_target=mql_target,
            not_in_target_pct=round(100.0 * not_in_target / n, 1) if n else None,
            max_not_in_target_pct=policy.max_not_in_target_pct,
            min_acceptance_rate_pct=policy.min_acceptance_rate_pct,
            per_campaign=per(campaign_ids, campaign_names, "(no campaign)") if n else {},
            per_owner=per(owner_ids, owner_names, "(nobody)") if n else {},
            mql_per_campaign=mql_per_campaign,
        )
        hours = facts.hours_to_contact
        contact_hours = hours[~np.isnan(hours)].tolist()
        return SlaPeriod(figures, tuple(trend), tuple(contact_hours))

    def _trend(
        self, facts: HandoffColumns, buckets: Sequence[tuple[datetime, datetime]], now_ts: float
    ) -> list[SlaGroupFigures]:
        """The group figures of the handoffs of each bucket (its UTC bounds)."""
        import numpy as np

        edges = [(lo.timestamp(), hi.timestamp()) for lo, hi in buckets]
        handed = facts.handed_off_at
        if not edges or any(hi > lo for (_lo, hi), (lo, _hi) in itertools.pairwise(edges)):
            return [group_figures(facts, (lo <= handed) & (handed < hi), now_ts) for lo, hi in edges]
        # Buckets one after the other (weeks, days): each handoff falls in one at most, all counted at once.
        lows = np.array([lo for lo, _hi in edges], dtype=np.float64)
        highs = np.array([hi for _lo, hi in edges], dtype=np.float64)
        bucket = np.searchsorted(lows, handed, side="right") - 1
        with np.errstate(invalid="ignore"):
            bucket[(bucket < 0) | ~(handed < highs[np.maximum(bucket, 0)])] = -1
        return grouped_figures(facts, bucket, len(edges), now_ts)

    @staticmethod
    def _mql_per_campaign(
        mql_rows: Sequence[Any],
        targets: Sequence[Any],
        months: float,
        handoffs: Counter[int | None],
        not_in_target: Counter[int | None],
        only: int | None,
    ) -> list[CampaignMqlFigures]:
        counts = {r[0]: (r[1], r[2], r[3]) for r in mql_rows}
        result = []
        ids = {t.id for t in targets} | set(counts)
        names = {t.id: (t.name, t.monthly_mql_target) for t in targets}
        for cid in sorted(ids, key=lambda c: (c is None, c or 0)):
            if only is not None and cid != only:
                continue
            name, target, n = counts.get(cid, (*names.get(cid, ("(no campaign)", 0)), 0))
            name = name or "(no campaign)"
            result.append(
                CampaignMqlFigures(
                    cid, name, int(n), float(target or 0) * months, handoffs[cid], not_in_target[cid]
                )
            )
        return result


def _months_in(start: date, end: date) -> float:
    """The period's length in months, counting partial months by their days (for monthly targets)."""
    months = 0.0
    day = start
    while day <= end:
        days_in_month = stdlib_calendar.monthrange(day.year, day.month)[1]
        last = min(end, date(day.year, day.month, days_in_month))
        months += ((last - day).days + 1) / days_in_month
        day = last + timedelta(days=1)
    return months


def _day_bounds(zone: tzinfo, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of [start 00:00, end+1 00:00) in `zone`."""
    lo = datetime.combine(start, time(0), zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return lo, hi
