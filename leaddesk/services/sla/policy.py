"""The SLA policy: what each side commits to, with priority rules and the business calendar.

A policy is stored as a JSON body in `sla_policy_versions`; a period is judged by the version in force
at each handoff. Targets are in business hours on the policy's calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from leaddesk.domain.enums import RejectReason
from leaddesk.domain.errors import ValidationError
from leaddesk.services.calendar import BusinessCalendar, CalendarError

DEFAULT_REJECT_REASONS = tuple(r.value for r in RejectReason)


@dataclass(frozen=True, slots=True)
class SlaRule:
    """A priority rule: leads it matches get these targets instead of the defaults (first match wins)."""

    name: str
    accept_within_hours: float
    first_contact_within_hours: float
    min_score: int | None = None
    max_score: int | None = None
    campaign_ids: frozenset[int] = frozenset()

    def matches(self, score: int, campaign_id: int | None) -> bool:
        if self.min_score is not None and score < self.min_score:
            return False
        if self.max_score is not None and score > self.max_score:
            return False
        return not self.campaign_ids or campaign_id in self.campaign_ids

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "accept_within_hours": self.accept_within_hours,
            "first_contact_within_hours": self.first_contact_within_hours,
            "min_score": self.min_score,
            "max_score": self.max_score,
            "campaign_ids": sorted(self.campaign_ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaRule:
        return cls(
            name=str(data.get("name") or "Rule"),
            accept_within_hours=float(data["accept_within_hours"]),
            first_contact_within_hours=float(data["first_contact_within_hours"]),
            min_score=_opt_int(data.get("min_score")),
            max_score=_opt_int(data.get("max_score")),
            campaign_ids=frozenset(int(c) for c in data.get("campaign_ids") or ()),
        )


@dataclass(frozen=True, slots=True)
class Targets:
    """The allowances that apply to one lead."""

    rule: str | None
    accept_seconds: float
    contact_seconds: float


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    # sales → marketing
    accept_within_hours: float = 4.0
    first_contact_within_hours: float = 8.0
    min_attempts: int = 3
    attempts_within_days: int = 5
    # marketing → sales
    monthly_mql_target: int = 100
    max_not_in_target_pct: float = 10.0
    min_acceptance_rate_pct: float = 90.0
    # clocks
    at_risk_share: float = 0.75
    reject_reasons: tuple[str, ...] = DEFAULT_REJECT_REASONS
    rules: tuple[SlaRule, ...] = (SlaRule("Hot leads", 1.0, 1.0, min_score=80),)
    reassign_unaccepted: bool = False
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar.default)

    def __post_init__(self) -> None:
        problems = []
        for name in ("accept_within_hours", "first_contact_within_hours"):
            if not 0 < getattr(self, name) <= 24 * 365:
                problems.append(f"{name.replace('_', ' ')} must be more than 0 hours")
        for rule in self.rules:
            if rule.accept_within_hours <= 0 or rule.first_contact_within_hours <= 0:
                problems.append(f"the targets of rule '{rule.name}' must be more than 0 hours")
        if not 0 < self.at_risk_share < 1:
            problems.append("the at-risk share must be between 0 and 100 % (exclusive)")
        if self.min_attempts < 0 or self.attempts_within_days < 0 or self.monthly_mql_target < 0:
            problems.append("attempts, days and the MQL target cannot be negative")
        for name in ("max_not_in_target_pct", "min_acceptance_rate_pct"):
            if not 0 <= getattr(self, name) <= 100:
                problems.append(f"{name.replace('_pct', '').replace('_', ' ')} must be a percentage (0–100)")
        if not self.reject_reasons:
            problems.append("there must be at least one rejection reason")
        if not self.calendar.has_opening_hours:
            problems.append("the business calendar has no opening hours, so nothing could ever be due")
        if problems:
            raise ValidationError("Invalid SLA policy: " + "; ".join(problems) + ".")

    def targets_for(self, score: int, campaign_id: int | None) -> Targets:
        for rule in self.rules:
            if rule.matches(score, campaign_id):
                return Targets(
                    rule.name, rule.accept_within_hours * 3600, rule.first_contact_within_hours * 3600
                )
        return Targets(None, self.accept_within_hours * 3600, self.first_contact_within_hours * 3600)

    def with_changes(self, **changes: Any) -> SlaPolicy:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accept_within_hours": self.accept_within_hours,
            "first_contact_within_hours": self.first_contact_within_hours,
            "min_attempts": self.min_attempts,
            "attempts_within_days": self.attempts_within_days,
            "monthly_mql_target": self.monthly_mql_target,
            "max_not_in_target_pct": self.max_not_in_target_pct,
            "min_acceptance_rate_pct": self.min_acceptance_rate_pct,
            "at_risk_share": self.at_risk_share,
            "reject_reasons": list(self.reject_reasons),
            "rules": [r.to_dict() for r in self.rules],
            "reassign_unaccepted": self.reassign_unaccepted,
            "calendar": self.calendar.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicy:
        default = cls()
        try:
            calendar = (
                BusinessCalendar.from_dict(data["calendar"]) if "calendar" in data else default.calendar
            )
            return cls(
                accept_within_hours=float(data.get("accept_within_hours", default.accept_within_hours)),
                first_contact_within_hours=float(
                    data.get("first_contact_within_hours", default.first_contact_within_hours)
                ),
                min_attempts=int(data.get("min_attempts", default.min_attempts)),
                attempts_within_days=int(data.get("attempts_within_days", default.attempts_within_days)),
                monthly_mql_target=int(data.get("monthly_mql_target", default.monthly_mql_target)),
                max_not_in_target_pct=float(data.get("max_not_in_target_pct", default.max_not_in_target_pct)),
                min_acceptance_rate_pct=float(
                    data.get("min_acceptance_rate_pct", default.min_acceptance_rate_pct)
                ),
                at_risk_share=float(data.get("at_risk_share", default.at_risk_share)),
                reject_reasons=tuple(data.get("reject_reasons") or default.reject_reasons),
                rules=tuple(SlaRule.from_dict(r) for r in data["rules"])
                if "rules" in data
                else default.rules,
                reassign_unaccepted=bool(data.get("reassign_unaccepted", default.reassign_unaccepted)),
                calendar=calendar,
            )
        except (KeyError, TypeError, ValueError, CalendarError) as exc:
            raise ValidationError(f"The stored SLA policy cannot be read: {exc}.") from exc


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)
