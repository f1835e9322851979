"""The Sales workspace driven through its real widgets and keys, on a real SQLite database, with the clock
moved by the test: the queue in SLA order, the countdown turning at risk then breached without a reload,
accept, a contact logged (the clock met), opportunity by drag and drop, won from the keyboard; a lead
returned with a reason that lands in marketing's inbox; attempts, a call back that pauses the clock and
shows up in the next day's follow-ups; the manager's view of every rep; the sales part of the lead detail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QDateTime, QLocale, QModelIndex, Qt, QTimeZone
from PySide6.QtWidgets import QApplication, QMessageBox

from leaddesk.app import Services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, Channel, EventKind, LostReason, Outcome, Role, Stage
from leaddesk.domain.records import LeadDraft
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.sla.clock import ClockKind, ClockState
from leaddesk.services.sla.policy import SlaPolicy, SlaRule
from leaddesk.services.sla.sla_service import AlertCounts
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.assign_dialog import AssignDialog
from leaddesk.ui.dialogs.lead_detail_dialog import LeadDetailDialog
from leaddesk.ui.dialogs.log_activity_dialog import LogActivityDialog
from leaddesk.ui.dialogs.lost_dialog import LostDialog
from leaddesk.ui.dialogs.opportunity_dialog import OpportunityDialog, WonDialog
from leaddesk.ui.dialogs.reject_dialog import RejectDialog
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.pages.marketing_page import MarketingPage
from leaddesk.ui.pages.sales_page import ALL_REPS, SalesPage
from leaddesk.ui.table_models.queue_table_model import STATE_ROLE
from leaddesk.ui.widgets.countdown_delegate import CLOCK_ROLE, DUE_ROLE
from leaddesk.ui.widgets.pipeline_board import PipelineBoard

TIMEOUT = 10_000
ROME = ZoneInfo("Europe/Rome")
MOVE = Qt.DropAction.MoveAction


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def team(services: Services, clock: FixedClock) -> dict[str, int]:
    t = services.team
    ids = {
        "giulia": t.add_member("Giulia Conti", Role.MARKETING).id,
        "marco": t.add_member("Marco Ferrari", Role.SALES).id,
        "sara": t.add_member("Sara Colombo", Role.SALES).id,
        "anna": t.add_member("Anna Rossi", Role.MANAGER).id,
    }
    ids["fair"] = services.campaigns.save(name="Fiera SPS", channel=Channel.EVENT).id
    # Rome office hours (9-13, 14-18); leads from the fair are a priority: 2 h to accept.
    policy = SlaPolicy(
        accept_within_hours=4,
        first_contact_within_hours=8,
        rules=(SlaRule("Fiera", 2, 4, campaign_ids=frozenset({ids["fair"]})),),
        calendar=BusinessCalendar.default("Europe/Rome"),
    )
    clock.set(rome(2026, 1, 1, 9))
    services.sla.set_policy(policy, effective_from=rome(2026, 1, 1))
    return ids


def _lead(services: Services, first: str, last: str, campaign_id: int | None = None) -> int:
    return services.lifecycle.create_lead(
        LeadDraft(
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@example.it",
            phone="+393471112222",
            company=f"{last} Srl",
            job_title="CEO",
            campaign_id=campaign_id,
        ),
        at=rome(2026, 2, 2, 9),
    )


def _sales_window(qtbot, ctx: AppContext) -> tuple[MainWindow, SalesPage]:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    page = window.pages["sales"]
    assert isinstance(page, SalesPage)
    page.alerts.stop()  # the test runs the alert checks itself
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    with qtbot.waitSignal(page.queue_model.loaded, timeout=TIMEOUT):
        window.show_area("sales")
    qtbot.waitUntil(lambda: page.queue.view.hasFocus(), timeout=3000)
    return window, page


def _ids(page: SalesPage) -> list[int]:
    return [r.lead.id for r in page.queue_model.rows()]


def _state(page: SalesPage, lead_id: int) -> ClockState:
    model = page.queue_model
    state: ClockState = model.data(model.index(model.row_of(lead_id), model.column_of("sla")), STATE_ROLE)
    return state


def _sla_text(page: SalesPage, lead_id: int) -> str:
    model = page.queue_model
    return str(model.data(model.index(model.row_of(lead_id), model.column_of("sla"))))


def _events(services: Services, lead_id: int) -> list[EventKind]:
    return [e.kind for e in services.leads.events(lead_id)]


def _key(qtbot, widget, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """Press a key on a widget as the user would: its window active, the widget focused."""
    window = widget.window()
    if not window.isActiveWindow():  # a dialog just closed (offscreen does not hand activation back)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    widget.setFocus()
    qtbot.keyClick(widget, key, modifier)


def test_a_lead_goes_from_the_queue_to_won_with_the_clock_moving(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    anna = _lead(services, "Anna", "Bianchi")
    bruno = _lead(services, "Bruno", "Verdi", campaign_id=team["fair"])
    other = _lead(services, "Carla", "Neri")
    clock.set(rome(2026, 2, 10, 9))
    services.lifecycle.handoff([anna], owner_id=team["marco"], note="Vuole una demo entro fine mese")
    clock.set(rome(2026, 2, 10, 10))
    services.lifecycle.handoff([bruno], owner_id=team["marco"])
    services.lifecycle.handoff([other], owner_id=team["sara"])
    clock.set(rome(2026, 2, 10, 10, 30))
    ctx.set_member(services.team.get(team["marco"]))
    window, page = _sales_window(qtbot, ctx)
    model = page.queue_model

    # In SLA order: Bruno came later but is a priority lead (accept by 12:00) before Anna (by 13:00).
    assert _ids(page) == [bruno, anna]
    assert model.data(model.index(0, model.column_of("lead")), Qt.ItemDataRole.DisplayRole) == "Bruno Verdi"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.UserRole + 23) is True  # hot: priority rule
    assert _state(page, bruno) == _state(page, anna) == ClockState.ON_TRACK
    assert _sla_text(page, anna) == "2 h 30 min left"
    assert model.data(model.index(1, model.column_of("note"))) == "Vuole una demo entro fine mese"
    assert page.panel.title.text() == "Bruno Verdi"  # the most urgent lead is in focus

    # The clock moves: the countdown follows on its own timer, with no new query.
    loads: list[int] = []
    model.loaded.connect(lambda: loads.append(1))
    clock.set(rome(2026, 2, 10, 11, 30))
    with qtbot.waitSignal(model.states_changed, timeout=TIMEOUT) as moved:
        pass
    assert moved.args == [[bruno]]
    assert _state(page, bruno) == ClockState.AT_RISK and _state(page, anna) == ClockState.ON_TRACK
    assert page.panel.countdown.text() == "30 min left" and page.panel.badge.state == ClockState.AT_RISK
    clock.set(rome(2026, 2, 10, 12, 15))
    with qtbot.waitSignal(model.states_changed, timeout=TIMEOUT):
        pass
    assert _state(page, bruno) == ClockState.BREACHED and _state(page, anna) == ClockState.AT_RISK
    assert _sla_text(page, bruno) == "15 min late"
    local_due = QDateTime.fromSecsSinceEpoch(int(rome(2026, 2, 10, 12).timestamp())).toLocalTime().time()
    assert model.data(model.index(0, 0), DUE_ROLE) == "accept was due " + QLocale().toString(
        local_due, QLocale.FormatType.ShortFormat
    )
    assert loads == []
    qtbot.waitUntil(lambda: page.counts == AlertCounts(at_risk=1, breached=1), timeout=TIMEOUT)
    assert "1 breached" in page.header.subtitle.text()

    # Accept Anna with the keyboard: the accept clock is met, the contact clock now runs.
    page.queue.select_lead(anna)
    with qtbot.waitSignal(model.loaded, timeout=TIMEOUT):
        _key(qtbot, page.queue.view, Qt.Key.Key_A)
    detail = services.leads.detail(anna)
    assert detail.stage == Stage.ACCEPTED and detail.stamps["accepted_at"] == clock()
    accepted = [e for e in services.leads.events(anna) if e.kind == EventKind.ACCEPTED]
    assert accepted[0].actor_name == "Marco Ferrari"
    clock_now = model.data(model.index(model.row_of(anna), 0), CLOCK_ROLE)
    assert clock_now.kind == ClockKind.CONTACT and clock_now.state == ClockState.ON_TRACK
    assert page.queue.current_row() == model.row_of(anna)  # the same lead stays in focus

    # Log the call that reached her: first contact, the clock is met, she leaves the queue.
    dialog = page.run_action("call")
    assert isinstance(dialog, LogActivityDialog)
    dialog.choose(ActivityKind.CALL, Outcome.REACHED)
    dialog.note.setText("Demo fissata per giovedì")
    assert "clock stops" in dialog.effect.text()
    with qtbot.waitSignals([dialog.succeeded, model.loaded], timeout=TIMEOUT):
        dialog.ok_button.click()
    detail = services.leads.detail(anna)
    assert detail.stage == Stage.CONTACTED and detail.stamps["first_contact_at"] == clock()
    contact = next(c for c in services.sla.lead_clocks(anna) if c.kind == ClockKind.CONTACT)
    assert contact.state == ClockState.MET
    assert anna not in _ids(page) and _ids(page) == [bruno]
    assert _events(services, anna)[-3:] == [EventKind.ACCEPTED, EventKind.CONTACTED, EventKind.ACTIVITY]

    # Pipeline: drag Anna's card from Contacted onto Opportunity.
    board = page.pipeline.board
    _key(qtbot, page.queue.view, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert page.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: board.columns[Stage.CONTACTED].model.row_of(anna) >= 0, timeout=TIMEOUT)
    source = board.columns[Stage.CONTACTED].model
    mime = source.mimeData([source.index(source.row_of(anna))])
    assert not board.columns[Stage.WON].model.canDropMimeData(mime, MOVE, -1, -1, QModelIndex())
    target = board.columns[Stage.OPPORTUNITY].model
    assert target.canDropMimeData(mime, MOVE, -1, -1, QModelIndex())
    assert target.dropMimeData(mime, MOVE, -1, -1, QModelIndex())
    opportunity = page.dialog
    assert isinstance(opportunity, OpportunityDialog)
    opportunity.value.setValue(12000)
    opportunity.close_on.setDate(QDate(2026, 3, 31))
    with qtbot.waitSignal(opportunity.succeeded, timeout=TIMEOUT):
        opportunity.ok_button.click()
    detail = services.leads.detail(anna)
    assert detail.stage == Stage.OPPORTUNITY
    assert (detail.expected_value, detail.expected_close_on) == (Decimal(12000), date(2026, 3, 31))

    # Won, from the keyboard on the board.
    opps = board.columns[Stage.OPPORTUNITY]
    qtbot.waitUntil(lambda: opps.model.row_of(anna) >= 0, timeout=TIMEOUT)
    opps.list.setCurrentIndex(opps.model.index(opps.model.row_of(anna)))
    _key(qtbot, opps.list, Qt.Key.Key_W)
    won = page.dialog
    assert isinstance(won, WonDialog) and won.value.value() == 12000
    with qtbot.waitSignal(won.succeeded, timeout=TIMEOUT):
        won.ok_button.click()
    detail = services.leads.detail(anna)
    assert detail.stage == Stage.WON and detail.stamps["closed_at"] == clock()
    assert _events(services, anna)[-2:] == [EventKind.OPPORTUNITY, EventKind.WON]
    qtbot.waitUntil(lambda: board.columns[Stage.WON].model.count == 1, timeout=TIMEOUT)
    assert board.columns[Stage.WON].model.row_of(anna) == 0
    window.close()


def test_a_lead_returned_with_a_reason_lands_in_marketings_inbox(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    keep, back = _lead(services, "Anna", "Bianchi"), _lead(services, "Bruno", "Verdi")
    clock.set(rome(2026, 2, 10, 9))
    services.lifecycle.handoff([keep, back], owner_id=team["marco"], note="Fiera")
    ctx.set_member(services.team.get(team["marco"]))
    window, page = _sales_window(qtbot, ctx)

    page.queue.select_lead(back)
    _key(qtbot, page.queue.view, Qt.Key.Key_R)
    dialog = page.dialog
    assert isinstance(dialog, RejectDialog)
    reasons = [dialog.reason.itemData(i) for i in range(dialog.reason.count())]
    assert reasons == list(services.sla.current_policy().reject_reasons)  # the policy's list
    dialog.choose_reason("not_in_target")
    dialog.note.setText("Azienda troppo piccola")
    with qtbot.waitSignals([dialog.succeeded, page.queue_model.loaded], timeout=TIMEOUT):
        _key(qtbot, dialog.note, Qt.Key.Key_Return)  # Enter confirms
    detail = services.leads.detail(back)
    assert detail.stage == Stage.REJECTED and detail.reject_reason == "not_in_target"
    event = services.leads.events(back)[-1]
    assert (event.kind, event.reason, event.details.get("note")) == (
        EventKind.REJECTED,
        "not_in_target",
        "Azienda troppo piccola",
    )
    assert _ids(page) == [keep]

    marketing = window.pages["marketing"]
    assert isinstance(marketing, MarketingPage)
    with qtbot.waitSignal(marketing.returned.browser.model.loaded, timeout=TIMEOUT):
        window.show_area("marketing")
    returned = marketing.returned.browser.model.rows()
    assert [(r.id, r.reject_reason, r.reject_note) for r in returned] == [
        (back, "not_in_target", "Azienda troppo piccola")
    ]
    window.close()


def test_attempts_count_and_a_call_back_pauses_the_clock_until_that_days_follow_ups(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    lead = _lead(services, "Dario", "Galli")
    clock.set(rome(2026, 2, 10, 9))
    services.lifecycle.handoff([lead], owner_id=team["marco"])
    clock.set(rome(2026, 2, 10, 10))
    ctx.set_member(services.team.get(team["marco"]))
    _window, page = _sales_window(qtbot, ctx)
    model = page.queue_model

    # No answer: an attempt; logging it on a lead still waiting accepts it.
    _key(qtbot, page.queue.view, Qt.Key.Key_C)
    dialog = page.dialog
    assert isinstance(dialog, LogActivityDialog)
    dialog.choose(outcome=Outcome.NO_ANSWER)
    assert "attempt 1 of the 3" in dialog.effect.text()
    with qtbot.waitSignals([dialog.succeeded, model.loaded], timeout=TIMEOUT):
        dialog.ok_button.click()
    assert services.leads.detail(lead).stage == Stage.ACCEPTED
    assert model.rows()[0].attempts == 1 and "1 attempt" in model.data(model.index(0, 0), DUE_ROLE)

    # "Call me back tomorrow at 11": the contact clock pauses until then.
    _key(qtbot, page.queue.view, Qt.Key.Key_C)
    dialog = page.dialog
    dialog.choose(outcome=Outcome.CALL_BACK)
    assert dialog.callback.isVisible()
    when = rome(2026, 2, 11, 11)
    dialog.callback.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()), QTimeZone.utc()))
    assert dialog.next_step.isChecked()  # the promised call is the next step
    with qtbot.waitSignals([dialog.succeeded, model.loaded], timeout=TIMEOUT):
        dialog.ok_button.click()
    detail = services.leads.detail(lead)
    assert detail.paused_until == when
    assert _state(page, lead) == ClockState.PAUSED and _sla_text(page, lead).startswith("paused until")
    assert services.leads.activities(lead)[0].next_step_on == when.astimezone(page._zone).date()
    assert page.follow_model.rowCount() == 0

    # The next day the call back is among the follow-ups due today, at its time.
    clock.set(rome(2026, 2, 11, 8, 30))
    with qtbot.waitSignal(page.follow_model.loaded, timeout=TIMEOUT):
        ctx.notify_changed()
    follow_up = page.follow_model.row_at(0)
    assert follow_up is not None and follow_up.card.id == lead and follow_up.callback_at == when
    page.follow_ups.select_row(0)
    assert page.panel.title.text() == "Dario Galli" and "Call back" in page.panel.due.text()


def test_the_manager_sees_every_reps_queue_and_can_narrow_it(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    mine, hers = _lead(services, "Anna", "Bianchi"), _lead(services, "Bruno", "Verdi")
    clock.set(rome(2026, 2, 10, 9))
    services.lifecycle.handoff([mine], owner_id=team["marco"])
    services.lifecycle.handoff([hers], owner_id=team["sara"])
    ctx.set_member(services.team.get(team["anna"]))
    _window, page = _sales_window(qtbot, ctx)
    assert set(_ids(page)) == {mine, hers}
    assert page.rep.isVisible() and page.rep.currentText() == "All sales reps"
    assert not page.queue.view.isColumnHidden(page.queue_model.column_of("owner"))
    with qtbot.waitSignal(page.queue_model.loaded, timeout=TIMEOUT):
        page.rep.setCurrentIndex(page.rep.findData(team["sara"]))
    assert _ids(page) == [hers]

    # G gives the lead to another rep; the clocks keep running.
    due = services.sla.queue(team["sara"])[0].lead.accept_due_at
    _key(qtbot, page.queue.view, Qt.Key.Key_G)
    qtbot.waitUntil(lambda: isinstance(page.sales_actions.dialog, AssignDialog), timeout=TIMEOUT)
    assign = page.sales_actions.dialog
    assert [assign.owner.itemText(i) for i in range(assign.owner.count())] == ["Marco Ferrari"]
    with qtbot.waitSignals([assign.succeeded, page.queue_model.loaded], timeout=TIMEOUT):
        assign.ok_button.click()
    assert services.leads.detail(hers).sales_owner_id == team["marco"] and _ids(page) == []
    assert services.sla.queue(team["marco"])[-1].lead.accept_due_at == due
    assert services.leads.events(hers)[-1].kind == EventKind.ASSIGNED
    with qtbot.waitSignal(page.queue_model.loaded, timeout=TIMEOUT):
        page.rep.setCurrentIndex(page.rep.findData(ALL_REPS))
    assert set(_ids(page)) == {mine, hers}

    # A rep sees their own only, with no rep chooser.
    with qtbot.waitSignal(page.queue_model.loaded, timeout=TIMEOUT):
        ctx.set_member(services.team.get(team["marco"]))
    assert set(_ids(page)) == {mine, hers} and not page.rep.isVisible()
    assert page.queue.view.isColumnHidden(page.queue_model.column_of("owner"))


def test_keyboard_navigation_search_and_the_lead_detail(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    ids = [_lead(services, f"Nome{i}", f"Cognome{i}") for i in range(3)]
    for i, lead_id in enumerate(ids):
        clock.set(rome(2026, 2, 10, 9, 10 * i))
        services.lifecycle.handoff([lead_id], owner_id=team["marco"])
    ctx.set_member(services.team.get(team["marco"]))
    _window, page = _sales_window(qtbot, ctx)
    view = page.queue.view
    assert page.queue.current_row() == 0
    _key(qtbot, view, Qt.Key.Key_N)
    _key(qtbot, view, Qt.Key.Key_N)
    assert page.queue.current_row() == 2 and page.panel.title.text() == "Nome2 Cognome2"
    _key(qtbot, view, Qt.Key.Key_P)
    assert page.queue.current_row() == 1

    # "/" searches, Enter goes back to the list with the result.
    _key(qtbot, view, Qt.Key.Key_Slash)
    assert QApplication.focusWidget() is page.queue.search
    qtbot.keyClicks(page.queue.search, "Cognome2")
    with qtbot.waitSignal(page.queue_model.loaded, timeout=TIMEOUT):
        qtbot.keyClick(page.queue.search, Qt.Key.Key_Return)
    assert _ids(page) == [ids[2]] and view.hasFocus()
    assert page.queue.count_label.text().startswith("1")

    # Enter opens the lead: the sales tab and actions are part of the detail.
    _key(qtbot, view, Qt.Key.Key_Return)
    dialog = page.dialog
    assert isinstance(dialog, LeadDetailDialog) and dialog.lead_id == ids[2]
    qtbot.waitUntil(lambda: dialog.bundle is not None, timeout=TIMEOUT)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert "Sales" in titles
    accept = dialog.findChild(type(dialog.edit_button), "detail-accept")
    qtbot.waitUntil(accept.isVisible, timeout=TIMEOUT)
    with qtbot.waitSignal(dialog.bundle_loaded, timeout=TIMEOUT):
        accept.click()
    assert services.leads.detail(ids[2]).stage == Stage.ACCEPTED
    panel = dialog.findChild(type(dialog.tabs.widget(0)), "salesDetailPanel")
    qtbot.waitUntil(lambda: panel.findChild(type(dialog.title), "clock-contact") is not None, timeout=TIMEOUT)
    dialog.close()


def test_the_board_loads_more_cards_on_scroll_and_counts_the_whole_column(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(PipelineBoard, "PER_COLUMN", 2)
    ids = []
    for i in range(5):
        lead_id = _lead(services, f"Opp{i}", f"Cliente{i}")
        clock.set(rome(2026, 2, 10, 9, i))
        services.lifecycle.handoff([lead_id], owner_id=team["marco"])
        services.lifecycle.log_activity(lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED)
        services.lifecycle.to_opportunity(
            lead_id, expected_value=Decimal(1000 * (i + 1)), expected_close_on=date(2026, 3, 1 + i)
        )
        ids.append(lead_id)
    ctx.set_member(services.team.get(team["marco"]))
    _window, page = _sales_window(qtbot, ctx)
    board = page.pipeline.board
    column = board.columns[Stage.OPPORTUNITY]
    with qtbot.waitSignal(board.counted, timeout=TIMEOUT):
        page.show_pipeline(0)
        ctx.notify_changed()
    assert column.model.count == 5 and column.model.value == Decimal(15000)
    # Pages of two, soonest close first; the list may already have asked for more to fill its room.
    first = [c.id for c in column.model.cards()]
    assert "5" in column.title.text() and len(first) >= 2 and first == ids[: len(first)]

    def scrolled_to_the_end() -> bool:
        column.list.scrollToBottom()  # the list asks for more itself when it has room; so do we
        if column.model.canFetchMore(QModelIndex()):
            column.model.fetchMore(QModelIndex())
        return len(column.model.cards()) == 5 and not column.model.canFetchMore(QModelIndex())

    qtbot.waitUntil(scrolled_to_the_end, timeout=TIMEOUT)
    assert [c.id for c in column.model.cards()] == ids  # soonest close first, each card once

    # Left and Right move between columns; X on a card asks for the lost reason.
    column.list.setFocus()
    column.list.setCurrentIndex(column.model.index(0))
    _key(qtbot, column.list, Qt.Key.Key_Left)
    assert board.columns[Stage.OPPORTUNITY].list.hasFocus()  # the contacted column is empty: stays
    _key(qtbot, column.list, Qt.Key.Key_X)
    lost = page.dialog
    assert isinstance(lost, LostDialog)
    lost.ok_button.click()  # no reason: refused with a message, nothing changes
    box = lost.findChild(QMessageBox)
    assert box is not None and "reason" in box.text()
    box.close()
    assert services.leads.detail(ids[0]).stage == Stage.OPPORTUNITY
    lost.choose_reason(LostReason.COMPETITOR)
    with qtbot.waitSignal(lost.succeeded, timeout=TIMEOUT):
        lost.ok_button.click()
    detail = services.leads.detail(ids[0])
    assert detail.stage == Stage.LOST and detail.lost_reason == "competitor"


def test_the_timeline_says_what_sales_did_with_outcome_and_pause(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    lead_id = _lead(services, "Timeline", "Cliente")
    clock.set(rome(2026, 2, 10, 9, 0))
    services.lifecycle.handoff([lead_id], owner_id=team["marco"])
    services.lifecycle.log_activity(
        lead_id, kind=ActivityKind.CALL, outcome=Outcome.CALL_BACK, callback_at=rome(2026, 2, 12, 15, 0)
    )
    dialog = LeadDetailDialog(ctx, lead_id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.bundle is not None, timeout=TIMEOUT)
    details = [dialog.timeline.topLevelItem(i).text(3) for i in range(dialog.timeline.topLevelItemCount())]
    # Marketing reads the outcome of the call and until when the clock is paused, not just "Activity".
    assert any("Call: Call back on date" in d for d in details), details
    assert any(d.startswith("until ") and "2026" in d for d in details), details


def test_on_a_narrow_window_choosing_a_row_keeps_the_sla_column_in_sight(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock, team: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    ids = [_lead(services, f"Nome{i}", f"Cognome{i}") for i in range(3)]
    services.lifecycle.handoff(ids, owner_id=team["marco"])
    ctx.set_member(services.team.get(team["marco"]))
    window, page = _sales_window(qtbot, ctx)
    window.resize(640, 480)
    view = page.queue.view
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() > 0, timeout=TIMEOUT)
    for row in (2, 0, 1):
        page.queue.select_row(row)
        assert page.queue.current_row() == row
        assert view.horizontalScrollBar().value() == 0  # the SLA column, first, stays in view
