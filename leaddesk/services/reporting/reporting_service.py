"""The figures of a period for the dashboard and the meeting report.

Everything that can be counted is counted in SQL with GROUP BY (never a loop over all leads in Python);
the SLA numbers are `SlaService.figures` — for the period, and for each week (or day) of its trend — so the
dashboard, the report, the exports and `leaddesk sla report` always agree. The only per-lead work in Python
is what needs the business calendar: the business hours from handoff to first contact (the histogram; the
same computation as the SLA's medians), the lateness of the listed breaches and the idle days of the listed
stale leads.

How each number is defined:

* **Funnel**: leads created in the period (New), then the moves the period saw into each later stage
  (qualified, handed off, accepted, first contact, opportunity, won), from the lead events; live leads
  only. The % is each step's count over the step before.
* **Lost reasons, win rate and revenue by campaign**: deals closed (won or lost) in the period; win rate =
  won ÷ (won + lost); revenue = the expected value of the deals won.
* **Breached leads**: handoffs of the period (the SLA's set) whose accept clock or first-contact clock was
  missed: met late, or overdue and still open.
* **Stale leads**: leads with sales now (handed off, accepted, contacted, opportunity) with no progress —
  handoff, acceptance, contact, opportunity, logged activity — for more than N business days of the policy
  calendar.
* **Returned leads**: handoffs of the period that sales returned, by reason (the SLA's counts).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import SALES_STAGES, EventKind, Stage
from leaddesk.domain.errors import UserError, ValidationError
from leaddesk.models import Campaign, Lead, LeadEvent, SlaPolicyVersion, TeamMember
from leaddesk.models.database import Database
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.reporting import labels as L
from leaddesk.services.reporting.periods import trend_buckets
from leaddesk.services.reporting.records import (
    BreachedLead,
    CampaignMql,
    CampaignResult,
    CampaignRow,
    DashboardData,
    FlowData,
    FunnelStep,
    HeadlineFigure,
    HoursBin,
    LeadLine,
    LeadList,
    ReasonCount,
    ReportData,
    ReportFilters,
    ReturnedLead,
    SlaView,
    StaleLead,
    TrendPoint,
)
from leaddesk.services.sla.figures import SlaFigures, SlaGroupFigures
from leaddesk.services.sla.sla_service import PolicyVersion, SlaPeriod, SlaService

Progress = Callable[[int, int], None]
ShouldCancel = Callable[[], bool]

#: How many leads a report lists per table (the total is always given).
LIST_CAP = 2000
#: Default "stale after" threshold, in business days.
DEFAULT_STALE_DAYS = 5
#: SLA figures are reused for this long (seconds of the service clock) when nothing was written meanwhile.
CACHE_SECONDS = 60
CACHE_SIZE = 32

#: The funnel's steps after New, and the event kinds that move a lead into each.
FUNNEL_MOVES: tuple[tuple[Stage, EventKind], ...] = (
    (Stage.MQL, EventKind.QUALIFIED),
    (Stage.HANDED_OFF, EventKind.HANDED_OFF),
    (Stage.ACCEPTED, EventKind.ACCEPTED),
    (Stage.CONTACTED, EventKind.CONTACTED),
    (Stage.OPPORTUNITY, EventKind.OPPORTUNITY),
    (Stage.WON, EventKind.WON),
)
#: Events that count as progress on a lead with sales (for stale leads).
PROGRESS_KINDS = tuple(
    k.value
    for k in (
        EventKind.HANDED_OFF,
        EventKind.ACCEPTED,
        EventKind.CONTACTED,
        EventKind.OPPORTUNITY,
        EventKind.ACTIVITY,
    )
)
#: Upper edges (business hours) of the first-contact histogram's bins; the target is added if missing.
HOUR_EDGES = (1.0, 2.0, 4.0, 8.0, 16.0, 24.0, 40.0)

SalesOwner = aliased(TeamMember, name="report_sales_owner")


class ReportCancelled(UserError):
    def __init__(self) -> None:
        super().__init__("The report was cancelled.")


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _name(first: str | None, last: str | None, email: str | None, company: str | None, lead_id: int) -> str:
    name = " ".join(p for p in (first, last) if p)
    return name or email or company or f"#{lead_id}"


def _hours_label(value: float) -> str:
    return f"{value:g}"


def hour_bins(target_hours: float) -> list[tuple[float, float | None, str]]:
    """The histogram's bins as (low, high, label); one edge is the target, so its line falls between bars."""
    edges = sorted({*HOUR_EDGES, round(target_hours, 2)})
    bins: list[tuple[float, float | None, str]] = []
    low = 0.0
    for high in edges:
        label = f"≤ {_hours_label(high)}" if low == 0 else f"{_hours_label(low)}–{_hours_label(high)}"
        bins.append((low, high, label))
        low = high
    bins.append((low, None, f"> {_hours_label(low)}"))
    return bins


