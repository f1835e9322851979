"""The SLA service on real databases: cached clocks follow the history, versions judge their period,
alerts fire once, and the period figures match a hand-checked fixture."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, Outcome, Role, Stage
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.sla.clock import ClockKind, ClockState
from leaddesk.services.sla.policy import SlaPolicy, SlaRule

ROME = ZoneInfo("Europe/Rome")


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)  # type: ignore[misc]


POLICY = SlaPolicy(
    accept_within_hours=4,
    first_contact_within_hours=8,
    rules=(),
    calendar=BusinessCalendar.default("Europe/Rome"),
)


@pytest.fixture
def svc(db: Database, clock: FixedClock) -> Services:
    services = build_services(db, clock)
    clock.set(rome(2026, 1, 1, 9))
    services.sla.set_policy(POLICY, effective_from=rome(2026, 1, 1))
    return services


@pytest.fixture
def people(svc: Services) -> dict[str, int]:
    return {
        "marco": svc.team.add_member("Marco", Role.SALES).id,
        "sara": svc.team.add_member("Sara", Role.SALES).id,
        "anna": svc.team.add_member("Anna", Role.MANAGER).id,
    }


def lead(svc: Services, name: str, score: int = 10) -> int:
    lead_id = svc.lifecycle.create_lead(
        LeadDraft(first_name=name, last_name="Test", email=f"{name.lower()}@x.it")
    )
    if score:
        with svc.db.writing() as s:
            from leaddesk.models import Lead

            s.get(Lead, lead_id).score = score  # type: ignore[union-attr]
    return lead_id


def test_handoff_caches_due_times_and_accept_keeps_them(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    a = lead(svc, "Uno")
    clock.set(rome(2026, 2, 10, 12, 30))
    svc.lifecycle.handoff([a], owner_id=people["marco"])
    row = svc.sla.queue(people["marco"])[0]
    assert row.lead.accept_due_at == rome(2026, 2, 10, 17, 30)
    assert row.accept_risk_at == rome(2026, 2, 10, 16, 30)
    assert row.lead.contact_due_at == rome(2026, 2, 11, 12, 30)  # 0.5 + 4 today, 3.5 tomorrow
    clock.set(rome(2026, 2, 10, 16, 45))
    assert svc.sla.clocks([row])[a].state == ClockState.AT_RISK
    assert svc.sla.alert_counts(people["marco"]) == svc.sla.alert_counts(None)
    assert svc.sla.alert_counts(people["marco"]).at_risk == 1
    clock.set(rome(2026, 2, 10, 17, 0))
    svc.lifecycle.accept([a], actor_id=people["marco"])
    accept, contact = svc.sla.lead_clocks(a)
    assert (accept.kind, accept.state) == (ClockKind.ACCEPT, ClockState.MET)
    assert (contact.kind, contact.state) == (ClockKind.CONTACT, ClockState.ON_TRACK)
    assert svc.sla.alert_counts(people["marco"]).at_risk == 0


def test_queue_is_ordered_by_the_running_clock_and_per_owner(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    early, late, other = lead(svc, "Early"), lead(svc, "Late"), lead(svc, "Other")
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([late], owner_id=people["marco"])
    svc.lifecycle.accept([late])  # contact due 17:00
    clock.set(rome(2026, 2, 10, 10))
    svc.lifecycle.handoff([early], owner_id=people["marco"])  # accept due 14:00 + 1 h lunch = 15:00
    svc.lifecycle.handoff([other], owner_id=people["sara"])
    assert [r.lead.id for r in svc.sla.queue(people["marco"])] == [early, late]
    assert [r.lead.id for r in svc.sla.queue(None)] == [early, other, late]
    assert svc.sla.queue_count(people["marco"]) == 2


def test_call_back_pauses_the_contact_clock(svc: Services, people: dict[str, int], clock: FixedClock) -> None:
    a = lead(svc, "Pausa")
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([a], owner_id=people["marco"])
    clock.set(rome(2026, 2, 10, 10))
    svc.lifecycle.log_activity(
        a,
        kind=ActivityKind.CALL,
        outcome=Outcome.CALL_BACK,
        callback_at=rome(2026, 2, 16, 9),
        actor_id=people["marco"],
    )
    # 1 h used before the pause; 7 h left from Monday 16th 09:00 → 17:00
    row = svc.sla.queue(people["marco"])[0]
    assert row.lead.contact_due_at == rome(2026, 2, 16, 17, 0)
    clock.set(rome(2026, 2, 12, 12))
    assert svc.sla.clocks([row])[a].state == ClockState.PAUSED
    assert svc.sla.alert_counts(people["marco"]).breached == 0


def test_period_figures_take_the_pause_out_of_the_hours_to_first_contact(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    a, b = lead(svc, "Pausa"), lead(svc, "Diretto")
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([a, b], owner_id=people["marco"])
    clock.set(rome(2026, 2, 10, 10))
    svc.lifecycle.log_activity(
        a,
        kind=ActivityKind.CALL,
        outcome=Outcome.CALL_BACK,
        callback_at=rome(2026, 2, 16, 9),
        actor_id=people["marco"],
    )
    clock.set(rome(2026, 2, 16, 11))
    for lead_id in (a, b):
        svc.lifecycle.log_activity(
            lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED, actor_id=people["marco"]
        )
    period = svc.sla.period(date(2026, 2, 10), date(2026, 2, 10))
    # Pausa: 1 h before the pause and 2 h after it; Diretto: Tue 9-18 less lunch, 4 days, Mon 9-11
    assert sorted(period.contact_hours) == [3.0, 8.0 * 4 + 2.0]
    assert period.figures.overall.median_hours_to_first_contact == 18.5


def test_priority_rule_uses_the_score_at_handoff(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    hot = POLICY.with_changes(rules=(SlaRule("Hot", 1, 1, min_score=70),))
    svc.sla.set_policy(hot, effective_from=rome(2026, 2, 1))
    a, b = lead(svc, "Caldo", score=90), lead(svc, "Tiepido", score=40)
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([a, b], owner_id=people["marco"])
    rows = {r.lead.id: r for r in svc.sla.queue(people["marco"])}
    assert rows[a].lead.accept_due_at == rome(2026, 2, 10, 10) and rows[a].sla_rule == "Hot"
    assert rows[b].lead.accept_due_at == rome(2026, 2, 10, 13) and rows[b].sla_rule is None


def test_a_new_version_recomputes_what_it_governs_and_not_the_past(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    before, after = lead(svc, "Prima"), lead(svc, "Dopo")
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([before], owner_id=people["marco"])
    clock.set(rome(2026, 2, 12, 9))
    svc.lifecycle.handoff([after], owner_id=people["marco"])
    clock.set(rome(2026, 2, 12, 10))
    svc.sla.set_policy(POLICY.with_changes(accept_within_hours=2), effective_from=rome(2026, 2, 11))
    rows = {r.lead.id: r for r in svc.sla.queue(people["marco"])}
    assert rows[before].lead.accept_due_at == rome(2026, 2, 10, 13)  # judged by the version then in force
    assert rows[after].lead.accept_due_at == rome(2026, 2, 12, 11)  # recomputed by the new one
    assert len(svc.sla.policy_versions()) == 3


def test_alerts_fire_once_per_lead_and_state_and_breaches_reach_the_manager(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    a = lead(svc, "Allarme")
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([a], owner_id=people["marco"])
    clock.set(rome(2026, 2, 10, 12, 15))
    assert [(x.lead_id, x.state) for x in svc.sla.new_alerts(people["marco"])] == [(a, ClockState.AT_RISK)]
    assert svc.sla.new_alerts(people["marco"]) == []
    assert svc.sla.new_alerts(people["anna"]) == []  # the manager hears of breaches only
    clock.set(rome(2026, 2, 10, 14, 0))
    assert [(x.lead_id, x.state) for x in svc.sla.new_alerts(people["marco"])] == [(a, ClockState.BREACHED)]
    assert [(x.lead_id, x.owner_name) for x in svc.sla.new_alerts(people["anna"])] == [(a, "Marco")]
    assert svc.sla.new_alerts(people["anna"]) == []


def test_unaccepted_leads_go_back_to_the_pool_when_the_option_is_on(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    a = lead(svc, "Pool")
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([a], owner_id=people["marco"])
    clock.set(rome(2026, 2, 10, 15))
    assert svc.sla.reassign_overdue() == {}  # option off
    svc.sla.set_policy(POLICY.with_changes(reassign_unaccepted=True), effective_from=rome(2026, 1, 2))
    assert svc.sla.reassign_overdue() == {a: people["sara"]}
    row = svc.sla.queue(people["sara"])[0]
    assert row.lead.accept_due_at == rome(2026, 2, 11, 10)  # a fresh clock for Sara: 15-18 + 9-10
    assert svc.leads.detail(a).stage == Stage.HANDED_OFF


def test_a_lead_another_pc_already_moved_is_left_alone(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    """Every PC runs the periodic check: the second one to reach an overdue lead finds it moved (a fresh
    clock with another rep) and leaves it, instead of moving it again."""
    a = lead(svc, "Gara")
    clock.set(rome(2026, 2, 10, 9))
    svc.lifecycle.handoff([a], owner_id=people["marco"])
    clock.set(rome(2026, 2, 10, 15))
    # Both PCs saw the lead overdue with Marco; the first moves it to Sara.
    assert svc.lifecycle.reassign_for_sla(a, people["sara"], if_overdue_with=people["marco"])
    events = len(svc.leads.events(a))
    assert not svc.lifecycle.reassign_for_sla(a, people["anna"], if_overdue_with=people["marco"])
    assert svc.leads.detail(a).sales_owner_id == people["sara"]
    assert len(svc.leads.events(a)) == events


def _fixture(svc: Services, people: dict[str, int], clock: FixedClock) -> None:
    """Four handoffs on Tuesday 2026-02-10 (Rome), worked out by hand in the test below."""
    l1, l2, l3, l4 = (lead(svc, n) for n in ("Uno", "Due", "Tre", "Quattro"))
    m = people["marco"]
    for when, lead_id in (
        (rome(2026, 2, 10, 9), l1),
        (rome(2026, 2, 10, 12), l2),
        (rome(2026, 2, 10, 16), l3),
    ):
        clock.set(when)
        svc.lifecycle.handoff([lead_id], owner_id=m)
    clock.set(rome(2026, 2, 10, 17))
    svc.lifecycle.handoff([l4], owner_id=people["sara"])
    clock.set(rome(2026, 2, 10, 10))
    svc.lifecycle.accept([l1])
    clock.set(rome(2026, 2, 10, 11, 30))
    svc.lifecycle.log_activity(l1, kind=ActivityKind.CALL, outcome=Outcome.REACHED)
    clock.set(rome(2026, 2, 10, 16, 30))
    svc.lifecycle.reject(l3, reason="not_in_target")
    clock.set(rome(2026, 2, 10, 17, 30))
    svc.lifecycle.accept([l2])
    clock.set(rome(2026, 2, 11, 10))
    svc.lifecycle.log_activity(l2, kind=ActivityKind.CALL, outcome=Outcome.REACHED)
    clock.set(rome(2026, 2, 12, 10))


def test_period_figures_match_the_hand_checked_fixture(
    svc: Services, people: dict[str, int], clock: FixedClock
) -> None:
    _fixture(svc, people, clock)
    f = svc.sla.figures(date(2026, 2, 10), date(2026, 2, 10))
    o = f.overall
    assert o.handoffs == 4
    assert (o.accepted_in_time, o.accepted_in_time_pct) == (2, 50.0)  # Uno and the rejection of Tre
    assert (o.rejected, o.rejected_pct, o.rejected_by_reason) == (1, 25.0, {"not_in_target": 1})
    assert (o.first_contact_in_time, o.first_contact_due, o.first_contact_in_time_pct) == (2, 3, 66.7)
    assert (o.median_hours_to_accept, o.p90_hours_to_accept) == (1.0, 4.5)
    assert (o.median_hours_to_first_contact, o.p90_hours_to_first_contact) == (4.25, 6.0)
    assert o.breached_open == 1  # Quattro: never accepted
    assert o.acceptance_rate_pct == 66.7
    assert f.per_owner["Marco"].handoffs == 3 and f.per_owner["Sara"].breached_open == 1
    assert f.not_in_target_pct == 25.0
    # Other days hold nothing
    assert svc.sla.figures(date(2026, 2, 11), date(2026, 2, 28)).overall.handoffs == 0


def test_sla_cli_report_json_and_policy_set(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "leaddesk", "--db", db_url, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    result = cli(
        "sla",
        "policy",
        "set",
        "--accept-within",
        "2",
        "--first-contact-within",
        "6",
        "--hours",
        "mon-fri 09:00-13:00,14:00-18:00",
        "--holidays",
        "IT",
        "--closed",
        "2026-08-10..2026-08-21",
        "--tz",
        "Europe/Rome",
        "--at-risk",
        "80",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(cli("sla", "policy", "show", "--json").stdout)
    assert shown["accept_within_hours"] == 2 and shown["at_risk_share"] == 0.8
    assert shown["calendar"]["tz"] == "Europe/Rome"
    assert shown["calendar"]["closures"][0]["start"] == "2026-08-10"
    bad = cli("sla", "policy", "set", "--hours", "mon-fri 18:00-09:00")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    report = json.loads(cli("sla", "report", "--from", "2026-01-01", "--to", "2026-01-31", "--json").stdout)
    expected = {
        "handoffs",
        "accepted_in_time",
        "accepted_in_time_pct",
        "rejected",
        "first_contact_in_time",
        "first_contact_in_time_pct",
        "median_hours_to_accept",
        "p90_hours_to_accept",
        "median_hours_to_first_contact",
        "p90_hours_to_first_contact",
        "breached_open",
        "mql_total",
        "mql_target",
        "per_campaign",
        "per_owner",
    }
    assert expected <= set(report)
    assert report["handoffs"] == 0
