"""The reporting service on real SQLite and PostgreSQL databases, against the hand-checked February of
`test_reporting_support` — and always in agreement with the SLA service's own figures."""

from __future__ import annotations

import statistics
from datetime import date
from decimal import Decimal

import pytest

from leaddesk.domain.enums import Stage
from leaddesk.models.database import Database
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.reporting.periods import Period, PeriodKind, preset_period, trend_buckets
from leaddesk.services.reporting.records import ReportFilters
from leaddesk.services.reporting.reporting_service import bin_hours, hour_bins
from tests.unit.test_reporting_support import FORMULA_NAME, NOW, Scenario, build_scenario, rome

FEB = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def sc(db: Database) -> Scenario:
    return build_scenario(db)


def test_funnel_counts_the_moves_of_the_period_with_conversions(sc: Scenario) -> None:
    flow = sc.services.reporting.flow(*FEB)
    assert [(s.stage, s.count, s.conversion_pct) for s in flow.funnel] == [
        (Stage.NEW, 7, None),  # A B C D E H I (F was created in January, G is deleted)
        (Stage.MQL, 7, 100.0),  # H's pass was recycled, so its qualification no longer counts
        (Stage.HANDED_OFF, 7, 100.0),
        (Stage.ACCEPTED, 4, 57.1),
        (Stage.CONTACTED, 3, 75.0),
        (Stage.OPPORTUNITY, 1, 33.3),
        (Stage.WON, 1, 100.0),
    ]
    # The marketing side agrees with the SLA service's stamps-based figures.
    figures = sc.services.sla.figures(*FEB)
    steps = {s.stage: s.count for s in flow.funnel}
    assert steps[Stage.MQL] == figures.mql_total
    assert steps[Stage.HANDED_OFF] == figures.overall.handoffs


def test_lost_reasons_and_results_by_campaign_are_the_deals_closed_in_the_period(sc: Scenario) -> None:
    flow = sc.services.reporting.flow(*FEB)
    assert [(r.reason, r.label, r.count) for r in flow.lost_reasons] == [("price", "Price", 1)]
    (webinar,) = flow.campaign_results
    assert (webinar.campaign_name, webinar.won, webinar.lost, webinar.revenue) == (
        "Webinar",
        1,
        1,
        Decimal(10000),
    )
    assert webinar.win_rate_pct == 50.0
    # January closed nothing.
    january = sc.services.reporting.flow(date(2026, 1, 1), date(2026, 1, 31))
    assert january.lost_reasons == () and january.campaign_results == ()
    assert [s.count for s in january.funnel] == [1, 0, 0, 0, 0, 0, 0]


def test_sla_side_is_the_sla_services_figures_week_by_week(sc: Scenario) -> None:
    view = sc.services.reporting.sla_view(*FEB)
    sla = sc.services.sla
    assert view.figures == sla.figures(*FEB)
    assert not view.daily
    assert [(p.start, p.end) for p in view.trend] == [
        (date(2026, 2, 1), date(2026, 2, 1)),
        (date(2026, 2, 2), date(2026, 2, 8)),
        (date(2026, 2, 9), date(2026, 2, 15)),
        (date(2026, 2, 16), date(2026, 2, 22)),
        (date(2026, 2, 23), date(2026, 2, 28)),
    ]
    for point in view.trend:
        week = sla.figures(point.start, point.end).overall
        assert (point.handoffs, point.accepted_in_time_pct, point.first_contact_in_time_pct) == (
            week.handoffs,
            week.accepted_in_time_pct,
            week.first_contact_in_time_pct,
        )
    assert [p.handoffs for p in view.trend] == [0, 3, 3, 1, 0]
    assert sum(p.handoffs for p in view.trend) == view.figures.overall.handoffs
    assert [(r.reason, r.count) for r in view.reject_reasons] == [("duplicate", 1), ("not_in_target", 1)]
    assert [(m.campaign_name, m.mqls, m.target) for m in view.mql_per_campaign] == [
        ("Webinar", 4, 10.0),
        ("Fiera", 3, 5.0),
    ]