def bin_hours(hours: Sequence[float], target_hours: float) -> tuple[HoursBin, ...]:
    """Count `hours` into `hour_bins(target_hours)`; a bin is within target when its top is ≤ the target."""
    import numpy as np

    bins = hour_bins(target_hours)
    uppers = [high for _low, high, _label in bins if high is not None]
    # (low, high]: a value equal to an edge belongs to the bin below it (in time at exactly the target)
    where = np.searchsorted(np.asarray(uppers, dtype=np.float64), np.asarray(hours, dtype=np.float64), "left")
    counts = np.bincount(where, minlength=len(bins)).tolist()
    return tuple(
        HoursBin(low, high, label, n, high is not None and high <= target_hours + 1e-9)
        for (low, high, label), n in zip(bins, counts, strict=True)
    )


class _Versions:
    """Which policy governed an instant (the same rule as the SLA service)."""

    def __init__(self, versions: list[PolicyVersion]) -> None:
        self.versions = versions
        self.starts = [v.effective_from for v in versions]
        self.epochs = [v.effective_from.timestamp() for v in versions]

    def calendar_at(self, instant: datetime) -> BusinessCalendar:
        i = bisect.bisect_right(self.starts, instant) - 1
        return self.versions[max(i, 0)].policy.calendar

    def calendar_at_epoch(self, seconds: float) -> BusinessCalendar:
        i = bisect.bisect_right(self.epochs, seconds) - 1
        return self.versions[max(i, 0)].policy.calendar


