"""Frozen records that cross layers. Services return these, never live ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from leaddesk.domain.enums import ActivityKind, Channel, EventKind, Outcome, Role, Stage


@dataclass(frozen=True, slots=True)
class Absence:
    start: date
    end: date
    note: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    name: str
    email: str | None
    role: Role
    active: bool
    absences: tuple[Absence, ...] = ()

    def is_absent_on(self, day: date) -> bool:
        return any(a.covers(day) for a in self.absences)


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    name: str
    channel: Channel
    starts_on: date | None
    ends_on: date | None
    owner_id: int | None
    owner_name: str | None
    monthly_mql_target: int
    archived: bool


@dataclass(frozen=True, slots=True)
class LeadDraft:
    """What a person or an import provides about a lead. None means 'not given'."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    job_title: str | None = None
    company: str | None = None
    company_size: int | None = None
    industry: str | None = None
    country: str | None = None
    province: str | None = None
    city: str | None = None
    source: str | None = None
    consent: bool | None = None
    notes: str | None = None
    campaign_id: int | None = None
    marketing_owner_id: int | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LeadRow:
    """One row of a leads table: what the list views show."""

    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    job_title: str | None
    city: str | None
    country: str | None
    campaign_id: int | None
    campaign_name: str | None
    score: int
    stage: Stage
    marketing_owner_name: str | None
    sales_owner_id: int | None
    sales_owner_name: str | None
    created_at: datetime
    updated_at: datetime
    handed_off_at: datetime | None
    accept_due_at: datetime | None
    contact_due_at: datetime | None
    version: int
    #: Why sales returned the lead (a `RejectReason` value) and its note, while it is `rejected`.
    reject_reason: str | None = None
    reject_note: str | None = None
    #: The person's data was erased (privacy); the row stays for the counts.
    erased: bool = False

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.email or self.company or f"#{self.id}"


@dataclass(frozen=True, slots=True)
class LeadDetail:
    """Everything about one lead that the detail view and the edit form show."""

    id: int
    stage: Stage
    score: int
    version: int
    profile: LeadDraft
    campaign_name: str | None
    marketing_owner_name: str | None
    sales_owner_id: int | None
    sales_owner_name: str | None
    handoff_note: str | None
    reject_reason: str | None
    lost_reason: str | None
    expected_value: Decimal | None
    expected_close_on: date | None
    paused_until: datetime | None
    created_at: datetime
    updated_at: datetime
    updated_by_name: str | None
    deleted_at: datetime | None
    erased_at: datetime | None
    stamps: dict[str, datetime | None]


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    lead_id: int
    at: datetime
    actor_name: str | None
    kind: EventKind
    from_stage: Stage | None
    to_stage: Stage | None
    reason: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ActivityRow:
    id: int
    lead_id: int
    kind: ActivityKind
    outcome: Outcome
    at: datetime
    member_name: str | None
    next_step_on: date | None
    callback_at: datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class TouchRow:
    id: int
    lead_id: int
    campaign_id: int | None
    campaign_name: str | None
    content: str | None
    content_type: str | None
    touched_at: datetime


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    """One campaign's numbers for the campaigns panel: volume, this month against target, closed loop."""

    campaign_id: int
    leads: int
    mqls_this_month: int
    monthly_target: int
    handed_off: int
    accepted: int
    rejected: int
    opportunities: int
    won: int
    revenue: Decimal

    @property
    def target_share(self) -> float | None:
        """MQLs this month as a share of the monthly target (None without a target)."""
        return self.mqls_this_month / self.monthly_target if self.monthly_target else None

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted among the leads sales answered (accepted or returned)."""
        answered = self.accepted + self.rejected
        return self.accepted / answered if answered else None

    @property
    def win_rate(self) -> float | None:
        """Won among the leads handed to sales."""
        return self.won / self.handed_off if self.handed_off else None


@dataclass(frozen=True, slots=True)
class RejectionCount:
    """How many leads of a campaign sales returned for one reason."""

    campaign_id: int | None
    campaign_name: str | None
    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class StageCount:
    stage: Stage
    count: int