def test_hours_to_first_contact_are_the_values_behind_the_sla_median(sc: Scenario) -> None:
    reporting, sla = sc.services.reporting, sc.services.sla
    hours = sorted(sla.period(*FEB).contact_hours)
    assert hours == [1.0, 2.5, 16.0]  # E, A, B in business hours
    assert round(statistics.median(hours), 2) == sla.figures(*FEB).overall.median_hours_to_first_contact
    view = reporting.sla_view(*FEB)
    assert view.contact_target_hours == 8
    assert [(b.label, b.count, b.within_target) for b in view.contact_hours] == [
        ("≤ 1", 1, True),
        ("1–2", 0, True),
        ("2–4", 1, True),
        ("4–8", 0, True),
        ("8–16", 1, False),
        ("16–24", 0, False),
        ("24–40", 0, False),
        ("> 40", 0, False),
    ]


def test_histogram_bins_put_the_target_on_an_edge() -> None:
    assert [b[2] for b in hour_bins(3)] == [
        "≤ 1",
        "1–2",
        "2–3",
        "3–4",
        "4–8",
        "8–16",
        "16–24",
        "24–40",
        "> 40",
    ]
    bins = bin_hours([0.0, 3.0, 3.01, 100.0], 3)
    assert [b.count for b in bins] == [1, 0, 1, 1, 0, 0, 0, 0, 1]  # exactly on target is in time
    assert [b.within_target for b in bins][:4] == [True, True, True, False]


def test_report_lists_breached_stale_and_returned_leads(sc: Scenario) -> None:
    report = sc.services.reporting.report(*FEB)
    names = {v: k for k, v in sc.leads.items()}
    breached = sorted(
        (names[b.lead.lead_id], b.clock, b.business_hours_late, b.done_at is None)
        for b in report.breached.items
    )
    assert breached == [
        ("B", "accept", 4.0, False),  # due Tue 15:00, accepted Wed 10:00
        ("B", "contact", 8.0, False),  # due Wed 10:00, reached Thu 10:00
        ("D", "accept", 61.0, True),  # due Tue 10 Feb 16:00, still open on Fri 20 Feb 12:00
        ("D", "contact", 57.0, True),
        ("F", "contact", 106.5, True),
    ]
    assert report.breached.total == 5
    stale = [(names[x.lead.lead_id], x.business_days_idle) for x in report.stale.items]
    assert stale == [("F", 14), ("B", 11), ("D", 8)]  # the longest idle first
    assert report.stale.total == 3 and report.stale_after_days == 5
    returned = sorted((names[x.lead.lead_id], x.reason, x.note) for x in report.returned.items)
    assert returned == [("C", "not_in_target", None), ("I", "duplicate", "=1+1")]
    assert [x.lead.name for x in report.returned.items if x.reason == "duplicate"] == [FORMULA_NAME]
    assert {
        r.reason: r.count for r in report.returned_by_reason
    } == report.sla.figures.overall.rejected_by_reason


def test_stale_threshold_counts_business_days(sc: Scenario) -> None:
    reporting = sc.services.reporting
    # D's last progress is Tue 10 Feb: 8 business days to Fri 20 Feb (weekends do not count).
    assert {x.lead.lead_id for x in reporting.report(*FEB, stale_after_days=7).stale.items} == {
        sc.leads["B"],
        sc.leads["D"],
        sc.leads["F"],
    }
    assert {x.lead.lead_id for x in reporting.report(*FEB, stale_after_days=8).stale.items} == {
        sc.leads["B"],
        sc.leads["F"],
    }
    cal = BusinessCalendar.default("Europe/Rome")
    # More than 5 business days before Fri 20 Feb: progress on Thu 12 Feb or earlier.
    assert reporting.stale_cutoff(cal, NOW, 5) == rome(2026, 2, 13, 0, 0)