class ReportingService:
    def __init__(
        self, db: Database, sla: SlaService, clock: Clock = system_clock, *, list_cap: int = LIST_CAP
    ) -> None:
        self._db = db
        self._sla = sla
        self._clock = clock
        self._list_cap = list_cap
        self._cache: OrderedDict[tuple[Any, ...], SlaPeriod] = OrderedDict()
        self._lock = threading.Lock()

    # --- small helpers --------------------------------------------------------------------------------

    def today(self) -> date:
        """Today's date in the SLA calendar's zone."""
        return self._sla.current_policy().calendar.local_date(self._clock())

    def filters(self, campaign_id: int | None = None, owner_id: int | None = None) -> ReportFilters:
        """The filters with the names that reports print."""
        campaign_name = owner_name = None
        with self._db.reading() as s:
            if campaign_id is not None:
                campaign_name = s.scalar(select(Campaign.name).where(Campaign.id == campaign_id))
                if campaign_name is None:
                    raise ValidationError(f"Campaign #{campaign_id} does not exist.")
            if owner_id is not None:
                owner_name = s.scalar(select(TeamMember.name).where(TeamMember.id == owner_id))
                if owner_name is None:
                    raise ValidationError(f"Team member #{owner_id} does not exist.")
        return ReportFilters(campaign_id, owner_id, campaign_name, owner_name)

    @staticmethod
    def _lead_conditions(flt: ReportFilters) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [Lead.deleted_at.is_(None)]
        if flt.campaign_id is not None:
            conds.append(Lead.campaign_id == flt.campaign_id)
        if flt.owner_id is not None:
            conds.append(Lead.sales_owner_id == flt.owner_id)
        return conds

    def _handoff_conditions(
        self, flt: ReportFilters, lo: datetime, hi: datetime
    ) -> list[ColumnElement[bool]]:
        """The SLA's handoffs of a period: live leads handed off in [lo, hi) with their clocks computed."""
        return [
            *self._lead_conditions(flt),
            Lead.handed_off_at >= lo,
            Lead.handed_off_at < hi,
            Lead.accept_due_at.is_not(None),
        ]

    @staticmethod
    def _check(should_cancel: ShouldCancel | None) -> None:
        if should_cancel is not None and should_cancel():
            raise ReportCancelled()

    # --- SLA figures (the SLA service's, cached briefly) ----------------------------------------------

    def _stamp(self) -> tuple[Any, ...]:
        with self._db.reading() as s:
            events = s.scalar(select(func.max(LeadEvent.id)))
            policies = s.scalar(select(func.max(SlaPolicyVersion.id)))
        now = self._clock()
        return (events, policies, int(now.timestamp()) // CACHE_SECONDS)

    def sla_period(
        self,
        start: date,
        end: date,
        flt: ReportFilters,
        *,
        buckets: Sequence[tuple[date, date]] = (),
        fresh: bool = False,
        stamp: tuple[Any, ...] = (),
    ) -> SlaPeriod:
        """`SlaService.period` (figures, trend, first-contact hours); the same call within a minute with no
        new events is served from a small cache (the dashboard flips between periods; the report reuses
        the dashboard's)."""
        key = (start, end, tuple(buckets), flt.campaign_id, flt.owner_id, *(stamp or self._stamp()))
        if not fresh:
            with self._lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    return self._cache[key]
        period = self._sla.period(
            start, end, campaign_id=flt.campaign_id, owner_id=flt.owner_id, buckets=buckets
        )
        with self._lock:
            self._cache[key] = period
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return period

    def sla_figures(
        self, start: date, end: date, flt: ReportFilters, *, fresh: bool = False, stamp: tuple[Any, ...] = ()
    ) -> SlaFigures:
        """The SLA figures of the period (`SlaService.figures`, through the same cache)."""
        return self.sla_period(start, end, flt, fresh=fresh, stamp=stamp).figures

    # --- the flow of the period (SQL aggregates) ------------------------------------------------------

    def flow(self, start: date, end: date, flt: ReportFilters | None = None) -> FlowData:
        """The funnel, the lost reasons and the closed deals per campaign of a period."""
        flt = flt or ReportFilters()
        lo, hi = self._sla.period_bounds(start, end)
        conds = self._lead_conditions(flt)
        with self._db.reading() as s:
            created = s.scalar(
                select(func.count())
                .select_from(Lead)
                .where(*conds, Lead.created_at >= lo, Lead.created_at < hi)
            )
            moves = self._move_counts(s, flt, lo, hi)
            closed = s.execute(
                select(
                    Lead.campaign_id,
                    Lead.stage,
                    Lead.close_reason,
                    func.count(),
                    func.sum(Lead.expected_value),
                )
                .where(
                    *conds,
                    Lead.closed_at >= lo,
                    Lead.closed_at < hi,
                    Lead.stage.in_((Stage.WON.value, Stage.LOST.value)),
                )
                .group_by(Lead.campaign_id, Lead.stage, Lead.close_reason)
            ).all()
            names = dict(s.execute(select(Campaign.id, Campaign.name)).all())
        counts = [(Stage.NEW, int(created or 0))] + [
            (stage, moves.get(kind.value, 0)) for stage, kind in FUNNEL_MOVES
        ]
        funnel: list[FunnelStep] = []
        previous: int | None = None
        for stage, n in counts:
            conversion = _pct(n, previous) if previous is not None else None
            funnel.append(FunnelStep(stage, L.stage_label(stage), n, conversion))
            previous = n
        lost: dict[str | None, int] = defaultdict(int)
        results: dict[int | None, list[Any]] = {}
        for campaign_id, closed_stage, reason, n, value in closed:
            entry = results.setdefault(campaign_id, [0, 0, Decimal(0)])
            if closed_stage == Stage.WON.value:
                entry[0] += int(n)
                entry[2] += Decimal(value or 0)
            else:
                entry[1] += int(n)
                lost[reason or None] += int(n)
        lost_reasons = tuple(
            ReasonCount(reason, L.lost_reason_label(reason), n)
            for reason, n in sorted(lost.items(), key=lambda item: (-item[1], item[0] or ""))
        )
        campaign_results = tuple(
            sorted(
                (
                    CampaignResult(
                        cid, names.get(cid, L.NO_CAMPAIGN) if cid is not None else L.NO_CAMPAIGN, w, lo_, rev
                    )
                    for cid, (w, lo_, rev) in results.items()
                ),
                key=lambda r: r.campaign_name.lower(),
            )
        )
        return FlowData(tuple(funnel), lost_reasons, campaign_results)

    def _move_counts(self, s: Session, flt: ReportFilters, lo: datetime, hi: datetime) -> dict[str, int]:
        """Moves per event kind in [lo, hi) on live leads, in each lead's current pass through the funnel.

        A recycled lead starts a fresh pass (its stage stamps are cleared), so the moves of a pass that was
        later recycled are not counted — as the SLA's figures, which read the stamps, do not count them.
        The event index answers the counts; only the few leads recycled since `lo` are looked at one by one.
        """
        kinds = [kind.value for _stage, kind in FUNNEL_MOVES]
        lead_filter: ColumnElement[bool]
        in_period = [LeadEvent.kind.in_(kinds), LeadEvent.at >= lo, LeadEvent.at < hi]
        if flt.campaign_id is None and flt.owner_id is None:
            trashed = select(Lead.id).where(Lead.deleted_at.is_not(None))
            lead_filter = LeadEvent.lead_id.not_in(trashed)
            # All the period's moves from the (kind, at) index alone, less those of the leads in the trash
            # (few, from the trash index): a lead filter in the count itself would read every event's row.
            counts: dict[str, int] = defaultdict(int)
            for kind, n in s.execute(
                select(LeadEvent.kind, func.count()).where(*in_period).group_by(LeadEvent.kind)
            ):
                counts[kind] += int(n)
            for kind, n in s.execute(
                select(LeadEvent.kind, func.count())
                .where(*in_period, LeadEvent.lead_id.in_(trashed))
                .group_by(LeadEvent.kind)
            ):
                counts[kind] -= int(n)
        else:
            lead_filter = LeadEvent.lead_id.in_(select(Lead.id).where(*self._lead_conditions(flt)))
            rows = s.execute(
                select(LeadEvent.kind, func.count()).where(*in_period, lead_filter).group_by(LeadEvent.kind)
            ).all()
            counts = defaultdict(int, {kind: int(n) for kind, n in rows})
        recycled = list(
            s.scalars(
                select(LeadEvent.lead_id)
                .where(LeadEvent.kind == EventKind.RECYCLED.value, LeadEvent.at > lo, lead_filter)
                .distinct()
            )
        )
        for first in range(0, len(recycled), 500):
            chunk = recycled[first : first + 500]
            events = s.execute(
                select(LeadEvent.lead_id, LeadEvent.kind, LeadEvent.at).where(
                    LeadEvent.lead_id.in_(chunk),
                    LeadEvent.at >= lo,
                    LeadEvent.kind.in_([*kinds, EventKind.RECYCLED.value]),
                )
            ).all()
            last_recycle: dict[int, datetime] = {}
            for lead_id, kind, at in events:
                if kind == EventKind.RECYCLED.value:
                    last_recycle[lead_id] = max(at, last_recycle.get(lead_id, at))
            for lead_id, kind, at in events:
                if kind != EventKind.RECYCLED.value and at < hi and at < last_recycle.get(lead_id, at):
                    counts[kind] -= 1
        return dict(counts)

    # --- the SLA side --------------------------------------------------------------------------------

    def sla_view(
        self,
        start: date,
        end: date,
        flt: ReportFilters | None = None,
        *,
        fresh: bool = False,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> SlaView:
        """The SLA figures of the period, their trend per week (or day), and the first-contact histogram."""
        flt = flt or ReportFilters()
        stamp = self._stamp()
        daily, buckets = trend_buckets(start, end)
        steps = len(buckets) + 2
        self._check(should_cancel)
        period = self.sla_period(
            start, end, flt, buckets=[(b.start, b.end) for b in buckets], fresh=fresh, stamp=stamp
        )
        figures = period.figures
        trend = [
            TrendPoint(b.start, b.end, g.handoffs, g.accepted_in_time_pct, g.first_contact_in_time_pct)
            for b, g in zip(buckets, period.trend, strict=True)
        ]
        _lo, hi = self._sla.period_bounds(start, end)
        target = self._sla.policy_at(hi - timedelta(microseconds=1)).first_contact_within_hours
        hours = period.contact_hours
        if progress:
            progress(steps, steps)
        reject = tuple(
            ReasonCount(reason, L.reject_reason_label(reason), n)
            for reason, n in sorted(figures.overall.rejected_by_reason.items(), key=lambda i: (-i[1], i[0]))
        )
        mqls = tuple(
            CampaignMql(c.campaign_id, c.campaign_name, c.mqls, c.target)
            for c in figures.mql_per_campaign
            if c.mqls or c.target
        )
        return SlaView(
            figures=figures,
            daily=daily,
            trend=tuple(trend),
            contact_hours=bin_hours(hours, target),
            contact_target_hours=target,
            reject_reasons=reject,
            mql_per_campaign=mqls,
        )

    # --- the dashboard -------------------------------------------------------------------------------

    def dashboard(
        self,
        start: date,
        end: date,
        *,
        campaign_id: int | None = None,
        owner_id: int | None = None,
        fresh: bool = False,
    ) -> DashboardData:
        flt = self.filters(campaign_id, owner_id)
        return DashboardData(
            start, end, flt, self.flow(start, end, flt), self.sla_view(start, end, flt, fresh=fresh)
        )

    # --- the meeting report --------------------------------------------------------------------------

    def report(
        self,
        start: date,
        end: date,
        *,
        campaign_id: int | None = None,
        owner_id: int | None = None,
        stale_after_days: int = DEFAULT_STALE_DAYS,
        fresh: bool = False,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> ReportData:
        """Everything the meeting report shows for [start, end] (dates in the SLA calendar's zone)."""
        if end < start:
            raise ValidationError("The period ends before it starts.")
        if stale_after_days < 0:
            raise ValidationError("The number of business days for stale leads cannot be negative.")
        flt = self.filters(campaign_id, owner_id)
        now = self._clock()

        def sla_progress(done: int, total: int) -> None:
            if progress:
                progress(done, total + 4)

        lo, hi = self._sla.period_bounds(start, end)
        versions = _Versions(self._sla.policy_versions())
        policy = versions.versions[-1].policy
        # The lists and the flow are independent reads: they run on two worker threads (each with its own
        # session) while this thread computes the SLA figures, so the database's waits overlap the
        # computation. Their results are collected in a fixed order; a cancel drops what has not started.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="report") as pool:
            stale_job = pool.submit(self._stale, flt, now, stale_after_days, policy.calendar)
            flow_job = pool.submit(self.flow, start, end, flt)
            try:
                sla = self.sla_view(
                    start, end, flt, fresh=fresh, progress=sla_progress, should_cancel=should_cancel
                )
                total = len(sla.trend) + 2 + 4
                self._check(should_cancel)
                breached = self._breached(lo, hi, flt, now, versions)
                self._check(should_cancel)
                if progress:
                    progress(total - 3, total)
                returned = self._returned(lo, hi, flt)
                if progress:
                    progress(total - 2, total)
                flow = flow_job.result()
                if progress:
                    progress(total - 1, total)
                stale = stale_job.result()
                if progress:
                    progress(total, total)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return ReportData(
            start=start,
            end=end,
            filters=flt,
            generated_at=now,
            zone=policy.calendar.tz,
            flow=flow,
            sla=sla,
            headline=self._headline(sla.figures, self._sla.policy_at(hi - timedelta(microseconds=1))),
            campaigns=self._campaign_rows(sla.figures, flow),
            breached=breached,
            stale=stale,
            stale_after_days=stale_after_days,
            returned_by_reason=sla.reject_reasons,
            returned=returned,
        )

    @staticmethod
    def _headline(f: SlaFigures, policy: Any) -> tuple[HeadlineFigure, ...]:
        o = f.overall
        s2m, m2s = L.SALES_TO_MARKETING, L.MARKETING_TO_SALES
        return (
            HeadlineFigure(s2m, L.H_HANDOFFS, float(o.handoffs), ""),
            HeadlineFigure(
                s2m,
                L.H_ACCEPT_IN_TIME,
                o.accepted_in_time_pct,
                "%",
                detail=L.DETAIL_OF.format(part=o.accepted_in_time, whole=o.accept_due)
                + f"; {L.WITHIN_HOURS.format(hours=f'{policy.accept_within_hours:g}')}",
            ),
            HeadlineFigure(
                s2m,
                L.H_CONTACT_IN_TIME,
                o.first_contact_in_time_pct,
                "%",
                detail=L.DETAIL_OF.format(part=o.first_contact_in_time, whole=o.first_contact_due)
                + f"; {L.WITHIN_HOURS.format(hours=f'{policy.first_contact_within_hours:g}')}",
            ),
            HeadlineFigure(
                s2m, L.H_MEDIAN_ACCEPT, o.median_hours_to_accept, "h", policy.accept_within_hours, "max"
            ),
            HeadlineFigure(
                s2m,
                L.H_MEDIAN_CONTACT,
                o.median_hours_to_first_contact,
                "h",
                policy.first_contact_within_hours,
                "max",
            ),
            HeadlineFigure(s2m, L.H_BREACHED_OPEN, float(o.breached_open), "", 0.0, "max"),
            HeadlineFigure(
                m2s,
                L.H_MQLS,
                float(f.mql_total),
                "",
                round(f.mql_target, 1),
                "min",
                detail=L.SHARE_OF_TARGET.format(pct=f"{100 * f.mql_total / f.mql_target:.0f}")
                if f.mql_target
                else "",
            ),
            HeadlineFigure(
                m2s,
                L.H_ACCEPTANCE_RATE,
                o.acceptance_rate_pct,
                "%",
                f.min_acceptance_rate_pct,
                "min",
                detail=L.DETAIL_OF.format(part=o.accepted, whole=o.accepted + o.rejected),
            ),
            HeadlineFigure(m2s, L.H_NOT_IN_TARGET, f.not_in_target_pct, "%", f.max_not_in_target_pct, "max"),
        )

    @staticmethod
    def _campaign_rows(f: SlaFigures, flow: FlowData) -> tuple[CampaignRow, ...]:
        by_name: dict[str, dict[str, Any]] = {}

        def entry(name: str, campaign_id: int | None) -> dict[str, Any]:
            row = by_name.setdefault(name, {"id": campaign_id})
            if row["id"] is None:
                row["id"] = campaign_id
            return row

        for m in f.mql_per_campaign:
            e = entry(m.campaign_name, m.campaign_id)
            e["mqls"], e["target"], e["not_in_target"] = m.mqls, m.target, m.not_in_target
        for name, group in f.per_campaign.items():
            entry(name, None)["sla"] = group
        for r in flow.campaign_results:
            e = entry(r.campaign_name, r.campaign_id)
            e["won"], e["lost"], e["revenue"] = r.won, r.lost, r.revenue
        rows = []
        for name, e in by_name.items():
            g: SlaGroupFigures | None = e.get("sla")
            row = CampaignRow(
                campaign_id=e["id"],
                campaign_name=name,
                mqls=e.get("mqls", 0),
                mql_target=e.get("target", 0.0),
                handoffs=g.handoffs if g else 0,
                accepted=g.accepted if g else 0,
                returned=g.rejected if g else 0,
                acceptance_rate_pct=g.acceptance_rate_pct if g else None,
                accepted_in_time_pct=g.accepted_in_time_pct if g else None,
                first_contact_in_time_pct=g.first_contact_in_time_pct if g else None,
                not_in_target=e.get("not_in_target", 0),
                won=e.get("won", 0),
                lost=e.get("lost", 0),
                revenue=e.get("revenue", Decimal(0)),
            )
            if row.mqls or row.mql_target or row.handoffs or row.won or row.lost:
                rows.append(row)
        rows.sort(key=lambda r: (r.campaign_name == L.NO_CAMPAIGN, r.campaign_name.lower()))
        return tuple(rows)

    def _line_columns(self) -> tuple[Any, ...]:
        return (
            Lead.id,
            Lead.first_name,
            Lead.last_name,
            Lead.email,
            Lead.company,
            Campaign.name.label("campaign_name"),
            SalesOwner.name.label("owner_name"),
            Lead.stage,
            Lead.handed_off_at,
        )

    @staticmethod
    def _line(r: Any) -> LeadLine:
        return LeadLine(
            lead_id=r.id,
            name=_name(r.first_name, r.last_name, r.email, r.company, r.id),
            company=r.company,
            campaign_name=r.campaign_name,
            owner_name=r.owner_name,
            stage=Stage(r.stage),
            handed_off_at=r.handed_off_at,
        )

    def _with_names(self, stmt: Any) -> Any:
        return stmt.outerjoin(Campaign, Campaign.id == Lead.campaign_id).outerjoin(
            SalesOwner, SalesOwner.id == Lead.sales_owner_id
        )

    def _breached(
        self, lo: datetime, hi: datetime, flt: ReportFilters, now: datetime, versions: _Versions
    ) -> LeadList[BreachedLead]:
        replied = func.coalesce(Lead.accepted_at, Lead.rejected_at)
        accept_missed = or_(
            replied > Lead.accept_due_at,
            and_(Lead.accepted_at.is_(None), Lead.rejected_at.is_(None), Lead.accept_due_at <= now),
        )
        contact_missed = and_(
            Lead.rejected_at.is_(None),
            Lead.contact_due_at.is_not(None),
            or_(
                Lead.first_contact_at > Lead.contact_due_at,
                and_(
                    Lead.first_contact_at.is_(None),
                    Lead.contact_due_at <= now,
                    or_(Lead.paused_until.is_(None), Lead.paused_until <= now),
                ),
            ),
        )
        conds = self._handoff_conditions(flt, lo, hi)
        with self._db.reading() as s:
            n_accept, n_contact = s.execute(
                select(func.count().filter(accept_missed), func.count().filter(contact_missed))
                .select_from(Lead)
                .where(*conds)
            ).one()
            rows = s.execute(
                self._with_names(
                    select(
                        *self._line_columns(),
                        replied.label("replied_at"),
                        Lead.first_contact_at,
                        Lead.accept_due_at,
                        Lead.contact_due_at,
                        accept_missed.label("accept_missed"),
                        contact_missed.label("contact_missed"),
                    )
                )
                .where(*conds, or_(accept_missed, contact_missed))
                .order_by(Lead.handed_off_at, Lead.id)
                .limit(self._list_cap)
            ).all()
        items: list[BreachedLead] = []
        for r in rows:
            line = self._line(r)
            cal = versions.calendar_at(r.handed_off_at)
            for missed, clock, due, done in (
                (r.accept_missed, "accept", r.accept_due_at, r.replied_at),
                (r.contact_missed, "contact", r.contact_due_at, r.first_contact_at),
            ):
                if missed:
                    late = cal.business_seconds_between(due, done or now) / 3600
                    items.append(BreachedLead(line, clock, due, done, round(late, 2)))
        return LeadList(tuple(items[: self._list_cap]), int(n_accept or 0) + int(n_contact or 0))

    def stale_cutoff(self, calendar: BusinessCalendar, now: datetime, days: int) -> datetime:
        """The instant before which the last progress makes a lead stale: its local date is followed by
        more than `days` business days up to today."""
        today = calendar.local_date(now)
        day = today
        for _ in range(3660):
            if calendar.business_days_between(day, today) > days:
                break
            day -= timedelta(days=1)
        return datetime.combine(day + timedelta(days=1), time(0), calendar.zone).astimezone(UTC)

    def _stale(
        self, flt: ReportFilters, now: datetime, days: int, calendar: BusinessCalendar
    ) -> LeadList[StaleLead]:
        cutoff = self.stale_cutoff(calendar, now, days)
        # The leads that made progress since the cutoff: few (a week or so of events), read once from the
        # (kind, at) index, rather than a look into each open lead's history.
        recent = select(LeadEvent.lead_id).where(LeadEvent.kind.in_(PROGRESS_KINDS), LeadEvent.at >= cutoff)
        last_event = (
            select(func.max(LeadEvent.at))
            .where(LeadEvent.lead_id == Lead.id, LeadEvent.kind.in_(PROGRESS_KINDS))
            .scalar_subquery()
        )
        # A handoff is progress too, so a lead handed off after the cutoff is among the recent ones; the
        # open stages are read from their index (a condition on `handed_off_at` would make SQLite walk the
        # period index instead).
        conds = [
            *self._lead_conditions(flt),
            Lead.stage.in_(sorted(s.value for s in SALES_STAGES)),
            or_(Lead.last_activity_at.is_(None), Lead.last_activity_at < cutoff),
            Lead.id.not_in(recent),
        ]
        with self._db.reading() as s:
            # One pass over the open leads (each one's row is read for its last activity): the first page
            # of ids, the longest with sales first, with the total alongside; then the names and last
            # events of that page only. Sorted as an expression, so no index walk decides the plan.
            page = s.execute(
                select(Lead.id, func.count().over())
                .where(*conds)
                .order_by(func.coalesce(Lead.handed_off_at, Lead.created_at), Lead.id)
                .limit(max(self._list_cap, 1))
            ).all()
            total = int(page[0][1]) if page else 0
            ids = [r[0] for r in page[: self._list_cap]]
            rows = (
                s.execute(
                    self._with_names(
                        select(
                            *self._line_columns(), Lead.last_activity_at, last_event.label("last_event_at")
                        )
                    ).where(Lead.id.in_(ids))
                ).all()
                if ids
                else []
            )
        items = []
        for r in rows:
            last = max(t for t in (r.handed_off_at, r.last_activity_at, r.last_event_at) if t is not None)
            items.append(StaleLead(self._line(r), last, calendar.business_days_between(last, now)))
        items.sort(key=lambda x: (-x.business_days_idle, x.lead.lead_id))
        return LeadList(tuple(items), int(total or 0))

    def _returned(self, lo: datetime, hi: datetime, flt: ReportFilters) -> LeadList[ReturnedLead]:
        conds = [*self._handoff_conditions(flt, lo, hi), Lead.rejected_at.is_not(None)]
        with self._db.reading() as s:
            total = s.scalar(select(func.count()).select_from(Lead).where(*conds))
            rows = s.execute(
                self._with_names(
                    select(*self._line_columns(), Lead.rejected_at, Lead.reject_reason, Lead.reject_note)
                )
                .where(*conds)
                .order_by(Lead.rejected_at, Lead.id)
                .limit(self._list_cap)
            ).all()
        items = tuple(
            ReturnedLead(
                self._line(r),
                r.rejected_at,
                r.reject_reason,
                L.reject_reason_label(r.reject_reason or "other"),
                r.reject_note,
            )
            for r in rows
        )
        return LeadList(items, int(total or 0))
