"""The frozen records the reporting service returns: what the dashboard, the meeting report, the charts and
the exports read. Plain data, no ORM, no Qt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from leaddesk.domain.enums import Stage
from leaddesk.services.sla.figures import SlaFigures

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """What a report or the dashboard is narrowed to (None: everything)."""

    campaign_id: int | None = None
    owner_id: int | None = None
    campaign_name: str | None = None
    owner_name: str | None = None


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: Stage
    label: str
    count: int
    #: This step's count as a percentage of the step before (None for the first step or after a zero).
    conversion_pct: float | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The SLA figures of one bucket (a week, or a day) of the period."""

    start: date
    end: date
    handoffs: int
    accepted_in_time_pct: float | None
    first_contact_in_time_pct: float | None


@dataclass(frozen=True, slots=True)
class HoursBin:
    """Handoffs first contacted after between `low` (exclusive; inclusive for the first bin) and `high`
    (inclusive; None: no upper bound) business hours."""

    low: float
    high: float | None
    label: str
    count: int
    within_target: bool


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str | None
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class CampaignMql:
    campaign_id: int | None
    campaign_name: str
    mqls: int
    target: float


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """Deals closed in the period, per campaign."""

    campaign_id: int | None
    campaign_name: str
    won: int
    lost: int
    revenue: Decimal

    @property
    def win_rate_pct(self) -> float | None:
        closed = self.won + self.lost
        return round(100.0 * self.won / closed, 1) if closed else None


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """One line of the report's campaign table: both sides of the SLA and the closed deals."""

    campaign_id: int | None
    campaign_name: str
    mqls: int
    mql_target: float
    handoffs: int
    accepted: int
    returned: int
    acceptance_rate_pct: float | None
    accepted_in_time_pct: float | None
    first_contact_in_time_pct: float | None
    not_in_target: int
    won: int
    lost: int
    revenue: Decimal

    @property
    def target_pct(self) -> float | None:
        return round(100.0 * self.mqls / self.mql_target, 1) if self.mql_target else None

    @property
    def win_rate_pct(self) -> float | None:
        closed = self.won + self.lost
        return round(100.0 * self.won / closed, 1) if closed else None


@dataclass(frozen=True, slots=True)
class HeadlineFigure:
    """One headline number with its target: `value` and `target` are plain numbers, `unit` says how to read
    them ("%", "h", "" for a count)."""

    side: str
    label: str
    value: float | None
    unit: str
    target: float | None = None
    #: "min": the value should be at least the target; "max": at most.
    target_kind: str | None = None
    detail: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None or self.target_kind is None:
            return None
        return self.value >= self.target if self.target_kind == "min" else self.value <= self.target


@dataclass(frozen=True, slots=True)
class LeadLine:
    """A lead in one of the report's lists."""

    lead_id: int
    name: str
    company: str | None
    campaign_name: str | None
    owner_name: str | None
    stage: Stage
    handed_off_at: datetime | None


@dataclass(frozen=True, slots=True)
class BreachedLead:
    lead: LeadLine
    #: "accept" or "contact": the clock that was missed.
    clock: str
    due_at: datetime
    #: When the clock stopped (accepted/returned, or first contact); None while still open.
    done_at: datetime | None
    business_hours_late: float


@dataclass(frozen=True, slots=True)
class StaleLead:
    lead: LeadLine
    last_progress_at: datetime
    business_days_idle: int


@dataclass(frozen=True, slots=True)
class ReturnedLead:
    lead: LeadLine
    returned_at: datetime
    reason: str | None
    reason_label: str
    note: str | None


@dataclass(frozen=True, slots=True)
class LeadList(Generic[T]):
    """The first `cap` items of a list and how many there are in all."""

    items: tuple[T, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.items)


@dataclass(frozen=True, slots=True)
class FlowData:
    """What moved in the period (SQL aggregates): the funnel, lost reasons, results per campaign."""

    funnel: tuple[FunnelStep, ...]
    lost_reasons: tuple[ReasonCount, ...]
    campaign_results: tuple[CampaignResult, ...]


@dataclass(frozen=True, slots=True)
class SlaView:
    """The SLA side of a period: the service's figures, their trend, and the first-contact distribution."""

    figures: SlaFigures
    daily: bool
    trend: tuple[TrendPoint, ...]
    contact_hours: tuple[HoursBin, ...]
    contact_target_hours: float
    reject_reasons: tuple[ReasonCount, ...]
    mql_per_campaign: tuple[CampaignMql, ...]


@dataclass(frozen=True, slots=True)
class DashboardData:
    start: date
    end: date
    filters: ReportFilters
    flow: FlowData
    sla: SlaView


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a meeting report shows for a period (the notes come from the saved meeting report)."""

    start: date
    end: date
    filters: ReportFilters
    generated_at: datetime
    zone: str
    flow: FlowData
    sla: SlaView
    headline: tuple[HeadlineFigure, ...]
    campaigns: tuple[CampaignRow, ...]
    breached: LeadList[BreachedLead]
    stale: LeadList[StaleLead]
    stale_after_days: int
    returned_by_reason: tuple[ReasonCount, ...]
    returned: LeadList[ReturnedLead]

    @property
    def dashboard(self) -> DashboardData:
        return DashboardData(self.start, self.end, self.filters, self.flow, self.sla)