def test_headline_figures_are_the_sla_figures_with_their_targets(sc: Scenario) -> None:
    report = sc.services.reporting.report(*FEB)
    f = report.sla.figures
    by_label = {h.label: h for h in report.headline}
    assert by_label["Handoffs"].value == f.overall.handoffs == 7
    assert by_label["Accepted or returned in time"].value == f.overall.accepted_in_time_pct == 71.4
    assert by_label["First contact in time"].value == f.overall.first_contact_in_time_pct == 40.0
    assert by_label["Breached and still open"].value == 2 and by_label["Breached and still open"].met is False
    mqls = by_label["MQLs delivered"]
    assert (mqls.value, mqls.target, mqls.met) == (7, 12.0, False)
    rate = by_label["Acceptance rate"]
    assert (rate.value, rate.target, rate.met) == (66.7, 90.0, False)
    nit = by_label["Returned as not in target"]
    assert (nit.value, nit.target, nit.met) == (14.3, 10.0, False)
    median = by_label["Median business hours to first contact"]
    assert (median.value, median.target, median.met) == (2.5, 8.0, True)


def test_campaign_table_joins_both_sides_and_the_deals(sc: Scenario) -> None:
    rows = {r.campaign_name: r for r in sc.services.reporting.report(*FEB).campaigns}
    assert set(rows) == {"Fiera", "Webinar"}
    web, fiera = rows["Webinar"], rows["Fiera"]
    assert (web.mqls, web.mql_target, web.handoffs, web.accepted, web.returned) == (4, 10.0, 4, 4, 0)
    assert (web.won, web.lost, web.revenue, web.win_rate_pct, web.target_pct) == (
        1,
        1,
        Decimal(10000),
        50.0,
        40.0,
    )
    assert (fiera.mqls, fiera.handoffs, fiera.returned, fiera.not_in_target, fiera.acceptance_rate_pct) == (
        3,
        3,
        2,
        1,
        0.0,
    )


def test_filters_narrow_every_part_of_the_report(sc: Scenario) -> None:
    reporting = sc.services.reporting
    fiera = reporting.report(*FEB, campaign_id=sc.campaigns["Fiera"])
    assert fiera.filters.campaign_name == "Fiera"
    assert [s.count for s in fiera.flow.funnel] == [4, 3, 3, 0, 0, 0, 0]  # C D H I created; C D I passed
    assert fiera.sla.figures.overall.handoffs == 3
    assert fiera.flow.campaign_results == ()
    assert {x.lead.lead_id for x in fiera.breached.items} == {sc.leads["D"]}
    marco = reporting.report(*FEB, owner_id=sc.people["marco"])
    assert marco.filters.owner_name == "Marco"
    assert marco.sla.figures.overall.handoffs == 4  # A B E F
    assert [s.count for s in marco.flow.funnel][1:] == [4, 4, 4, 3, 1, 1]
    assert marco.returned.total == 0
    assert {x.lead.lead_id for x in marco.stale.items} == {sc.leads["B"], sc.leads["F"]}


def test_the_dashboard_is_the_reports_flow_and_sla_side(sc: Scenario) -> None:
    dash = sc.services.reporting.dashboard(*FEB)
    report = sc.services.reporting.report(*FEB)
    assert dash.flow == report.flow
    assert dash.sla.figures == report.sla.figures
    assert dash.sla.trend == report.sla.trend


def test_sla_figures_are_cached_until_something_is_written(sc: Scenario) -> None:
    reporting = sc.services.reporting
    first = reporting.sla_figures(*FEB, ReportFilters())
    assert reporting.sla_figures(*FEB, ReportFilters()) is first
    sc.services.lifecycle.accept([sc.leads["D"]], actor_id=sc.people["sara"])
    again = reporting.sla_figures(*FEB, ReportFilters())
    assert again is not first and again.overall.accepted == first.overall.accepted + 1


