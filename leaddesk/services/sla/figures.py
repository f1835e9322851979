"""Period figures of the SLA, both ways: what the dashboard, the meeting report and the CLI show.

Hours are business hours on the policy's calendar. A lead never contacted counts as not in time once
overdue and is left out of the medians; a lead not yet due is pending and counts neither way.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class HandoffFacts:
    """What the figures need about one handoff (one lead's pass through sales).

    Instants are epoch seconds: tens of thousands of handoffs are judged per call.
    """

    lead_id: int
    campaign_id: int | None
    campaign_name: str | None
    owner_id: int | None
    owner_name: str | None
    handed_off_at: float
    replied_at: float | None  # accepted or rejected
    rejected: bool
    reject_reason: str | None
    accept_due: float
    first_contact_at: float | None
    contact_due: float
    hours_to_reply: float | None
    hours_to_contact: float | None
    open_breach: bool


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # nearest-rank 90th percentile: the smallest value with at least 90 % of values at or below it
    rank = max(1, -(-9 * len(ordered) // 10))
    return round(ordered[rank - 1], 2)


@dataclass(frozen=True, slots=True)
class SlaGroupFigures:
    """The sales → marketing figures for a set of handoffs."""

    handoffs: int
    accepted_in_time: int
    #: Handoffs whose accept clock is decided (answered, or overdue): the denominator of the %.
    accept_due: int
    accepted_in_time_pct: float | None
    accepted: int
    rejected: int
    rejected_pct: float | None
    rejected_by_reason: dict[str, int]
    first_contact_in_time: int
    first_contact_due: int
    first_contact_in_time_pct: float | None
    median_hours_to_accept: float | None
    p90_hours_to_accept: float | None
    median_hours_to_first_contact: float | None
    p90_hours_to_first_contact: float | None
    breached_open: int
    acceptance_rate_pct: float | None

    @classmethod
    def of(cls, facts: Iterable[HandoffFacts], now: float) -> SlaGroupFigures:
        """The figures of these handoffs at `now` (epoch seconds)."""
        items = list(facts)
        replied_in_time = sum(1 for f in items if f.replied_at is not None and f.replied_at <= f.accept_due)
        # Like first contact: a handoff not answered and not yet due is pending, neither in time nor late.
        reply_due = sum(1 for f in items if f.replied_at is not None or now >= f.accept_due)
        rejected = [f for f in items if f.rejected]
        accepted = sum(1 for f in items if f.replied_at is not None and not f.rejected)
        contact_due = [
            f for f in items if not f.rejected and (f.first_contact_at is not None or now >= f.contact_due)
        ]
        contact_in_time = sum(
            1 for f in contact_due if f.first_contact_at is not None and f.first_contact_at <= f.contact_due
        )
        reply_hours = [f.hours_to_reply for f in items if f.hours_to_reply is not None]
        contact_hours = [f.hours_to_contact for f in items if f.hours_to_contact is not None]
        return cls(
            handoffs=len(items),
            accepted_in_time=replied_in_time,
            accept_due=reply_due,
            accepted_in_time_pct=_pct(replied_in_time, reply_due),
            accepted=accepted,
            rejected=len(rejected),
            rejected_pct=_pct(len(rejected), len(items)),
            rejected_by_reason=dict(Counter(f.reject_reason or "other" for f in rejected).most_common()),
            first_contact_in_time=contact_in_time,
            first_contact_due=len(contact_due),
            first_contact_in_time_pct=_pct(contact_in_time, len(contact_due)),
            median_hours_to_accept=_median(reply_hours),
            p90_hours_to_accept=_p90(reply_hours),
            median_hours_to_first_contact=_median(contact_hours),
            p90_hours_to_first_contact=_p90(contact_hours),
            breached_open=sum(1 for f in items if f.open_breach),
            acceptance_rate_pct=_pct(accepted, accepted + len(rejected)),
        )


@dataclass(frozen=True, slots=True)
class CampaignMqlFigures:
    campaign_id: int | None
    campaign_name: str
    mqls: int
    target: float
    handoffs: int
    not_in_target: int


@dataclass(frozen=True, slots=True)
class SlaFigures:
    """Everything the SLA says about a period, overall, per campaign and per sales owner."""

    period_start: date
    period_end: date
    overall: SlaGroupFigures
    # marketing → sales
    mql_total: int
    mql_target: float
    not_in_target_pct: float | None
    max_not_in_target_pct: float
    min_acceptance_rate_pct: float
    per_campaign: dict[str, SlaGroupFigures] = field(default_factory=dict)
    per_owner: dict[str, SlaGroupFigures] = field(default_factory=dict)
    mql_per_campaign: list[CampaignMqlFigures] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `leaddesk sla report --json`."""
        o = self.overall
        return {
            "from": self.period_start.isoformat(),
            "to": self.period_end.isoformat(),
            "handoffs": o.handoffs,
            "accepted_in_time": o.accepted_in_time,
            "accepted_in_time_pct": o.accepted_in_time_pct,
            "rejected": o.rejected,
            "rejected_pct": o.rejected_pct,
            "rejected_by_reason": o.rejected_by_reason,
            "first_contact_in_time": o.first_contact_in_time,
            "first_contact_in_time_pct": o.first_contact_in_time_pct,
            "median_hours_to_accept": o.median_hours_to_accept,
            "p90_hours_to_accept": o.p90_hours_to_accept,
            "median_hours_to_first_contact": o.median_hours_to_first_contact,
            "p90_hours_to_first_contact": o.p90_hours_to_first_contact,
            "breached_open": o.breached_open,
            "acceptance_rate_pct": o.acceptance_rate_pct,
            "mql_total": self.mql_total,
            "mql_target": round(self.mql_target, 1),
            "not_in_target_pct": self.not_in_target_pct,
            "per_campaign": {
                name: {**asdict(group), **_mql_of(self.mql_per_campaign, name)}
                for name, group in self.per_campaign.items()
            },
            "per_owner": {name: asdict(group) for name, group in self.per_owner.items()},
        }


def _mql_of(rows: list[CampaignMqlFigures], name: str) -> dict[str, Any]:
    for row in rows:
        if row.campaign_name == name:
            return {"mql_total": row.mqls, "mql_target": round(row.target, 1)}
    return {"mql_total": 0, "mql_target": 0}
