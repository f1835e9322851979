"""The lead lifecycle: creating and editing leads and every move through the funnel.

Each public method is one transaction. Every move writes its `LeadEvent` and the matching denormalised
timestamp on the lead in the same transaction, through `_move`, the only place that changes a stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from leaddesk.domain.clock import Clock, ensure_utc, system_clock
from leaddesk.domain.enums import ActivityKind, EventKind, Outcome, Role, Stage
from leaddesk.domain.errors import ConflictError, NotFoundError, TransitionError, ValidationError
from leaddesk.domain.fields import PROFILE_FIELD_NAMES
from leaddesk.domain.identity import missing_identity, name_company_key
from leaddesk.domain.lifecycle import check_transition
from leaddesk.domain.money import cents
from leaddesk.domain.records import LeadDraft
from leaddesk.models import Activity, CampaignTouch, Lead, LeadEvent, MemberAbsence, TeamMember
from leaddesk.models.database import Database
from leaddesk.services.settings_service import read_setting, write_setting

#: Called inside the transaction with the ids of leads whose history changed (the SLA service
#: recomputes their clocks there, so the cache never disagrees with the events).
LeadChangeHook = Callable[[Session, Sequence[int]], None]

EDITABLE_FIELDS = (*PROFILE_FIELD_NAMES, "campaign_id", "marketing_owner_id", "custom_fields")
ROUND_ROBIN_KEY = "round_robin"


def _cents(value: Decimal | None) -> Decimal | None:
    """A money amount as the lead stores it (to the cent), so the lead and its events say the same
    whether the lead was read back from the database or is still the object this transaction set."""
    return None if value is None else cents(value)


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class LifecycleService:
    def __init__(
        self, db: Database, clock: Clock = system_clock, hooks: Iterable[LeadChangeHook] = ()
    ) -> None:
        self._db = db
        self._clock = clock
        self._hooks: list[LeadChangeHook] = list(hooks)
        #: Hooks that only derive data from the history (idempotent): in a batch they run once, at the end.
        self._deferrable: list[LeadChangeHook] = []
        self._session: Session | None = None
        self._pending: set[int] | None = None

    def add_hook(self, hook: LeadChangeHook, *, deferrable: bool = False) -> None:
        (self._deferrable if deferrable else self._hooks).append(hook)

    def with_clock(self, clock: Clock) -> LifecycleService:
        """The same service (same hooks, also those added later) reading another clock."""
        twin = LifecycleService(self._db, clock)
        twin._hooks = self._hooks
        twin._deferrable = self._deferrable
        return twin

    @contextmanager
    def batch(self) -> Iterator[LifecycleService]:
        """Many moves in one transaction: the yielded service runs every call inside it.

        Used by the demo generator and by imports; everything commits at the end or nothing does.
        """
        with self._writing() as session:
            bound = self.with_clock(self._clock)
            bound._session = session
            bound._pending = set()
            yield bound
            pending = sorted(bound._pending)
            session.flush()
            for start in range(0, len(pending), 900):
                for hook in self._deferrable:
                    hook(session, pending[start : start + 900])

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        if self._session is not None:
            yield self._session
        else:
            with self._db.writing() as session:
                yield session

    # --- shared steps --------------------------------------------------------------------------------

    def _now(self, at: datetime | None) -> datetime:
        return ensure_utc(at) if at is not None else self._clock()

    def _changed(self, session: Session, lead_ids: Sequence[int]) -> None:
        session.flush()
        for hook in self._hooks:
            hook(session, lead_ids)
        if self._pending is not None:
            self._pending.update(lead_ids)
        else:
            for hook in self._deferrable:
                hook(session, lead_ids)

    @staticmethod
    def _load(session: Session, lead_id: int, *, allow_deleted: bool = False, lock: bool = True) -> Lead:
        """The lead, locked for this transaction (SELECT … FOR UPDATE on PostgreSQL; SQLite writers
        already hold the database's write lock), so two writers to one lead queue instead of one failing
        on a stale version."""
        # Only PostgreSQL needs the row lock; asking for it makes SQLAlchemy re-read a lead the session
        # already holds, which a batch of moves (the demo, bulk handoff) would pay on every step.
        lock = lock and session.get_bind().dialect.name == "postgresql"
        lead = session.get(Lead, lead_id, with_for_update=lock or None)
        if lead is None or (lead.deleted_at is not None and not allow_deleted):
            raise NotFoundError(f"Lead #{lead_id} does not exist (or is in the trash).")
        if lead.erased_at is not None and not allow_deleted:
            raise NotFoundError(f"Lead #{lead_id} was erased.")
        return lead

    def _touch(self, lead: Lead, actor_id: int | None) -> None:
        lead.updated_at = self._clock()
        lead.updated_by_id = actor_id

    @staticmethod
    def _event(
        session: Session,
        lead: Lead,
        kind: EventKind,
        at: datetime,
        actor_id: int | None,
        *,
        from_stage: str | None = None,
        to_stage: str | None = None,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        session.add(
            LeadEvent(
                lead_id=lead.id,
                at=at,
                actor_id=actor_id,
                kind=kind.value,
                from_stage=from_stage,
                to_stage=to_stage,
                reason=reason,
                details={k: _json_safe(v) for k, v in (details or {}).items() if v is not None},
            )
        )

    def _move(
        self,
        session: Session,
        lead: Lead,
        action_name: str,
        at: datetime,
        actor_id: int | None,
        *,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        act = check_transition(Stage(lead.stage), action_name, reason)
        before = lead.stage
        lead.stage = act.target.value
        if act.stamps:
            setattr(lead, act.stamps, at)
        for column in act.clears:
            setattr(lead, column, None)
        self._touch(lead, actor_id)
        clean_reason = reason.strip() if reason else None
        self._event(
            session,
            lead,
            act.event,
            at,
            actor_id,
            from_stage=before,
            to_stage=act.target.value,
            reason=clean_reason,
            details=details,
        )

    def _apply_each(
        self,
        lead_ids: Sequence[int],
        step: Callable[[Session, Lead, datetime], None],
        at: datetime | None,
    ) -> list[int]:
        if not lead_ids:
            return []
        when = self._now(at)
        with self._writing() as s:
            for lead_id in lead_ids:
                step(s, self._load(s, lead_id), when)
            self._changed(s, list(lead_ids))
        return list(lead_ids)

    # --- creating and editing ------------------------------------------------------------------------

    def create_lead(
        self,
        draft: LeadDraft,
        *,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> int:
        """Store a new lead (stage `new`) with its `created` event; returns its id."""
        problem = missing_identity(draft.email, draft.phone, draft.first_name, draft.last_name, draft.company)
        if problem:
            raise ValidationError(f"A lead {problem}.")
        when = self._now(at)
        with self._writing() as s:
            lead_id = self._insert(s, draft, when, actor_id)
            self._changed(s, [lead_id])
            return lead_id

    def _insert(self, session: Session, draft: LeadDraft, when: datetime, actor_id: int | None) -> int:
        values = {f.name: getattr(draft, f.name) for f in dataclass_fields(draft)}
        values["consent"] = bool(values["consent"])
        lead = Lead(
            **values,
            name_company_key=name_company_key(draft.first_name, draft.last_name, draft.company),
            stage=Stage.NEW.value,
            score=0,
            attempts=0,
            created_at=when,
            updated_at=self._clock(),
            updated_by_id=actor_id,
        )
        session.add(lead)
        session.flush()
        self._event(session, lead, EventKind.CREATED, when, actor_id, to_stage=Stage.NEW.value)
        if draft.campaign_id is not None:
            session.add(CampaignTouch(lead_id=lead.id, campaign_id=draft.campaign_id, touched_at=when))
        return lead.id

    def update_lead(
        self,
        lead_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int,
        actor_id: int | None = None,
        force: bool = False,
    ) -> int:
        """Apply field changes; returns the new version.

        Raises `ConflictError` (who and when) if the lead changed since `expected_version` was read,
        unless `force` (the user chose to overwrite).
        """
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValidationError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
        try:
            with self._writing() as s:
                lead = self._load(s, lead_id)
                if lead.version != expected_version and not force:
                    raise self._conflict(s, lead)
                diff = {
                    name: (getattr(lead, name), value)
                    for name, value in changes.items()
                    if getattr(lead, name) != value
                }
                if not diff:
                    return lead.version
                for name, (_old, new) in diff.items():
                    setattr(lead, name, new)
                problem = missing_identity(
                    lead.email, lead.phone, lead.first_name, lead.last_name, lead.company
                )
                if problem:
                    raise ValidationError(f"A lead {problem}.")
                lead.name_company_key = name_company_key(lead.first_name, lead.last_name, lead.company)
                self._touch(lead, actor_id)
                self._event(
                    s,
                    lead,
                    EventKind.EDITED,
                    self._clock(),
                    actor_id,
                    details={
                        "changes": {k: [_json_safe(o), _json_safe(n)] for k, (o, n) in diff.items()},
                        "forced": force or None,
                    },
                )
                self._changed(s, [lead_id])
                return lead.version
        except StaleDataError:
            with self._db.reading() as s:
                raise self._conflict(s, self._load(s, lead_id, lock=False)) from None

    @staticmethod
    def _conflict(session: Session, lead: Lead) -> ConflictError:
        who = session.get(TeamMember, lead.updated_by_id) if lead.updated_by_id else None
        name = who.name if who else "someone else"
        return ConflictError(
            f"This lead was changed by {name} at {lead.updated_at:%Y-%m-%d %H:%M} UTC since you opened it.",
            changed_by=name,
            changed_at=lead.updated_at,
        )

    def delete_leads(self, lead_ids: Sequence[int], *, actor_id: int | None = None) -> int:
        """Move leads to the trash (restorable)."""

        def step(s: Session, lead: Lead, when: datetime) -> None:
            lead.deleted_at = when
            self._touch(lead, actor_id)
            self._event(s, lead, EventKind.DELETED, when, actor_id)

        return len(self._apply_each(lead_ids, step, None))

    def restore_leads(self, lead_ids: Sequence[int], *, actor_id: int | None = None) -> int:
        when = self._clock()
        with self._writing() as s:
            for lead_id in lead_ids:
                lead = self._load(s, lead_id, allow_deleted=True)
                if lead.deleted_at is None:
                    continue
                lead.deleted_at = None
                self._touch(lead, actor_id)
                self._event(s, lead, EventKind.RESTORED, when, actor_id)
            self._changed(s, list(lead_ids))
        return len(lead_ids)

    def add_touch(
        self,
        lead_id: int,
        campaign_id: int | None,
        *,
        content: str | None = None,
        content_type: str | None = None,
        at: datetime | None = None,
        actor_id: int | None = None,
    ) -> None:
        """Record that the lead saw a campaign or a piece of its content."""
        when = self._now(at)
        with self._writing() as s:
            lead = self._load(s, lead_id)
            s.add(
                CampaignTouch(
                    lead_id=lead_id,
                    campaign_id=campaign_id,
                    content=content,
                    content_type=content_type,
                    touched_at=when,
                )
            )
            self._event(
                s,
                lead,
                EventKind.TOUCHED,
                when,
                actor_id,
                details={"campaign_id": campaign_id, "content": content, "content_type": content_type},
            )
            self._changed(s, [lead_id])

    # --- marketing moves -----------------------------------------------------------------------------

    def qualify(
        self, lead_ids: Sequence[int], *, actor_id: int | None = None, at: datetime | None = None
    ) -> list[int]:
        def step(s: Session, lead: Lead, when: datetime) -> None:
            self._move(s, lead, "qualify", when, actor_id)

        return self._apply_each(lead_ids, step, at)

    def handoff(
        self,
        lead_ids: Sequence[int],
        *,
        owner_id: int | None = None,
        note: str | None = None,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> dict[int, int]:
        """Hand leads to sales: to `owner_id`, or round-robin among active sales members not absent.

        A lead still `new` is qualified first (its own event). Returns lead id → sales owner id.
        """
        if not lead_ids:
            return {}
        when = self._now(at)
        assigned: dict[int, int] = {}
        with self._writing() as s:
            if owner_id is not None:
                owner = s.get(TeamMember, owner_id)
                if owner is None or not owner.active:
                    raise ValidationError("Choose an active sales member to hand the leads to.")
            for lead_id in lead_ids:
                lead = self._load(s, lead_id)
                if lead.stage == Stage.NEW.value:
                    self._move(s, lead, "qualify", when, actor_id)
                target = owner_id if owner_id is not None else self._next_round_robin(s, when.date())
                owner_name = s.get(TeamMember, target).name  # type: ignore[union-attr]
                self._move(
                    s,
                    lead,
                    "handoff",
                    when,
                    actor_id,
                    # The score at handoff picks the SLA priority rule, whatever re-scoring does later.
                    details={
                        "sales_owner_id": target,
                        "sales_owner": owner_name,
                        "note": note or None,
                        "score": lead.score,
                    },
                )
                lead.sales_owner_id = target
                lead.handoff_note = note or None
                lead.attempts = 0
                lead.paused_until = None
                assigned[lead_id] = target
            self._changed(s, list(lead_ids))
        return assigned

    def _next_round_robin(self, session: Session, day: date) -> int:
        absent = select(MemberAbsence.member_id).where(
            MemberAbsence.start_on <= day, MemberAbsence.end_on >= day
        )
        candidates = list(
            session.scalars(
                select(TeamMember.id)
                .where(
                    TeamMember.role == Role.SALES.value,
                    TeamMember.active.is_(True),
                    TeamMember.id.not_in(absent),
                )
                .order_by(TeamMember.id)
            )
        )
        if not candidates:
            raise ValidationError("No sales member is active and present today to receive the leads.")
        state = read_setting(session, ROUND_ROBIN_KEY) or {}
        last = int(state.get("last_member_id", 0))
        chosen = next((c for c in candidates if c > last), candidates[0])
        write_setting(session, ROUND_ROBIN_KEY, {"last_member_id": chosen}, self._clock)
        return chosen

    def recycle(
        self,
        lead_ids: Sequence[int],
        *,
        note: str | None = None,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> list[int]:
        """Send returned (or lost) leads back to nurture: stage `new`, a fresh pass through the funnel."""

        def step(s: Session, lead: Lead, when: datetime) -> None:
            self._move(s, lead, "recycle", when, actor_id, details={"note": note or None})
            lead.sales_owner_id = None
            lead.reject_reason = None
            lead.reject_note = None
            lead.close_reason = None
            lead.handoff_note = None

        return self._apply_each(lead_ids, step, at)

    def disqualify(
        self,
        lead_ids: Sequence[int],
        *,
        reason: str,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> list[int]:
        def step(s: Session, lead: Lead, when: datetime) -> None:
            self._move(s, lead, "disqualify", when, actor_id, reason=reason)
            lead.close_reason = reason.strip()

        return self._apply_each(lead_ids, step, at)

    # --- sales moves ---------------------------------------------------------------------------------

    def accept(
        self, lead_ids: Sequence[int], *, actor_id: int | None = None, at: datetime | None = None
    ) -> list[int]:
        def step(s: Session, lead: Lead, when: datetime) -> None:
            self._move(s, lead, "accept", when, actor_id)

        return self._apply_each(lead_ids, step, at)

    def reject(
        self,
        lead_id: int,
        *,
        reason: str,
        note: str | None = None,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """Return a lead to marketing with a reason (it lands in marketing's 'returned' inbox)."""

        def step(s: Session, lead: Lead, when: datetime) -> None:
            self._move(s, lead, "reject", when, actor_id, reason=reason, details={"note": note or None})
            lead.reject_reason = reason.strip()
            lead.reject_note = note or None

        self._apply_each([lead_id], step, at)

    def assign(self, lead_id: int, owner_id: int, *, actor_id: int | None = None) -> None:
        """Give an open sales lead to another sales member."""

        def step(s: Session, lead: Lead, when: datetime) -> None:
            if not Stage(lead.stage).is_with_sales:
                raise TransitionError("Only leads that are with sales can be reassigned.")
            owner = s.get(TeamMember, owner_id)
            if owner is None or not owner.active:
                raise ValidationError("Choose an active team member.")
            before = lead.sales_owner_id
            lead.sales_owner_id = owner_id
            self._touch(lead, actor_id)
            self._event(
                s,
                lead,
                EventKind.ASSIGNED,
                when,
                actor_id,
                details={"from_owner_id": before, "to_owner_id": owner_id, "to_owner": owner.name},
            )

        self._apply_each([lead_id], step, None)

    def reassign_for_sla(
        self,
        lead_id: int,
        owner_id: int,
        *,
        actor_id: int | None = None,
        if_overdue_with: int | None = None,
    ) -> bool:
        """Hand a lead nobody accepted in time to another rep: a new handoff, so a fresh accept clock.

        The breach stays in the history (the first handoff event and its time). `if_overdue_with`: only
        if the lead still waits, overdue, with that rep when the write lock is held; else nothing is done
        and False returned (every PC runs the periodic check, so another may have moved it already).
        """
        moved = [True]

        def step(s: Session, lead: Lead, when: datetime) -> None:
            if if_overdue_with is not None and not (
                lead.stage == Stage.HANDED_OFF.value
                and lead.sales_owner_id == if_overdue_with
                and lead.accept_due_at is not None
                and lead.accept_due_at <= when
            ):
                moved[0] = False
                return
            if lead.stage != Stage.HANDED_OFF.value:
                raise TransitionError("Only leads waiting to be accepted go back to the pool.")
            owner = s.get(TeamMember, owner_id)
            if owner is None or not owner.active:
                raise ValidationError("Choose an active team member.")
            before = lead.sales_owner_id
            lead.sales_owner_id = owner_id
            lead.handed_off_at = when
            self._touch(lead, actor_id)
            self._event(
                s,
                lead,
                EventKind.HANDED_OFF,
                when,
                actor_id,
                from_stage=lead.stage,
                to_stage=lead.stage,
                reason="not accepted in time",
                details={
                    "reassigned_from": before,
                    "sales_owner_id": owner_id,
                    "sales_owner": owner.name,
                    "score": lead.score,
                },
            )

        self._apply_each([lead_id], step, None)
        return moved[0]

    def log_activity(
        self,
        lead_id: int,
        *,
        kind: ActivityKind,
        outcome: Outcome,
        actor_id: int | None = None,
        at: datetime | None = None,
        note: str | None = None,
        next_step_on: date | None = None,
        callback_at: datetime | None = None,
    ) -> int:
        """Log a call, email or meeting. Returns the activity id.

        A lead still waiting to be accepted is accepted first (the rep is working it). The first activity
        that reached the lead is the first contact (stage `contacted`, the contact clock stops); other
        outcomes are attempts. "Call back on date" pauses the contact clock until that date.
        """
        if outcome == Outcome.CALL_BACK and callback_at is None:
            raise ValidationError("Give the date and time the lead asked to be called back.")
        when = self._now(at)
        with self._writing() as s:
            lead = self._load(s, lead_id)
            stage = Stage(lead.stage)
            if stage.is_closed or stage in (Stage.REJECTED,):
                raise TransitionError(f"This lead is {stage.value}; reopen it before logging contacts.")
            activity = Activity(
                lead_id=lead_id,
                kind=kind.value,
                outcome=outcome.value,
                at=when,
                member_id=actor_id,
                next_step_on=next_step_on,
                callback_at=ensure_utc(callback_at) if callback_at else None,
                note=note or None,
            )
            s.add(activity)
            s.flush()
            if stage == Stage.HANDED_OFF:
                self._move(s, lead, "accept", when, actor_id, details={"implicit": True})
            if Stage(lead.stage) == Stage.ACCEPTED and outcome.is_contact:
                self._move(
                    s, lead, "contact", when, actor_id, details={"activity_id": activity.id, "kind": kind}
                )
            self._event(
                s,
                lead,
                EventKind.ACTIVITY,
                when,
                actor_id,
                details={"activity_id": activity.id, "kind": kind, "outcome": outcome, "note": note or None},
            )
            if Stage(lead.stage).is_with_sales:
                lead.attempts += 1
            lead.last_activity_at = when
            lead.next_step_on = next_step_on
            if outcome.is_contact:
                lead.paused_until = None
            elif outcome == Outcome.CALL_BACK and callback_at is not None:
                lead.paused_until = ensure_utc(callback_at)
                self._event(
                    s, lead, EventKind.PAUSED, when, actor_id, details={"until": ensure_utc(callback_at)}
                )
            self._touch(lead, actor_id)
            self._changed(s, [lead_id])
            return activity.id

    def to_opportunity(
        self,
        lead_id: int,
        *,
        expected_value: Decimal | None,
        expected_close_on: date | None,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        expected_value = _cents(expected_value)

        def step(s: Session, lead: Lead, when: datetime) -> None:
            self._move(
                s,
                lead,
                "opportunity",
                when,
                actor_id,
                details={"expected_value": expected_value, "expected_close_on": expected_close_on},
            )
            lead.expected_value = expected_value
            lead.expected_close_on = expected_close_on

        self._apply_each([lead_id], step, at)

    def win(
        self,
        lead_id: int,
        *,
        value: Decimal | None = None,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        amount = _cents(value)

        def step(s: Session, lead: Lead, when: datetime) -> None:
            if amount is not None:
                lead.expected_value = amount
            self._move(s, lead, "win", when, actor_id, details={"value": lead.expected_value})

        self._apply_each([lead_id], step, at)

    def lose(
        self,
        lead_id: int,
        *,
        reason: str,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        def step(s: Session, lead: Lead, when: datetime) -> None:
            self._move(s, lead, "lose", when, actor_id, reason=reason)
            lead.close_reason = reason.strip()

        self._apply_each([lead_id], step, at)

    def current_stage(self, lead_id: int) -> Stage:
        with self._db.reading() as s:
            return Stage(self._load(s, lead_id, lock=False).stage)
