"""The Marketing workspace driven through its real widgets on a real SQLite database: campaigns, leads in,
scoring rules changed and re-scored, qualify, hand off (manual and round-robin around an absent member),
the returned inbox and recycling, lead detail editing with conflicts, the trash and saved filters."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from leaddesk.app import Services
from leaddesk.domain.enums import Channel, EventKind, RejectReason, Role, Stage
from leaddesk.domain.queries import LeadFilter
from leaddesk.domain.records import LeadDraft
from leaddesk.models import Campaign, Lead, LeadEvent
from leaddesk.ui.background import wait_for_all
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.lead_detail_dialog import LeadDetailDialog
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.pages.marketing_page import MarketingPage
from leaddesk.ui.settings.scoring_settings import ScoringSettings

TIMEOUT = 10_000


def _window(qtbot, ctx: AppContext) -> tuple[MainWindow, MarketingPage]:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    page = window.pages["marketing"]
    assert isinstance(page, MarketingPage)
    return window, page


def _load(qtbot, page: MarketingPage) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.refresh()
    qtbot.waitUntil(lambda: page.campaigns_panel.model.rowCount() > 0 or not page.campaigns, timeout=TIMEOUT)
    _settle()


def _settle() -> None:
    """Let every query already asked for (first show, activation) finish and deliver its answer."""
    for _ in range(3):
        wait_for_all()
        QCoreApplication.processEvents()


def _select(page: MarketingPage, ids: list[int]) -> None:
    view = page.browser.view
    view.clearSelection()
    model = page.browser.model
    for row in range(model.rowCount()):
        lead = model.row_at(row)
        if lead is not None and lead.id in ids:
            view.selectionModel().select(
                model.index(row, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )
    assert sorted(r.id for r in page.selected_rows()) == sorted(ids)


def _events(services: Services, lead_id: int) -> list[EventKind]:
    return [e.kind for e in services.leads.events(lead_id)]


@pytest.fixture
def team(services: Services) -> dict[str, int]:
    t = services.team
    ids = {
        "giulia": t.add_member("Giulia Conti", Role.MARKETING).id,
        "marco": t.add_member("Marco Ferrari", Role.SALES).id,
        "sara": t.add_member("Sara Colombo", Role.SALES).id,
        "luca": t.add_member("Luca Moretti", Role.SALES).id,
    }
    return ids


def test_campaign_created_in_the_panel_and_leads_typed_in(
    qtbot, ctx: AppContext, services: Services, team
) -> None:  # type: ignore[no-untyped-def]
    ctx.set_member(services.team.get(team["giulia"]))
    _win, page = _window(qtbot, ctx)
    _load(qtbot, page)
    panel = page.campaigns_panel

    dialog = panel.new_campaign()
    dialog.name.setText("Fiera SPS 2026")
    dialog.channel.setCurrentIndex(dialog.channel.findData(Channel.EVENT))
    dialog.target.setValue(12)
    with qtbot.waitSignal(dialog.succeeded, timeout=TIMEOUT):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=TIMEOUT)
    with services.db.reading() as s:
        campaign = s.scalars(select(Campaign)).one()
        assert (campaign.name, campaign.channel, campaign.monthly_mql_target) == (
            "Fiera SPS 2026",
            "event",
            12,
        )
        assert campaign.owner_id == team["giulia"]
        campaign_id = campaign.id
    assert panel.model.line_at(0).campaign.name == "Fiera SPS 2026"  # type: ignore[union-attr]

    # A lead typed in: normalised like an import and scored at once.
    qtbot.waitUntil(lambda: page.filter_bar.campaign.count() == 2, timeout=TIMEOUT)
    form = page.new_lead()
    form.form.set_text("first_name", " Anna ")
    form.form.set_text("last_name", "Bianchi")
    form.form.set_text("email", "Anna.Bianchi@Example.IT")
    form.form.set_text("phone", "347 111 2222")
    form.form.set_text("job_title", "CEO")
    form.form.campaign.setCurrentIndex(form.form.campaign.findData(campaign_id))
    with qtbot.waitSignal(form.succeeded, timeout=TIMEOUT) as saved:
        form.ok_button.click()
    lead_id = saved.args[0]
    detail = services.leads.detail(lead_id)
    assert detail.profile.email == "anna.bianchi@example.it" and detail.profile.phone == "+393471112222"
    assert detail.profile.campaign_id == campaign_id and detail.score == 25 + 5 + 15  # CEO, one touch, today
    assert _events(services, lead_id) == [EventKind.CREATED]

    # The same person again: the duplicate check offers the existing lead.
    again = page.new_lead()
    again.form.set_text("first_name", "Anna B.")
    again.form.set_text("email", "anna.bianchi@example.it")
    with qtbot.waitSignal(again.failed, timeout=TIMEOUT):
        again.ok_button.click()
    assert again.duplicate_box is not None and f"#{lead_id}" in again.duplicate_box.text()
    again.duplicate_box.close()
    # A bad email is marked on its field, nothing is stored.
    again.form.set_text("email", "not-an-email")
    with qtbot.waitSignal(again.failed, timeout=TIMEOUT):
        again.ok_button.click()
    assert again.form.editors["email"].styleSheet() and "email" in again.form.problems.text()
    assert services.leads.count(LeadFilter()) == 1


def test_changing_scoring_rules_rescores_in_the_background(
    qtbot, ctx: AppContext, services: Services
) -> None:  # type: ignore[no-untyped-def]
    with services.lifecycle.batch() as life:
        ceo = life.create_lead(LeadDraft(email="ceo@x.it", job_title="CEO", company_size=120))
        clerk = life.create_lead(LeadDraft(email="clerk@x.it", job_title="Magazziniere", company_size=120))
    assert services.leads.detail(ceo).score == 40 and services.leads.detail(clerk).score == 15
    window, page = _window(qtbot, ctx)
    _load(qtbot, page)
    scores = {r.id: r.score for r in page.browser.model.rows()}
    assert scores == {ceo: 40, clerk: 15}

    window.show_area("settings")
    settings = window.pages["settings"].section("scoring")  # type: ignore[attr-defined]
    assert isinstance(settings, ScoringSettings)
    qtbot.waitUntil(lambda: settings.loaded, timeout=TIMEOUT)
    # Warehouse staff become the best fit, and the threshold drops to 50.
    settings.titles.add_row(["Warehouse", "magazziniere, warehouse", "60"])
    settings.titles.table.insertRow(0)  # an empty row is ignored
    settings.threshold.setValue(50)
    with qtbot.waitSignal(settings.rescored, timeout=TIMEOUT) as done:
        settings.save_button.click()
    assert done.args[0].scored == 2 and not done.args[0].cancelled
    assert "2 of 2" in settings.result.text()
    assert services.scoring.rules().mql_threshold == 50
    assert services.leads.detail(clerk).score == 75 and services.leads.detail(ceo).score == 40
    with services.db.reading() as s:
        assert s.get(Lead, clerk).version == 1  # type: ignore[union-attr]  # re-scoring is not an edit

    # The table shows the new scores and marks the hot lead by the new threshold.
    window.show_area("marketing")
    qtbot.waitUntil(
        lambda: {r.id: r.score for r in page.browser.model.rows()} == {ceo: 40, clerk: 75}, timeout=TIMEOUT
    )
    qtbot.waitUntil(lambda: page.rules is not None and page.rules.mql_threshold == 50, timeout=TIMEOUT)
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.filter_bar.hot.setChecked(True)
    assert [r.id for r in page.browser.model.rows()] == [clerk]

    # The lead detail explains the score rule by rule.
    detail = page.open_lead(clerk)
    qtbot.waitUntil(lambda: detail.bundle is not None, timeout=TIMEOUT)
    tree = detail.score_tree
    lines = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert any("Warehouse" in line for line in lines) and lines[-1] == "Total"
    assert tree.topLevelItem(tree.topLevelItemCount() - 1).text(2) == "75"
    assert "hot" in detail.badge.text()
    detail.close()


def test_qualify_and_hand_off_manual_and_round_robin(
    qtbot, ctx: AppContext, services: Services, team, clock
) -> None:  # type: ignore[no-untyped-def]
    giulia = services.team.get(team["giulia"])
    ctx.set_member(giulia)
    today = clock().date()
    services.team.add_absence(team["sara"], today - timedelta(days=1), today + timedelta(days=3), "Ferie")
    with services.lifecycle.batch() as life:
        ids = [life.create_lead(LeadDraft(email=f"l{i}@x.it", job_title="CEO")) for i in range(6)]
    _win, page = _window(qtbot, ctx)
    _load(qtbot, page)

    _select(page, ids[:2])
    assert page.qualify_button.isEnabled()
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.qualify_button.click()
    for lead_id in ids[:2]:
        assert services.leads.detail(lead_id).stage == Stage.MQL
        assert _events(services, lead_id) == [EventKind.CREATED, EventKind.QUALIFIED]

    # Manual handoff of one lead, to Marco, with a note for sales.
    _select(page, ids[:1])
    dialog = page.handoff_selected()
    assert dialog is not None
    absent = dialog.owner.findData(team["sara"])
    assert "absent" in dialog.owner.itemText(absent)
    dialog.choose_owner(team["marco"])
    dialog.note.setPlainText("Budget confermato, chiamare dopo le 15")
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        dialog.ok_button.click()
    d = services.leads.detail(ids[0])
    assert d.stage == Stage.HANDED_OFF and d.sales_owner_id == team["marco"]
    assert d.handoff_note == "Budget confermato, chiamare dopo le 15"
    assert d.stamps["handed_off_at"] == clock()

    # Bulk round-robin of five leads (one MQL, four new): Sara is absent, so Marco and Luca alternate.
    _select(page, ids[1:])
    dialog = page.handoff_selected()
    assert dialog is not None and dialog.owner.currentData() is None  # round-robin is the default
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        dialog.ok_button.click()
    owners = [services.leads.detail(i).sales_owner_id for i in ids[1:]]
    assert set(owners) == {team["marco"], team["luca"]} and team["sara"] not in owners
    with services.db.reading() as s:
        kinds = [
            e.kind
            for e in s.scalars(select(LeadEvent).where(LeadEvent.lead_id == ids[5]).order_by(LeadEvent.id))
        ]
        assert kinds == ["created", "qualified", "handed_off"]
        lead = s.get(Lead, ids[5])
        assert lead is not None and lead.handed_off_at == clock() and lead.mql_at == clock()
    assert "handed off" in page.status.text()


def test_returned_lead_in_the_inbox_is_recycled(qtbot, ctx: AppContext, services: Services, team) -> None:  # type: ignore[no-untyped-def]
    ctx.set_member(services.team.get(team["giulia"]))
    fiera = services.campaigns.save(name="Fiera", channel=Channel.EVENT)
    with services.lifecycle.batch() as life:
        ids = [life.create_lead(LeadDraft(email=f"r{i}@x.it", campaign_id=fiera.id)) for i in range(3)]
    services.lifecycle.handoff(ids, owner_id=team["marco"])
    services.lifecycle.reject(ids[0], reason=RejectReason.NOT_IN_TARGET.value, note="Azienda troppo piccola")
    services.lifecycle.reject(ids[1], reason=RejectReason.BAD_DATA.value, actor_id=team["marco"])
    _win, page = _window(qtbot, ctx)
    inbox = page.returned
    with qtbot.waitSignal(inbox.browser.model.loaded, timeout=TIMEOUT):
        page.refresh()
    rows = {r.id: r for r in inbox.browser.model.rows()}
    assert set(rows) == set(ids[:2])
    assert (
        rows[ids[0]].reject_reason == "not_in_target" and rows[ids[0]].reject_note == "Azienda troppo piccola"
    )
    qtbot.waitUntil(lambda: "(2)" in page.tabs.tabText(1), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: inbox.reasons.rowCount() == 1, timeout=TIMEOUT)
    header = [inbox.reasons.horizontalHeaderItem(c).text() for c in range(inbox.reasons.columnCount())]
    assert inbox.reasons.item(0, 0).text() == "Fiera"
    assert inbox.reasons.item(0, header.index("Not in target")).text() == "1"
    assert inbox.reasons.item(0, header.index("Total")).text() == "2"

    # Recycle the first one with a note.
    view = inbox.browser.view
    row = [r.id for r in inbox.browser.model.rows()].index(ids[0])
    view.selectRow(row)
    dialog = inbox.recycle()
    assert dialog is not None
    dialog.ok_button.click()  # no note: refused, stays open
    assert dialog.isVisible() and services.leads.detail(ids[0]).stage == Stage.REJECTED
    for box in dialog.findChildren(QMessageBox):
        box.close()
    dialog.note.setPlainText("Invitare al prossimo webinar")
    with qtbot.waitSignal(inbox.browser.model.loaded, timeout=TIMEOUT):
        dialog.ok_button.click()
    d = services.leads.detail(ids[0])
    assert d.stage == Stage.NEW and d.sales_owner_id is None and d.reject_reason is None
    recycled = services.leads.events(ids[0])[-1]
    assert recycled.kind == EventKind.RECYCLED and recycled.details["note"] == "Invitare al prossimo webinar"
    assert [r.id for r in inbox.browser.model.rows()] == [ids[1]]
    # Returns stay visible per campaign after recycling: that is where targeting problems show.
    assert sum(c.count for c in services.campaigns.rejection_reasons()) == 2

    # Disqualify the other with a reason.
    view.selectRow(0)
    dq = inbox.disqualify()
    assert dq is not None
    dq.reason.setCurrentText("Dati inutilizzabili")
    with qtbot.waitSignal(inbox.browser.model.loaded, timeout=TIMEOUT):
        dq.ok_button.click()
    assert services.leads.detail(ids[1]).stage == Stage.DISQUALIFIED
    assert services.leads.events(ids[1])[-1].reason == "Dati inutilizzabili"


def test_editing_a_lead_changed_meanwhile_asks_reload_or_overwrite(
    qtbot, ctx: AppContext, services: Services, team
) -> None:  # type: ignore[no-untyped-def]
    ctx.set_member(services.team.get(team["giulia"]))
    lead = services.lifecycle.create_lead(LeadDraft(first_name="Ugo", email="ugo@x.it", company="ACME"))
    dialog = LeadDetailDialog(ctx, lead)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.bundle is not None, timeout=TIMEOUT)
    dialog.start_edit()
    assert dialog.editing and dialog.editor is not None
    dialog.editor.set_text("company", "ACME Italia")
    # Meanwhile Marco changes the same lead on another PC.
    services.lifecycle.update_lead(lead, {"job_title": "CFO"}, expected_version=1, actor_id=team["marco"])
    dialog.save_edit()
    qtbot.waitUntil(
        lambda: dialog.conflict_box is not None and dialog.conflict_box.isVisible(), timeout=TIMEOUT
    )
    assert "Marco Ferrari" in dialog.conflict_box.text()
    assert services.leads.detail(lead).profile.company == "ACME"  # nothing overwritten silently
    overwrite = next(b for b in dialog.conflict_box.buttons() if b.text() == "Overwrite")
    with qtbot.waitSignal(dialog.bundle_loaded, timeout=TIMEOUT):
        overwrite.click()
    d = services.leads.detail(lead)
    assert d.profile.company == "ACME Italia" and d.profile.job_title == "CFO"
    edited = [e for e in services.leads.events(lead) if e.kind == EventKind.EDITED]
    assert edited[-1].details["forced"] is True and edited[-1].actor_name == "Giulia Conti"
    assert not dialog.editing


def test_extension_points_add_panels_and_actions(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel, QPushButton

    lead = services.lifecycle.create_lead(LeadDraft(email="x@x.it"))
    seen: list[int] = []

    def panel(d: LeadDetailDialog):  # type: ignore[no-untyped-def]
        label = QLabel("sales panel")
        d.bundle_loaded.connect(lambda b: seen.append(b.detail.id))
        return ("Sales", label)

    def actions(d: LeadDetailDialog):  # type: ignore[no-untyped-def]
        return [QPushButton("Log call")]

    LeadDetailDialog.register_panel(panel)
    LeadDetailDialog.register_actions(actions)
    try:
        dialog = LeadDetailDialog(ctx, lead)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: seen == [lead], timeout=TIMEOUT)
        titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
        assert titles[-1] == "Sales"
        assert any(b.text() == "Log call" for b in dialog.findChildren(QPushButton))
    finally:
        LeadDetailDialog.panel_providers.remove(panel)
        LeadDetailDialog.action_providers.remove(actions)


def test_trash_restore_saved_filters_and_erase(
    qtbot, ctx: AppContext, services: Services, team, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ctx.set_member(services.team.get(team["giulia"]))
    fiera = services.campaigns.save(name="Fiera", channel=Channel.EVENT)
    ads = services.campaigns.save(name="Ads", channel=Channel.ADS)
    with services.lifecycle.batch() as life:
        f = [life.create_lead(LeadDraft(email=f"f{i}@x.it", campaign_id=fiera.id)) for i in range(3)]
        a = [life.create_lead(LeadDraft(email=f"a{i}@x.it", campaign_id=ads.id)) for i in range(2)]
    _win, page = _window(qtbot, ctx)
    _load(qtbot, page)
    qtbot.waitUntil(lambda: page.filter_bar.campaign.count() == 3, timeout=TIMEOUT)

    # Filter by campaign, save the filter, clear, apply it again.
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.filter_bar.campaign.setCurrentIndex(page.filter_bar.campaign.findData(ads.id))
    assert {r.id for r in page.browser.model.rows()} == set(a)
    page.save_filter("Solo Ads")
    qtbot.waitUntil(lambda: page.filter_bar.saved.count() == 2, timeout=TIMEOUT)
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.filter_bar.reset()
    assert page.browser.model.total == 5
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.filter_bar.saved.setCurrentIndex(1)
        page.filter_bar.saved.activated.emit(1)
    assert {r.id for r in page.browser.model.rows()} == set(a)
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.filter_bar.reset()

    # Delete to the trash (Del key), undo, delete again, restore from the trash dialog.
    _select(page, f[:2])
    page.browser.view.setFocus()
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        qtbot.keyClick(page.browser.view, Qt.Key.Key_Delete)
    assert services.leads.count(LeadFilter(deleted=True)) == 2 and page._undo_action.isVisible()
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.undo_button.click()
    assert services.leads.count(LeadFilter(deleted=True)) == 0
    _select(page, f[:1])
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.delete_button.click()
    trash = page.open_trash()
    qtbot.waitUntil(lambda: trash.browser.model.total == 1, timeout=TIMEOUT)
    trash.browser.view.selectRow(0)
    with qtbot.waitSignal(trash.browser.model.loaded, timeout=TIMEOUT):
        trash.restore_button.click()
    assert services.leads.count(LeadFilter(deleted=True)) == 0
    assert _events(services, f[0])[-2:] == [EventKind.DELETED, EventKind.RESTORED]
    trash.close()

    # Export the person, then erase: the lead stays in the counts as an erased person.
    detail = page.open_lead(f[2])
    qtbot.waitUntil(lambda: detail.bundle is not None, timeout=TIMEOUT)
    out = tmp_path / "person.xlsx"
    detail.export_to(out)
    qtbot.waitUntil(out.exists, timeout=TIMEOUT)
    for box in detail.findChildren(QMessageBox):
        box.close()
    detail.confirm_erase()
    assert detail.confirm_box is not None and "backups" in detail.confirm_box.informativeText().lower()
    erase = next(b for b in detail.confirm_box.buttons() if b.text() == "Erase")
    with qtbot.waitSignal(detail.bundle_loaded, timeout=TIMEOUT):
        erase.click()
    d = services.leads.detail(f[2])
    assert d.erased_at is not None and d.profile.email is None
    assert _events(services, f[2])[-1] == EventKind.ERASED
    assert "Erased person" in detail.title.text()
    assert services.leads.count(LeadFilter()) == 5


def test_campaign_panel_figures_and_archive(qtbot, ctx: AppContext, services: Services, team, clock) -> None:  # type: ignore[no-untyped-def]
    fiera = services.campaigns.save(
        name="Fiera", channel=Channel.EVENT, monthly_mql_target=4, starts_on=date(2026, 1, 10)
    )
    with services.lifecycle.batch() as life:
        ids = [life.create_lead(LeadDraft(email=f"c{i}@x.it", campaign_id=fiera.id)) for i in range(3)]
    services.lifecycle.handoff(ids[:2], owner_id=team["marco"])
    services.lifecycle.accept(ids[:1])
    _win, page = _window(qtbot, ctx)
    _load(qtbot, page)
    panel = page.campaigns_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=TIMEOUT)
    model = panel.model
    text = {key: model.index(0, model.column_of(key)).data() for key in model.columns}
    assert text["leads"] == "3" and text["mqls"] == "2 / 4" and text["accepted"] == "1"
    assert text["acceptance"].startswith("100")
    assert "3 leads" in panel.totals.text()

    # Choosing a campaign filters the leads table.
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        panel.view.selectRow(0)
    assert page.browser.model.current_filter.campaign_ids == frozenset({fiera.id})

    panel.archive_button.click()
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=TIMEOUT)
    with services.db.reading() as s:
        assert s.get(Campaign, fiera.id).archived  # type: ignore[union-attr]
    panel.show_archived.setChecked(True)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT)
    assert model.line_at(0).campaign.archived  # type: ignore[union-attr]


def test_all_matching_acts_on_every_lead_or_says_the_limit_first(
    qtbot, ctx: AppContext, services: Services, team, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from leaddesk.ui.pages import marketing_page

    ctx.set_member(services.team.get(team["giulia"]))
    with services.lifecycle.batch() as life:
        ids = [life.create_lead(LeadDraft(email=f"m{i}@x.it")) for i in range(5)]
    _win, page = _window(qtbot, ctx)
    _load(qtbot, page)
    _select(page, ids)

    # More match than one action takes: said at once, and no action offered.
    monkeypatch.setattr(marketing_page, "BULK_LIMIT", 4)
    page.select_all_matching()
    assert "one action takes at most 4" in page.selection_label.text()
    assert not any(
        b.isEnabled()
        for b in (page.qualify_button, page.handoff_button, page.disqualify_button, page.delete_button)
    )

    monkeypatch.setattr(marketing_page, "BULK_LIMIT", 100_000)
    page._selection_changed()
    assert page.selection_label.text() == "All 5 matching leads selected"
    with qtbot.waitSignal(page.browser.model.loaded, timeout=TIMEOUT):
        page.delete_button.click()
    assert services.leads.count(LeadFilter(deleted=True)) == 5


def test_the_campaign_dialog_shows_a_long_name_whole(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    from leaddesk.ui.dialogs.campaign_dialog import CampaignDialog

    dialog = CampaignDialog(ctx, [])
    qtbot.addWidget(dialog)
    name = "Programma referral partner 2026"
    dialog.name.setText(name)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.name.width() > dialog.name.fontMetrics().horizontalAdvance(name)


def test_on_a_narrow_window_long_summaries_end_in_an_ellipsis_with_the_whole_text_as_tooltip(
    qtbot, ctx: AppContext
) -> None:  # type: ignore[no-untyped-def]
    from leaddesk.ui.widgets.elided_label import ElidedLabel

    label = ElidedLabel()
    qtbot.addWidget(label)
    text = "6 campaigns · 1,500 leads · 190 MQLs this month (campaign targets: 160) · 105 won · € 1,234,567"
    label.setText(text)
    label.resize(label.fontMetrics().horizontalAdvance(text) // 2, 20)
    label.show()
    assert label.text() == text
    shown = label.shown_text()
    assert shown.endswith("…") and text.startswith(shown[:-1]) and label.toolTip() == text
    label.resize(label.fontMetrics().horizontalAdvance(text) + 20, 20)
    assert label.shown_text() == text and label.toolTip() == ""


def test_empty_lists_say_so(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    from leaddesk.ui.dialogs.trash_dialog import TrashDialog
    from leaddesk.ui.widgets.import_batches import ImportHistoryDialog

    trash = TrashDialog(ctx)
    qtbot.addWidget(trash)
    trash.show()
    qtbot.waitUntil(trash.browser.empty_state.isVisible, timeout=TIMEOUT)
    assert trash.browser.empty_state.text() == "The trash is empty."
    history = ImportHistoryDialog(ctx)
    qtbot.addWidget(history)
    history.show()
    qtbot.waitUntil(history.empty_state.isVisible, timeout=TIMEOUT)
    assert history.empty_state.text().startswith("No imports yet.")

    # A list with leads shows them, and a search that finds none says which.
    services.lifecycle.create_lead(LeadDraft(first_name="Anna", email="anna@example.it"))
    trash.close()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    page = window.pages["marketing"]
    browser = page.browser  # type: ignore[attr-defined]
    window.show_area("marketing")
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=TIMEOUT)
    assert not browser.empty_state.isVisible()
    with qtbot.waitSignal(browser.model.loaded, timeout=TIMEOUT):
        browser.search.setText("zzzz")
    assert browser.empty_state.isVisible() and browser.empty_state.text() == "No lead matches “zzzz”."
    # It stays over the list when the (empty) table is scrolled sideways.
    window.resize(500, 600)
    bar = browser.view.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=TIMEOUT)
    bar.setValue(bar.maximum())
    assert browser.empty_state.geometry() == browser.view.viewport().geometry()
