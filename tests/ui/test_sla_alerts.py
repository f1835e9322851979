"""SLA alerts in the real window on a real SQLite database, the clock moved by the test: the status bar
counts, one notification per lead and state (the in-window banner offscreen, where there is no tray),
breaches escalated to the manager, and unaccepted leads reassigned round-robin when the policy says so."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from leaddesk.app import Services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import EventKind, Role
from leaddesk.domain.records import LeadDraft
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.sla.clock import ClockState
from leaddesk.services.sla.policy import SlaPolicy
from leaddesk.services.sla.sla_service import AlertCounts
from leaddesk.ui.context import AppContext
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.sla_alerts import SlaAlerts

TIMEOUT = 10_000
ROME = ZoneInfo("Europe/Rome")


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def team(services: Services, clock: FixedClock) -> dict[str, int]:
    clock.set(rome(2026, 1, 1, 9))
    services.sla.set_policy(
        SlaPolicy(rules=(), calendar=BusinessCalendar.default("Europe/Rome")), effective_from=rome(2026, 1, 1)
    )
    return {
        "marco": services.team.add_member("Marco Ferrari", Role.SALES).id,
        "sara": services.team.add_member("Sara Colombo", Role.SALES).id,
        "elena": services.team.add_member("Elena Ricci", Role.MANAGER).id,
    }


def _handed(services: Services, clock: FixedClock, owner: int) -> int:
    lead_id = services.lifecycle.create_lead(LeadDraft(first_name="Anna", last_name="Bianchi", company="X"))
    clock.set(rome(2026, 2, 10, 9))  # accept due 13:00, at risk from 12:00
    services.lifecycle.handoff([lead_id], owner_id=owner)
    return lead_id


def _window(qtbot, ctx: AppContext) -> tuple[MainWindow, SlaAlerts]:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    alerts = window.pages["sales"].alerts  # type: ignore[attr-defined]
    assert isinstance(alerts, SlaAlerts)
    alerts.stop()
    window.show()
    return window, alerts


def _check(qtbot, alerts: SlaAlerts) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(alerts.counts_changed, timeout=TIMEOUT):
        alerts.check()


def test_counts_and_one_notification_per_lead_and_state_and_the_manager_hears_of_breaches(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    lead = _handed(services, clock, team["marco"])
    clock.set(rome(2026, 2, 10, 10))
    ctx.set_member(services.team.get(team["marco"]))
    window, alerts = _window(qtbot, ctx)
    with qtbot.assertNotEmitted(alerts.notified):
        _check(qtbot, alerts)
    assert alerts.counts == AlertCounts(0, 0) and not alerts.at_risk.isVisible()

    clock.set(rome(2026, 2, 10, 12, 10))
    with qtbot.waitSignal(alerts.notified, timeout=TIMEOUT) as notified:
        alerts.check()
    assert [(a.lead_id, a.state) for a in notified.args[0]] == [(lead, ClockState.AT_RISK)]
    assert alerts.banner.isVisible() and "Anna Bianchi" in alerts.banner.text.text()
    qtbot.waitUntil(alerts.at_risk.isVisible, timeout=TIMEOUT)
    assert alerts.at_risk.text() == "1 at risk" and not alerts.breached.isVisible()
    with qtbot.assertNotEmitted(alerts.notified):  # the same state never notifies twice
        _check(qtbot, alerts)

    clock.set(rome(2026, 2, 10, 14, 10))  # 13:00 was the due time (13-14 is lunch)
    with qtbot.waitSignal(alerts.notified, timeout=TIMEOUT) as notified:
        alerts.check()
    assert [(a.lead_id, a.state) for a in notified.args[0]] == [(lead, ClockState.BREACHED)]
    assert alerts.last_message is not None and alerts.last_message[0] == "SLA breached: Anna Bianchi"
    assert alerts.breached.text() == "1 breached" and not alerts.at_risk.isVisible()

    # The manager is told of the breach, once, with whose lead it is; the counts are the team's.
    with qtbot.waitSignal(alerts.notified, timeout=TIMEOUT) as notified:
        ctx.set_member(services.team.get(team["elena"]))
    assert [(a.lead_id, a.owner_name) for a in notified.args[0]] == [(lead, "Marco Ferrari")]
    assert alerts.last_message is not None and "Marco Ferrari" in alerts.last_message[1]
    assert alerts.breached.text() == "1 breached (team)"
    with qtbot.assertNotEmitted(alerts.notified):
        _check(qtbot, alerts)

    # Counts follow the data; the status bar button opens the Sales area.
    services.lifecycle.accept([lead])
    with qtbot.waitSignal(alerts.counts_changed, timeout=TIMEOUT):
        ctx.notify_changed()
    assert alerts.counts == AlertCounts(0, 0) and not alerts.breached.isVisible()
    window.show_area("marketing")
    alerts.at_risk.click()
    assert window.current_area() == "sales"


def test_leads_not_accepted_in_time_go_to_the_next_rep_when_the_policy_says_so(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    lead = _handed(services, clock, team["marco"])
    clock.set(rome(2026, 2, 10, 14, 30))
    ctx.set_member(services.team.get(team["marco"]))
    window, alerts = _window(qtbot, ctx)
    _check(qtbot, alerts)
    assert services.leads.detail(lead).sales_owner_id == team["marco"]  # option off: nothing moves

    services.sla.set_policy(
        services.sla.current_policy().with_changes(reassign_unaccepted=True), effective_from=rome(2026, 1, 2)
    )
    with qtbot.waitSignal(ctx.data_changed, timeout=TIMEOUT):
        alerts.check()
    detail = services.leads.detail(lead)
    assert detail.sales_owner_id == team["sara"] and detail.stamps["handed_off_at"] == clock()
    event = services.leads.events(lead)[-1]
    assert (event.kind, event.reason) == (EventKind.HANDED_OFF, "not accepted in time")
    assert "another rep" in window.statusBar().currentMessage()