def test_period_presets_and_trend_buckets() -> None:
    today = date(2026, 2, 18)  # a Wednesday
    assert preset_period(PeriodKind.THIS_WEEK, today) == Period(date(2026, 2, 16), date(2026, 2, 22))
    assert preset_period(PeriodKind.LAST_WEEK, today) == Period(date(2026, 2, 9), date(2026, 2, 15))
    assert preset_period(PeriodKind.THIS_MONTH, today) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert preset_period(PeriodKind.LAST_MONTH, today) == Period(date(2026, 1, 1), date(2026, 1, 31))
    assert preset_period(PeriodKind.THIS_QUARTER, today) == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert preset_period(PeriodKind.LAST_QUARTER, today) == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert preset_period(PeriodKind.LAST_MONTH, date(2026, 1, 5)) == Period(
        date(2025, 12, 1), date(2025, 12, 31)
    )
    daily, days = trend_buckets(date(2026, 2, 16), date(2026, 2, 22))
    assert daily and len(days) == 7 and days[0] == Period(date(2026, 2, 16), date(2026, 2, 16))
    daily, weeks = trend_buckets(date(2026, 1, 1), date(2026, 3, 31))
    assert not daily
    assert weeks[0] == Period(date(2026, 1, 1), date(2026, 1, 4))
    assert all(w.start.weekday() == 0 for w in weeks[1:]) and weeks[-1].end == date(2026, 3, 31)
    covered = sum(w.days for w in weeks)
    assert covered == 90  # every day exactly once


def test_call_back_pauses_come_out_of_the_hours_as_the_sla_takes_them_out(sc: Scenario) -> None:
    from leaddesk.domain.enums import ActivityKind, Outcome
    from leaddesk.domain.records import LeadDraft

    life, people = sc.services.lifecycle, sc.people
    sc.clock.set(rome(2026, 3, 2, 12))
    paused = life.create_lead(LeadDraft(first_name="Pausa", email="j@example.it"), at=rome(2026, 2, 23, 8))
    life.qualify([paused], at=rome(2026, 2, 23, 8, 30))
    life.handoff([paused], owner_id=people["marco"], at=rome(2026, 2, 23, 9))
    life.accept([paused], actor_id=people["marco"], at=rome(2026, 2, 23, 9, 30))
    life.log_activity(
        paused,
        kind=ActivityKind.CALL,
        outcome=Outcome.CALL_BACK,
        callback_at=rome(2026, 2, 25, 9),
        actor_id=people["marco"],
        at=rome(2026, 2, 23, 10),
    )
    reached = Outcome.REACHED
    life.log_activity(
        paused, kind=ActivityKind.CALL, outcome=reached, actor_id=people["marco"], at=rome(2026, 2, 25, 11)
    )
    quick = life.create_lead(LeadDraft(first_name="Svelto", email="k@example.it"), at=rome(2026, 2, 23, 8))
    life.qualify([quick], at=rome(2026, 2, 23, 8, 30))
    life.handoff([quick], owner_id=people["sara"], at=rome(2026, 2, 23, 14))
    life.accept([quick], actor_id=people["sara"], at=rome(2026, 2, 23, 15))
    life.log_activity(
        quick, kind=ActivityKind.CALL, outcome=reached, actor_id=people["sara"], at=rome(2026, 2, 23, 16)
    )
    period = (date(2026, 2, 23), date(2026, 2, 27))
    hours = sorted(sc.services.sla.period(*period).contact_hours)
    # 18 business hours from handoff to contact, 15 of them inside the pause; and 2 hours without one
    assert hours == [2.0, 3.0]
    figures = sc.services.sla.figures(*period).overall
    assert (figures.median_hours_to_first_contact, figures.p90_hours_to_first_contact) == (2.5, 3.0)


def test_capped_lists_keep_their_totals_and_the_longest_idle(db: Database, sc: Scenario) -> None:
    from leaddesk.services.reporting.reporting_service import ReportingService

    capped = ReportingService(db, sc.services.sla, sc.clock, list_cap=2)
    report = capped.report(*FEB)
    names = {v: k for k, v in sc.leads.items()}
    # the two longest with sales (by handoff), of three stale leads; the total counts all of them
    assert report.stale.total == 3
    assert [names[x.lead.lead_id] for x in report.stale.items] == ["F", "B"]
    assert report.breached.total == 5 and len(report.breached.items) == 2
    assert report.returned.total == 2 and len(report.returned.items) == 2
    none = ReportingService(db, sc.services.sla, sc.clock, list_cap=0).report(*FEB)
    assert none.stale.total == 3 and none.stale.items == ()
