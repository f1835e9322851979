"""The Marketing workspace: campaigns with their closed loop, the leads (filters, saved filters, bulk
actions), qualification and handoff, the inbox of leads returned by sales, the trash and manual entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import Stage
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.queries import LeadFilter, LeadSort, SavedFilterRow, SortKey
from leaddesk.domain.records import CampaignRow, LeadRow, MemberRow
from leaddesk.domain.scoring import ScoringRules
from leaddesk.services.lead_query_service import BULK_LIMIT
from leaddesk.ui.background import run_in_background, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.handoff_dialog import HandoffDialog
from leaddesk.ui.dialogs.lead_detail_dialog import LeadDetailDialog
from leaddesk.ui.dialogs.lead_form_dialog import LeadFormDialog
from leaddesk.ui.dialogs.returned_dialogs import DisqualifyDialog
from leaddesk.ui.dialogs.trash_dialog import TrashDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_date, format_datetime, format_int, stage_label
from leaddesk.ui.i18n import tr
from leaddesk.ui.resources import icon
from leaddesk.ui.table_models.lead_table_model import LeadColumn
from leaddesk.ui.widgets.campaigns_panel import CampaignsPanel
from leaddesk.ui.widgets.delegates import ScoreDelegate
from leaddesk.ui.widgets.elided_label import ElidedLabel
from leaddesk.ui.widgets.lead_filter_bar import LeadFilterBar
from leaddesk.ui.widgets.leads_browser import LeadsBrowser
from leaddesk.ui.widgets.page_header import PageHeader
from leaddesk.ui.widgets.returned_inbox import ReturnedInbox

AREA = "marketing"
QUALIFIABLE = frozenset({Stage.NEW})
HANDABLE = frozenset({Stage.NEW, Stage.MQL})
DISQUALIFIABLE = frozenset({Stage.NEW, Stage.MQL, Stage.REJECTED})


def marketing_columns() -> list[LeadColumn]:
    def name(r: LeadRow) -> str:
        return tr("Leads", "Erased person") if r.erased else r.display_name

    return [
        LeadColumn("name", tr("Leads", "Name"), name, SortKey.NAME, width=170),
        LeadColumn("company", tr("Leads", "Company"), lambda r: r.company or "", SortKey.COMPANY, width=190),
        LeadColumn("job_title", tr("Leads", "Job title"), lambda r: r.job_title or "", width=150),
        LeadColumn("score", tr("Leads", "Score"), lambda r: str(r.score), SortKey.SCORE, True, width=110),
        LeadColumn("stage", tr("Leads", "Stage"), lambda r: stage_label(r.stage), SortKey.STAGE, width=100),
        LeadColumn(
            "campaign", tr("Leads", "Campaign"), lambda r: r.campaign_name or "", SortKey.CAMPAIGN, width=190
        ),
        LeadColumn(
            "owner", tr("Leads", "Marketing owner"), lambda r: r.marketing_owner_name or "", width=120
        ),
        LeadColumn(
            "sales_owner",
            tr("Leads", "Sales owner"),
            lambda r: r.sales_owner_name or "",
            SortKey.SALES_OWNER,
            width=120,
        ),
        LeadColumn("email", tr("Leads", "Email"), lambda r: r.email or "", SortKey.EMAIL, width=210),
        LeadColumn("city", tr("Leads", "City"), lambda r: r.city or "", SortKey.CITY, width=100),
        LeadColumn(
            "created", tr("Leads", "Created"), lambda r: format_date(r.created_at), SortKey.CREATED, width=90
        ),
        LeadColumn(
            "handed_off",
            tr("Leads", "Handed off"),
            lambda r: format_datetime(r.handed_off_at),
            SortKey.HANDED_OFF,
            width=130,
        ),
    ]


class MarketingPage(QWidget):
    #: The leads table has its first page (or failed to get it): the window is usable.
    ready = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.rules: ScoringRules | None = None
        self.members: list[MemberRow] = []
        self.campaigns: list[CampaignRow] = []
        self.dialog: Any = None
        self.trash: TrashDialog | None = None
        self._all_matching = False
        self._undo_ids: list[int] = []

        self.header = PageHeader(
            self.tr("Marketing"), self.tr("Campaigns, scoring, qualification and handoff to sales"), self
        )
        self.new_lead_button = QPushButton(icon("add"), self.tr("New lead"), self)
        self.new_lead_button.setObjectName("newLead")
        self.new_lead_button.setToolTip(self.tr("Type in a lead (Ctrl+N)"))
        self.new_lead_button.clicked.connect(self.new_lead)
        self.trash_button = QPushButton(icon("trash"), self.tr("Trash"), self)
        self.trash_button.setToolTip(self.tr("Leads moved to the trash, to restore"))
        self.trash_button.clicked.connect(self.open_trash)
        self.header.subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.header.actions.addWidget(self.trash_button)
        self.header.actions.addWidget(self.new_lead_button)

        # Campaigns panel.
        self.campaigns_panel = CampaignsPanel(ctx, self)
        self.campaigns_panel.campaign_chosen.connect(self._campaign_chosen)
        self.campaigns_panel.loaded.connect(self._campaigns_loaded)

        # Leads: filters, bulk actions, the table.
        self.filter_bar = LeadFilterBar(self._today, self)
        self.browser = LeadsBrowser(ctx, "marketing/leads", marketing_columns(), parent=self)
        self.browser.model.set_sort(LeadSort(SortKey.CREATED, descending=True))
        score_column = [c.key for c in self.browser.model.columns].index("score")
        self.score_delegate = ScoreDelegate(
            lambda: self.rules.mql_threshold if self.rules else 0, self.browser.view
        )
        self.browser.view.setItemDelegateForColumn(score_column, self.score_delegate)
        self.browser.lead_activated.connect(self.open_lead)
        self.browser.selection_changed.connect(self._selection_changed)
        self.browser.model.loaded.connect(self._selection_changed)
        # The search box's text joins the bar's filters (and is saved with them).
        self.browser.search.textChanged.connect(self.filter_bar.set_text)
        self.filter_bar.changed.connect(self._filter_changed)
        self.filter_bar.save_requested.connect(self.save_filter)
        self.filter_bar.delete_requested.connect(self.delete_filter)

        self.selection_label = ElidedLabel(self)
        self.selection_label.setObjectName("selectionLabel")
        self.select_all_button = QPushButton(self)
        self.select_all_button.setObjectName("selectAllMatching")
        self.select_all_button.setFlat(True)
        self.select_all_button.setStyleSheet("color: palette(link); text-decoration: underline;")
        self.select_all_button.clicked.connect(self.select_all_matching)
        self.qualify_button = self._bulk(
            "qualify", self.tr("Mark MQL"), self.qualify_selected, "qualifyButton"
        )
        self.handoff_button = self._bulk(
            "handoff", self.tr("Hand off…"), self.handoff_selected, "handoffButton"
        )
        self.disqualify_button = self._bulk(
            "disqualify", self.tr("Disqualify…"), self.disqualify_selected, "disqualifyLeads"
        )
        self.delete_button = self._bulk("trash", self.tr("Delete"), self.delete_selected, "deleteButton")
        self.delete_button.setToolTip(self.tr("Move to the trash (Del); restore from Trash"))
        self.undo_button = QPushButton(icon("restore"), self.tr("Undo"), self)
        self.undo_button.setObjectName("undoDelete")
        self.undo_button.clicked.connect(self.undo_delete)
        self.status = ElidedLabel(self)
        self.status.setObjectName("marketingStatus")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.bulk_bar = QToolBar(self)
        self.bulk_bar.setObjectName("bulkActions")
        self.bulk_bar.setStyleSheet("QToolBar { border: none; spacing: 6px; }")
        self._undo_action = self.bulk_bar.addWidget(self.undo_button)
        self._undo_action.setVisible(False)
        for b in (self.qualify_button, self.handoff_button, self.disqualify_button, self.delete_button):
            self.bulk_bar.addWidget(b)
        bulk = QHBoxLayout()
        bulk.setSpacing(6)
        bulk.addWidget(self.filter_bar.saved_box)
        bulk.addSpacing(8)
        bulk.addWidget(self.selection_label, 2)
        bulk.addWidget(self.select_all_button)
        bulk.addWidget(self.status, 3)
        bulk.addWidget(self.bulk_bar)

        leads_tab = QWidget(self)
        leads_layout = QVBoxLayout(leads_tab)
        leads_layout.setContentsMargins(0, 6, 0, 0)
        leads_layout.setSpacing(6)
        leads_layout.addWidget(self.filter_bar)
        leads_layout.addLayout(bulk)
        leads_layout.addWidget(self.browser, 1)

        self.returned = ReturnedInbox(ctx, self)
        self.returned.lead_activated.connect(self.open_lead)
        self.returned.count_changed.connect(self._returned_count)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("marketingTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(leads_tab, icon("marketing"), self.tr("Leads"))
        self.tabs.addTab(self.returned, icon("inbox"), self.tr("Returned by sales"))

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("marketingSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.campaigns_panel)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setSizes([290, 480])
        state = ctx.pc.bytes("splitters/marketing/main")
        if state is not None:
            self.splitter.restoreState(state)
        self.returned.restore_state()

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.splitter, 1)

        delete = QAction(self)
        delete.setShortcut(QKeySequence.StandardKey.Delete)
        delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete.triggered.connect(self.delete_selected)
        self.browser.view.addAction(delete)
        handoff = QAction(self)
        handoff.setShortcut(QKeySequence("Ctrl+H"))
        handoff.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        handoff.triggered.connect(self.handoff_selected)
        self.addAction(handoff)
        qualify = QAction(self)
        qualify.setShortcut(QKeySequence("Ctrl+M"))
        qualify.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        qualify.triggered.connect(self.qualify_selected)
        self.addAction(qualify)

        ctx.data_changed.connect(self.refresh_side_data)
        ctx.identity_changed.connect(lambda _m: self._reload_saved_filters())
        self._loaded_once = False
        self._ready_sent = False
        self._selection_changed()

    def _bulk(self, name: str, text: str, slot: Callable[[], Any], object_name: str) -> QPushButton:
        button = QPushButton(icon(name), text, self)
        button.setObjectName(object_name)
        button.clicked.connect(slot)
        return button

    def _today(self) -> date:
        return self._ctx.services.clock().astimezone().date()

    # --- shell hooks ---------------------------------------------------------------------------------

    def install(self, window: QMainWindow) -> None:
        """Menu actions and settings sections of the Marketing workspace (called once by the window)."""
        file_menu = getattr(window, "file_menu", None)
        if file_menu is not None:
            first = file_menu.actions()[0] if file_menu.actions() else None
            new_lead = QAction(icon("add"), self.tr("&New lead…"), window)
            new_lead.setShortcut(QKeySequence.StandardKey.New)
            new_lead.triggered.connect(lambda: (getattr(window, "show_area", print)(AREA), self.new_lead()))
            new_campaign = QAction(icon("campaign"), self.tr("New &campaign…"), window)
            new_campaign.triggered.connect(
                lambda: (getattr(window, "show_area", print)(AREA), self.campaigns_panel.new_campaign())
            )
            trash = QAction(icon("trash"), self.tr("&Trash…"), window)
            trash.triggered.connect(self.open_trash)
            for action in (new_lead, new_campaign, trash):
                file_menu.insertAction(first, action)
            if first is not None:
                file_menu.insertSeparator(first)
        pages = getattr(window, "pages", None)
        if pages is not None:
            pages.when_built("settings", self._add_settings_sections)
        # Recency points fade with time: re-score once a day, quietly, in the background.
        QTimer.singleShot(3000, self, self._rescore_if_stale)

    def _add_settings_sections(self, settings: Any) -> None:
        from leaddesk.ui.settings.scoring_settings import ScoringSettings
        from leaddesk.ui.settings.team_settings import TeamSettings

        scoring = ScoringSettings(self._ctx, settings)
        scoring.rules_saved.connect(self._rules_changed)
        settings.add_section("scoring", self.tr("Lead scoring"), scoring)
        settings.add_section("team", self.tr("Team"), TeamSettings(self._ctx, settings))

    def _rescore_if_stale(self) -> None:
        scoring = self._ctx.services.scoring

        def work(control: Any) -> Any:
            if not scoring.needs_rescore():
                return None
            return scoring.rescore(progress=control.progress, should_cancel=lambda: control.cancelled)

        run_task(work, on_done=lambda r: self._ctx.notify_changed() if r else None, on_error=lambda _e: None)

    def activate(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            # The leads table first; the side panels once it has its page, so they do not compete.
            model = self.browser.model
            model.loaded.connect(self._first_page_arrived)
            model.failed.connect(self._first_page_arrived)
            self._filter_changed(self.filter_bar.lead_filter())

    def _first_page_arrived(self, *_args: object) -> None:
        if self._ready_sent:
            return
        self._ready_sent = True
        self.ready.emit()
        self.refresh_side_data()
        self.returned.refresh()

    def refresh(self) -> None:
        self.refresh_side_data()
        self._filter_changed(self.filter_bar.lead_filter())
        self.returned.refresh()

    def refresh_side_data(self) -> None:
        self.campaigns_panel.refresh()
        scoring = self._ctx.services.scoring
        run_in_background(scoring.rules, on_done=self._rules_loaded, on_error=lambda e: show_error(self, e))
        self._reload_saved_filters()

    def _rules_loaded(self, rules: ScoringRules) -> None:
        self.rules = rules
        self.filter_bar.set_threshold(rules.mql_threshold)
        self.browser.view.viewport().update()

    def _rules_changed(self, _rules: ScoringRules) -> None:
        self.refresh_side_data()

    def _campaigns_loaded(self) -> None:
        self.members = self.campaigns_panel.members
        self.campaigns = [line.campaign for line in self.campaigns_panel.model.lines()]
        self.filter_bar.set_choices(self.campaigns, self.members)

    def save_state(self) -> None:
        self.browser.save_layout()
        self.returned.save_state()
        self._ctx.pc.set_bytes("splitters/marketing/main", self.splitter.saveState())

    # --- filters -------------------------------------------------------------------------------------

    def _filter_changed(self, flt: LeadFilter) -> None:
        self._all_matching = False
        self.browser.set_base_filter(flt)
        if not getattr(self.browser.model, "live", True):
            self.browser.refresh()

    def _campaign_chosen(self, campaign_id: int | None) -> None:
        current = self.filter_bar.campaign.currentData()
        if campaign_id != current and campaign_id is not None:
            index = self.filter_bar.campaign.findData(campaign_id)
            if index >= 0:
                self.filter_bar.campaign.setCurrentIndex(index)

    def _reload_saved_filters(self) -> None:
        service, me = self._ctx.services.saved_filters, self._ctx.member_id
        run_in_background(
            lambda: service.list_filters(AREA, me),
            on_done=self.filter_bar.set_saved,
            on_error=lambda e: show_error(self, e),
        )

    def save_filter(self, name: str) -> None:
        service, me = self._ctx.services.saved_filters, self._ctx.member_id
        flt = self.filter_bar.lead_filter()
        run_in_background(
            lambda: service.save(AREA, name, flt, owner_id=me, replace=True),
            on_done=lambda _row: self._reload_saved_filters(),
            on_error=lambda e: show_error(self, e),
        )

    def delete_filter(self, filter_id: int) -> None:
        service = self._ctx.services.saved_filters
        run_in_background(
            lambda: service.delete(filter_id),
            on_done=lambda _r: self._reload_saved_filters(),
            on_error=lambda e: show_error(self, e),
        )

    def apply_saved_filter(self, saved: SavedFilterRow) -> None:
        self.browser.search.setText(saved.filter.text)
        self.filter_bar.apply_filter(saved.filter)

    # --- selection and bulk actions ------------------------------------------------------------------

    def selected_rows(self) -> list[LeadRow]:
        return self.browser.selected_rows()

    def _selection_changed(self) -> None:
        rows = self.selected_rows()
        total = self.browser.model.total
        too_many = self._all_matching and total > BULK_LIMIT
        if too_many:
            # Said now, not after the user picked an action: one action takes at most BULK_LIMIT leads.
            self.selection_label.setText(
                self.tr("%1 leads match: one action takes at most %2. Narrow the filter.")
                .replace("%1", format_int(total))
                .replace("%2", format_int(BULK_LIMIT))
            )
            self.select_all_button.hide()
        elif self._all_matching:
            self.selection_label.setText(
                self.tr("All %1 matching leads selected").replace("%1", format_int(total))
            )
            self.select_all_button.hide()
        elif rows:
            self.selection_label.setText(self.tr("%Ln selected", None, len(rows)))
            shown = self.browser.model.rowCount()
            self.select_all_button.setVisible(len(rows) >= shown and total > shown)
            self.select_all_button.setText(self.tr("Select all %1 matching").replace("%1", format_int(total)))
        else:
            self.selection_label.setText(self.tr("Select leads to act on them"))
            self.select_all_button.hide()
        stages = {r.stage for r in rows}
        every = self._all_matching and not too_many
        anything = (bool(rows) and not self._all_matching) or every
        self.qualify_button.setEnabled(every or (not too_many and bool(stages & QUALIFIABLE)))
        self.handoff_button.setEnabled(every or (not too_many and bool(stages & HANDABLE)))
        self.disqualify_button.setEnabled(every or (not too_many and bool(stages & DISQUALIFIABLE)))
        self.delete_button.setEnabled(anything)

    def select_all_matching(self) -> None:
        self._all_matching = True
        self._selection_changed()

    def _with_ids(self, allowed: frozenset[Stage] | None, then: Callable[[list[int], int], None]) -> None:
        """Call `then(ids, skipped)` with the chosen leads (all matching ones when asked) in `allowed`."""
        if self._all_matching:
            flt = self.browser.model.current_filter
            if allowed is not None:
                stages = (flt.stages & allowed) if flt.stages else allowed
                flt = LeadFilter(**{**_filter_dict(flt), "stages": stages})
            query = self._ctx.services.leads
            run_in_background(lambda: query.ids(flt), on_done=lambda ids: then(ids, 0), on_error=self._error)
            return
        rows = self.selected_rows()
        ids = [r.id for r in rows if allowed is None or r.stage in allowed]
        if ids:
            then(ids, len(rows) - len(ids))
        elif rows:
            show_error(self, ValidationError(self.tr("None of the selected leads can take this step.")))

    def _error(self, exc: BaseException) -> None:
        show_error(self, exc)

    def _done(self, message: str) -> None:
        self.status.setText(message)
        self._all_matching = False
        self._ctx.notify_changed()

    def qualify_selected(self) -> None:
        def go(ids: list[int], skipped: int) -> None:
            lifecycle, actor = self._ctx.services.lifecycle, self._ctx.member_id
            run_in_background(
                lambda: lifecycle.qualify(ids, actor_id=actor),
                on_done=lambda done: self._done(
                    self._skipped(self.tr("%Ln lead(s) marked MQL", None, len(done)), skipped)
                ),
                on_error=self._error,
            )

        self._with_ids(QUALIFIABLE, go)

    def handoff_selected(self) -> HandoffDialog | None:
        opened: list[HandoffDialog] = []

        def go(ids: list[int], skipped: int) -> None:
            members = self.members or self._ctx.services.team.list_members()
            self.dialog = HandoffDialog(self._ctx, ids, members, self._today(), self)
            self.dialog.succeeded.connect(
                lambda assigned: self._done(
                    self._skipped(self.tr("%Ln lead(s) handed off to sales", None, len(assigned)), skipped)
                )
            )
            self.dialog.open()
            opened.append(self.dialog)

        self._with_ids(HANDABLE, go)
        return opened[0] if opened else None

    def disqualify_selected(self) -> DisqualifyDialog | None:
        opened: list[DisqualifyDialog] = []

        def go(ids: list[int], skipped: int) -> None:
            self.dialog = DisqualifyDialog(self._ctx, ids, self)
            self.dialog.succeeded.connect(
                lambda done: self._done(
                    self._skipped(self.tr("%Ln lead(s) disqualified", None, len(done)), skipped)
                )
            )
            self.dialog.open()
            opened.append(self.dialog)

        self._with_ids(DISQUALIFIABLE, go)
        return opened[0] if opened else None

    def delete_selected(self) -> None:
        def go(ids: list[int], _skipped: int) -> None:
            lifecycle, actor = self._ctx.services.lifecycle, self._ctx.member_id

            def deleted(n: int) -> None:
                self._undo_ids = ids
                self._undo_action.setVisible(True)
                self._done(self.tr("%Ln lead(s) moved to the trash", None, n))

            run_in_background(
                lambda: lifecycle.delete_leads(ids, actor_id=actor), on_done=deleted, on_error=self._error
            )

        self._with_ids(None, go)

    def undo_delete(self) -> None:
        ids, self._undo_ids = self._undo_ids, []
        self._undo_action.setVisible(False)
        if not ids:
            return
        lifecycle, actor = self._ctx.services.lifecycle, self._ctx.member_id
        run_in_background(
            lambda: lifecycle.restore_leads(ids, actor_id=actor),
            on_done=lambda n: self._done(self.tr("%Ln lead(s) restored", None, n)),
            on_error=self._error,
        )

    def _skipped(self, message: str, skipped: int) -> str:
        if not skipped:
            return message
        return message + " · " + self.tr("%Ln skipped (not at the right stage)", None, skipped)

    def _returned_count(self, n: int) -> None:
        title = self.tr("Returned by sales")
        self.tabs.setTabText(1, f"{title} ({format_int(n)})" if n else title)

    # --- dialogs -------------------------------------------------------------------------------------

    def open_lead(self, row: LeadRow | int) -> LeadDetailDialog:
        lead_id = row if isinstance(row, int) else row.id
        dialog = LeadDetailDialog(self._ctx, lead_id, self)
        dialog.open()
        self.dialog = dialog
        return dialog

    def new_lead(self) -> LeadFormDialog:
        campaigns = self.campaigns or self._ctx.services.campaigns.list_campaigns()
        members = self.members or self._ctx.services.team.list_members()
        dialog = LeadFormDialog(self._ctx, campaigns, members, parent=self)
        dialog.succeeded.connect(
            lambda lead_id: self.status.setText(self.tr("Lead #%1 saved").replace("%1", str(lead_id)))
        )
        dialog.open_existing.connect(self.open_lead)
        dialog.open()
        self.dialog = dialog
        return dialog

    def open_trash(self) -> TrashDialog:
        self.trash = TrashDialog(self._ctx, self)
        self.trash.open()
        return self.trash

    def selected_ids(self) -> Sequence[int]:
        return [r.id for r in self.selected_rows()]


def _filter_dict(flt: LeadFilter) -> dict[str, Any]:
    return {name: getattr(flt, name) for name in LeadFilter.__dataclass_fields__}
