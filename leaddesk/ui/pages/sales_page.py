"""The Sales workspace: the day's queue of handed-off leads (most urgent SLA clock first, with a live
countdown), today's follow-ups, the lead in focus with marketing's note, and the pipeline as a board or a
table — all of it driven from the keyboard.

Keys (on the queue, the follow-ups, the board and the pipeline table): A accept, R return to marketing,
C / E / M log a call, an email, a meeting, O opportunity, W won, X lost, N / P next and previous lead,
Enter open the lead, / search; Alt+1 Today, Alt+2 Pipeline. The Sales menu lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import ActivityKind, Role, Stage
from leaddesk.domain.records import MemberRow
from leaddesk.services.calendar import local_zone_name
from leaddesk.services.pipeline_service import FollowUp, PipelineCard
from leaddesk.services.sla.policy import DEFAULT_REJECT_REASONS
from leaddesk.services.sla.sla_service import AlertCounts, QueueRow
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.lead_detail_dialog import LeadDetailDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_int
from leaddesk.ui.resources import icon
from leaddesk.ui.table_models.pipeline_models import FollowUpModel, board_move
from leaddesk.ui.table_models.queue_table_model import QueueTableModel
from leaddesk.ui.widgets.alive import while_alive
from leaddesk.ui.widgets.page_header import PageHeader
from leaddesk.ui.widgets.pipeline_board import PipelineView
from leaddesk.ui.widgets.queue_view import FollowUpsView, QueueView
from leaddesk.ui.widgets.sales_actions import LeadRef, SalesActions
from leaddesk.ui.widgets.sales_lead_panel import SalesLeadPanel

AREA = "sales"
ALL_REPS = -1


class SalesPage(QWidget):
    #: The queue has its first page (or failed to get it): the window is usable.
    ready = Signal()
    #: How often the countdown of the visible rows is recomputed.
    TICK_MS = 1000

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._now = now or ctx.services.clock
        self._zone = ZoneInfo(local_zone_name())
        self._stale = True
        self._source = "queue"
        self.dialog: Any = None
        self.alerts: Any = None
        self.counts: AlertCounts | None = None

        services = ctx.services
        self.header = PageHeader(self.tr("Sales"), "", self)
        self.rep = QComboBox(self)
        self.rep.setObjectName("salesRep")
        self.rep.setToolTip(self.tr("Whose leads to show"))
        self.rep.setMinimumWidth(200)
        self.rep.currentIndexChanged.connect(lambda _i: self._owner_changed())
        self.header.actions.addWidget(self.rep)
        self.status = QLabel(self)
        self.status.setObjectName("salesStatus")
        self.status.setStyleSheet("color: palette(placeholder-text);")

        # Today: the queue above today's follow-ups, the lead in focus beside them.
        self.queue_model = QueueTableModel(services.sla, services.leads, self._now, self)
        self.queue = QueueView(ctx, self.queue_model, self)
        self.follow_model = FollowUpModel(services.pipeline, self._now, self._zone, self)
        self.follow_ups = FollowUpsView(ctx, self.follow_model, self)
        self.panel = SalesLeadPanel(ctx, self)
        self.lists = QSplitter(Qt.Orientation.Vertical, self)
        self.lists.setChildrenCollapsible(False)
        self.lists.addWidget(self.queue)
        self.lists.addWidget(self.follow_ups)
        self.lists.setStretchFactor(0, 3)
        self.lists.setStretchFactor(1, 1)
        self.lists.setSizes([480, 170])
        self.today_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.today_split.setChildrenCollapsible(False)
        self.today_split.addWidget(self.lists)
        self.today_split.addWidget(self.panel)
        self.today_split.setStretchFactor(0, 1)
        self.today_split.setStretchFactor(1, 0)
        self.today_split.setSizes([820, 360])

        self.pipeline = PipelineView(services.pipeline, self._today, lambda: self.owner_id is None, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("salesTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.today_split, icon("sales"), self.tr("Today"))
        self.tabs.addTab(self.pipeline, icon("dashboard"), self.tr("Pipeline"))
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        layout.addLayout(bottom)
        for state_key in ("splitters/sales/today", "splitters/sales/lists"):
            state = ctx.pc.bytes(state_key)
            if state is not None:
                (self.today_split if state_key.endswith("today") else self.lists).restoreState(state)

        self.sales_actions = SalesActions(
            ctx,
            self,
            reject_reasons=self._reject_reasons,
            min_attempts=lambda: self.queue_model.policy.min_attempts if self.queue_model.policy else 0,
        )
        self.sales_actions.done.connect(self._action_done)

        self.queue.current_changed.connect(self._queue_current)
        self.queue.activated.connect(lambda _row: self.open_current())
        self.queue_model.loaded.connect(self._queue_loaded)
        self._ready_sent = False
        self.queue_model.loaded.connect(self._first_queue_arrived)
        self.queue_model.failed.connect(self._first_queue_arrived)
        self.queue_model.states_changed.connect(lambda _ids: self.refresh_counts())
        self.follow_ups.current_changed.connect(self._follow_up_current)
        self.follow_ups.activated.connect(lambda _row: self.open_current())
        self.follow_model.loaded.connect(self._update_subtitle)
        self.pipeline.card_changed.connect(self._card_current)
        self.pipeline.card_activated.connect(lambda _card: self.open_current())
        self.pipeline.board.move_requested.connect(self._board_move)
        self.panel.action_requested.connect(self.run_action)

        self.actions_by_name: dict[str, QAction] = {}
        self._build_actions()
        self.queue.view.installEventFilter(self)
        self.follow_ups.view.installEventFilter(self)

        self.ticker = QTimer(self)
        self.ticker.setInterval(self.TICK_MS)
        self.ticker.timeout.connect(self.tick)
        ctx.data_changed.connect(self._data_changed)
        ctx.identity_changed.connect(lambda _m: self._identity_changed())
        self._fill_reps()

    # --- who and when --------------------------------------------------------------------------------

    def _today(self) -> Any:
        return self._now().astimezone(self._zone).date()

    @property
    def owner_id(self) -> int | None:
        """Whose leads: the rep's own; for a manager (or nobody chosen) the chosen rep or everyone."""
        data = self.rep.currentData()
        if data is None or data == ALL_REPS:
            return None
        return int(data)

    def _fill_reps(self) -> None:
        member = self._ctx.member
        manager = member is None or member.role == Role.MANAGER
        self.rep.blockSignals(True)
        self.rep.clear()
        if manager:
            self.rep.addItem(icon("team"), self.tr("All sales reps"), ALL_REPS)
            reps: list[MemberRow] = self._ctx.services.team.list_members(role=Role.SALES, active_only=True)
            for m in reps:
                self.rep.addItem(m.name, m.id)
        else:
            assert member is not None
            self.rep.addItem(member.name, member.id)
        self.rep.setVisible(manager)
        self.rep.blockSignals(False)
        self.queue.title.setText(self.tr("Team queue") if manager else self.tr("My queue"))
        self._update_subtitle()

    def _identity_changed(self) -> None:
        self._fill_reps()
        self._owner_changed()

    def _owner_changed(self) -> None:
        owner = self.owner_id
        self.queue_model.set_owner(owner)
        self.follow_model.set_owner(owner)
        if self.isVisible() and self.queue_model.live:
            self.pipeline.load(owner)
            self.refresh_counts()
        else:
            self._stale = True
        self._owner_columns(owner)

    def _owner_columns(self, owner: int | None) -> None:
        """The rep's name matters only in a view of several reps."""
        self.queue.view.setColumnHidden(self.queue_model.column_of("owner"), owner is not None)
        self.follow_ups.view.setColumnHidden(self.follow_model.column_of("owner"), owner is not None)

    # --- loading -------------------------------------------------------------------------------------

    def activate(self) -> None:
        """Shown: load what is stale and put the keyboard on the queue."""
        if self._stale:
            self.refresh()
        QTimer.singleShot(0, self._focus_current_tab)

    def refresh(self) -> None:
        self._stale = False
        owner = self.owner_id
        self.queue_model.set_owner(owner)
        self.follow_model.set_owner(owner)
        self.queue_model.reload()
        self.follow_model.reload()
        self.pipeline.load(owner)
        self.refresh_counts()
        self._owner_columns(owner)

    def _data_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def refresh_counts(self) -> None:
        sla, owner = self._ctx.services.sla, self.owner_id
        run_in_background(
            lambda: sla.alert_counts(owner),
            on_done=while_alive(self, self._counts),
            on_error=while_alive(self, lambda e: show_error(self, e)),
        )

    def _counts(self, counts: AlertCounts) -> None:
        self.counts = counts
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        member = self._ctx.member
        who = member.name if member and self.owner_id is not None else self.tr("Every sales rep")
        if self.owner_id is not None and (member is None or member.id != self.owner_id):
            who = self.rep.currentText()
        parts = [who]
        total = self.queue_model.total
        if self.queue_model.live:
            parts.append(self.tr("%Ln waiting", None, total))
        if self.counts is not None:
            if self.counts.breached:
                parts.append(self.tr("%1 breached").replace("%1", format_int(self.counts.breached)))
            if self.counts.at_risk:
                parts.append(self.tr("%1 at risk").replace("%1", format_int(self.counts.at_risk)))
        follow = self.follow_model.rowCount()
        if self.follow_model.live:
            parts.append(self.tr("%Ln follow-up(s) today", None, follow))
        self.header.subtitle.setText(" · ".join(parts))

    def _first_queue_arrived(self, *_args: object) -> None:
        if not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    def _queue_loaded(self) -> None:
        self._update_subtitle()
        if self.queue_model.rowCount() == 0 and self._source == "queue":
            self.panel.clear(self.tr("Nothing waiting in the queue. Well done!"))

    # --- the countdown -------------------------------------------------------------------------------

    def tick(self) -> int:
        """Recompute the countdown of the rows on screen (no query) and the panel's clock."""
        if self.tabs.currentIndex() != 0:
            return 0
        first, last = self.queue.visible_rows()
        changed = self.queue_model.tick(first, last)
        ref = self.panel.ref
        if ref is not None and self._source == "queue":
            self.panel.update_clock(self.queue_model.clock_of(ref.id), self._now())
        return changed

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ticker.start()
        menu = getattr(self, "menu", None)
        if menu is not None:
            menu.menuAction().setVisible(True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.ticker.stop()
        menu = getattr(self, "menu", None)
        if menu is not None:
            # The Sales menu acts on the queue's current lead: only while the queue is on screen.
            menu.menuAction().setVisible(False)

    # --- the lead in focus ---------------------------------------------------------------------------

    def _queue_current(self, row: int) -> None:
        queue_row = self.queue_model.row_at(row)
        if queue_row is None:
            return
        self._source = "queue"
        self.panel.show_queue_row(
            queue_row, self.queue_model.clock_of(queue_row.lead.id), self.queue_model.policy, self._now()
        )

    def _follow_up_current(self, row: int) -> None:
        follow_up: FollowUp | None = self.follow_model.row_at(row)
        if follow_up is not None:
            self._source = "follow_ups"
            self.panel.show_card(follow_up.card, follow_up)

    def _card_current(self, card: PipelineCard) -> None:
        self._source = "pipeline"

    def _on_follow_ups(self) -> bool:
        """Whether the keys act on the follow-ups (they have the focus, or had it last) or the queue."""
        if self.follow_ups.view.hasFocus():
            return True
        return self._source == "follow_ups" and not self.queue.view.hasFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Moving the focus to a list puts its current lead in the panel (and picks the first if none)."""
        if event.type() == QEvent.Type.FocusIn:
            if watched is self.queue.view:
                if self.queue.current_row() < 0 and self.queue_model.rowCount():
                    self.queue.select_row(0)
                else:
                    self._queue_current(self.queue.current_row())
            elif watched is self.follow_ups.view:
                if self.follow_ups.current_row() < 0 and self.follow_model.rowCount():
                    self.follow_ups.select_row(0)
                else:
                    self._follow_up_current(self.follow_ups.current_row())
        return super().eventFilter(watched, event)

    def current_ref(self) -> LeadRef | None:
        """The lead the keys act on: the current row of the list that has (or last had) the focus."""
        if self.tabs.currentIndex() == 1:
            card = self.pipeline.current_card()
            return LeadRef.of_card(card) if card else None
        if self._on_follow_ups():
            follow_up = self.follow_model.row_at(self.follow_ups.current_row())
            return LeadRef.of_card(follow_up.card) if follow_up else None
        queue_row: QueueRow | None = self.queue_model.row_at(self.queue.current_row())
        return LeadRef.of_queue_row(queue_row) if queue_row else None

    # --- actions -------------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        specs: list[tuple[str, str, list[str], str]] = [
            ("accept", self.tr("&Accept"), ["A"], "qualify"),
            ("reject", self.tr("&Return to marketing…"), ["R"], "inbox"),
            ("call", self.tr("Log a &call…"), ["C"], "sales"),
            ("email", self.tr("Log an &email…"), ["E"], "export"),
            ("meeting", self.tr("Log a &meeting…"), ["M"], "team"),
            ("opportunity", self.tr("Make an &opportunity…"), ["O"], "score"),
            ("win", self.tr("Mark &won…"), ["W"], "add"),
            ("lose", self.tr("Mark &lost…"), ["X"], "disqualify"),
            ("assign", self.tr("&Give to another rep…"), ["G"], "team"),
            ("next", self.tr("&Next lead"), ["N", "J"], "restore"),
            ("previous", self.tr("&Previous lead"), ["P", "K"], "restore"),
            ("open", self.tr("&Open lead"), ["Return", "Enter"], "edit"),
            ("search", self.tr("&Search"), ["/"], "filter"),
        ]
        for name, text, keys, icon_name in specs:
            action = QAction(icon(icon_name), text, self)
            action.setObjectName(f"sales-{name}")
            action.setShortcuts([QKeySequence(k) for k in keys])
            # Single keys act on the focused list only: typing in a search box stays typing.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _c=False, n=name: self.run_action(n))
            self.actions_by_name[name] = action
        for view in self.item_views():
            for action in self.actions_by_name.values():
                view.addAction(action)
        page_wide: list[tuple[str, list[QKeySequence], Callable[[], None]]] = [
            ("tab_today", [QKeySequence("Alt+1")], lambda: self.show_tab(0)),
            ("tab_pipeline", [QKeySequence("Alt+2")], lambda: self.show_tab(1)),
            ("find", [QKeySequence(QKeySequence.StandardKey.Find)], self._search),
            ("board", [QKeySequence("Ctrl+B")], lambda: self.show_pipeline(0)),
            ("table", [QKeySequence("Ctrl+T")], lambda: self.show_pipeline(1)),
        ]
        for name, sequences, slot in page_wide:
            action = QAction(self)
            action.setObjectName(f"sales-{name}")
            action.setShortcuts(sequences)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action

    def item_views(self) -> list[QAbstractItemView]:
        return [self.queue.view, self.follow_ups.view, *self.pipeline.item_views()]

    def run_action(self, name: str) -> Any:
        """Run a named action on the current lead (keys, buttons and the Sales menu all come here)."""
        if name == "next":
            return self._step(1)
        if name == "previous":
            return self._step(-1)
        if name == "search":
            return self._search()
        ref = self.current_ref()
        if ref is None:
            return None
        if name == "open":
            return self.open_lead(ref.id)
        actions = self.sales_actions
        kinds = {"call": ActivityKind.CALL, "email": ActivityKind.EMAIL, "meeting": ActivityKind.MEETING}
        if name in kinds:
            self.dialog = actions.log(ref, kinds[name])
            return self.dialog
        handlers: dict[str, Callable[[LeadRef], Any]] = {
            "accept": actions.accept,
            "reject": actions.reject,
            "opportunity": actions.opportunity,
            "win": actions.win,
            "lose": actions.lose,
            "assign": actions.assign,
        }
        handler = handlers.get(name)
        if handler is None:
            return None
        self.dialog = handler(ref)
        return self.dialog

    def _step(self, delta: int) -> None:
        if self.tabs.currentIndex() == 1:
            focused = QApplication.focusWidget()
            view = focused if isinstance(focused, QAbstractItemView) else None
            if view is not None and view.model() is not None:
                row = view.currentIndex().row() + delta
                model = view.model()
                if row >= model.rowCount() and model.canFetchMore(QModelIndex()):
                    model.fetchMore(QModelIndex())
                row = max(0, min(row, model.rowCount() - 1))
                view.setCurrentIndex(model.index(row, 0))
            return
        if self._on_follow_ups():
            self.follow_ups.step(delta)
            self.follow_ups.view.setFocus()
        else:
            self.queue.step(delta)
            self.queue.view.setFocus()

    def _search(self) -> None:
        if self.tabs.currentIndex() == 1:
            self.pipeline.show_mode(1)
            self.pipeline.search.setFocus()
            self.pipeline.search.selectAll()
        else:
            self.queue.focus_search()

    def _board_move(self, lead_id: int, source: str, target: str) -> None:
        model = self.pipeline.board.columns[Stage(source)].model
        card = model.card_at(model.row_of(lead_id))
        if card is None or board_move(Stage(source), Stage(target)) is None:
            return
        self.dialog = self.sales_actions.move(LeadRef.of_card(card), Stage(target))

    def _action_done(self, _lead_id: int, message: str) -> None:
        self.status.setText(message)
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 8000)

    def _reject_reasons(self) -> tuple[str, ...]:
        policy = self.queue_model.policy
        return policy.reject_reasons if policy else DEFAULT_REJECT_REASONS

    def open_current(self) -> LeadDetailDialog | None:
        ref = self.current_ref()
        return self.open_lead(ref.id) if ref else None

    def open_lead(self, lead_id: int) -> LeadDetailDialog:
        dialog = LeadDetailDialog(self._ctx, lead_id, self)
        dialog.open()
        self.dialog = dialog
        return dialog

    # --- tabs and focus ------------------------------------------------------------------------------

    def show_pipeline(self, mode: int) -> None:
        """The Pipeline tab as a board (0) or a table (1), with the keyboard on it."""
        self.show_tab(1)
        self.pipeline.show_mode(mode)
        self.pipeline.focus()

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        self._focus_current_tab()

    def _tab_changed(self, index: int) -> None:
        if index == 1 and self.pipeline.current_card() is None:
            QTimer.singleShot(0, self.pipeline.focus)

    def _focus_current_tab(self) -> None:
        if self.tabs.currentIndex() == 1:
            self.pipeline.focus()
        elif self._source == "follow_ups" and self.follow_model.rowCount():
            self.follow_ups.view.setFocus()
        else:
            self.queue.focus_list()

    # --- shell hooks ---------------------------------------------------------------------------------

    def install(self, window: QMainWindow) -> None:
        """The Sales menu, the SLA alerts in the status bar, the SLA settings section and the sales part of
        the lead detail (called once by the window)."""
        from leaddesk.ui.sla_alerts import SlaAlerts
        from leaddesk.ui.widgets.sales_detail import install_lead_detail_extensions

        self._install_menu(window)
        show_area = getattr(window, "show_area", None)
        self.alerts = SlaAlerts(
            self._ctx,
            window,
            show_sales=(lambda: show_area(AREA)) if show_area else None,
            open_lead=self.open_lead,
        )
        self.alerts.counts_changed.connect(lambda _c: self.refresh_counts() if self.isVisible() else None)
        pages = getattr(window, "pages", None)
        if pages is not None:
            pages.when_built("settings", self._add_settings_section)
        install_lead_detail_extensions()

    def _add_settings_section(self, settings: Any) -> None:
        from leaddesk.ui.settings.sla_settings import SlaSettings

        sla_settings = SlaSettings(self._ctx, settings)
        sla_settings.policy_saved.connect(lambda _v: self._ctx.notify_changed())
        settings.add_section("sla", self.tr("Service level (SLA)"), sla_settings)

    def _install_menu(self, window: QMainWindow) -> None:
        bar = window.menuBar()
        menu = QMenu(self.tr("&Sales"), window)
        menu.setObjectName("salesMenu")
        groups = [
            ("accept", "reject"),
            ("call", "email", "meeting"),
            ("opportunity", "win", "lose"),
            ("assign",),
            ("next", "previous", "open", "search"),
        ]
        for i, group in enumerate(groups):
            if i:
                menu.addSeparator()
            for name in group:
                menu.addAction(self.actions_by_name[name])
        help_menu = next((a for a in bar.actions() if a.menu() and "Help" in a.text()), None)
        if help_menu is not None:
            bar.insertMenu(help_menu, menu)
        else:
            bar.addMenu(menu)
        self.menu = menu

    def save_state(self) -> None:
        self._ctx.pc.set_bytes("splitters/sales/today", self.today_split.saveState())
        self._ctx.pc.set_bytes("splitters/sales/lists", self.lists.saveState())
