"""The Reports area: the alignment meeting's report.

Left, the saved meeting reports (the latest first; reopen any of them). Right, the report being prepared:
its title, period and filters; the figures of the period (headline figures both ways and the charts), the
campaign table, breached, stale and returned leads; and the meeting's agenda, notes and action items, typed
here and saved with the report. A new report carries over the open action items of the last meeting,
marked "from last meeting". Export writes the report as an Excel workbook with native charts, or as an A4
PDF, with a progress bar and Cancel. File → Export leads… writes the plain leads list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.errors import ConflictError
from leaddesk.domain.records import MemberRow
from leaddesk.services.charts.palette import Palette
from leaddesk.services.charts.render_processes import ChartImage, ChartInput
from leaddesk.services.meeting_report_service import ActionItemRow, MeetingReportDetail, MeetingReportSummary
from leaddesk.services.reporting import labels
from leaddesk.services.reporting.periods import PeriodKind, preset_period
from leaddesk.services.reporting.records import HeadlineFigure, ReportData
from leaddesk.services.reporting.reporting_service import ReportCancelled
from leaddesk.ui.background import TaskControl, query_pool, run_in_background, run_task
from leaddesk.ui.charts.canvas import chart_palette
from leaddesk.ui.charts.chart_grid import ChartGrid, ReportFilterBar
from leaddesk.ui.charts.flow_layout import FlowLayout
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.export_progress_dialog import ExportProgressDialog
from leaddesk.ui.dialogs.leads_export_dialog import LAST_FOLDER, LeadsExportDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import (
    format_date,
    format_datetime,
    format_hours,
    format_int,
    format_money,
    format_percent,
    reject_reason_label,
    stage_label,
)
from leaddesk.ui.i18n import tr
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.date_field import date_field
from leaddesk.ui.widgets.page_header import PageHeader
from leaddesk.ui.widgets.period_picker import PeriodPicker

CHARTS = ("funnel", "sla_trend", "mql", "contact_hours", "reject_reasons", "lost_reasons", "campaign_results")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
GOOD, BAD = QColor("#2e8b57"), QColor("#c0392b")


def _pct(value: float | None, decimals: int = 1) -> str:
    return format_percent(value / 100 if value is not None else None, decimals)


class RowsModel(QAbstractTableModel):
    """A read-only table of already formatted rows (the report's lists are capped, so they fit)."""

    def __init__(self, headers: Sequence[str], right: Sequence[int] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.right = set(right)
        self.rows: list[list[str]] = []

    def set_rows(self, rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.right:
            return int(RIGHT)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None


def _table(model: RowsModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class ReportsPage(QWidget):
    #: The figures of the report on screen are shown.
    figures_shown = Signal()
    #: The list of saved reports was (re)loaded.
    list_loaded = Signal()
    #: A report (saved or new) is in the form.
    report_opened = Signal()
    #: The report was saved (a `MeetingReportDetail`).
    saved = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.detail: MeetingReportDetail | None = None
        self.data: ReportData | None = None
        self._members: list[MemberRow] = []
        self._request = 0
        self._control: TaskControl | None = None
        self._started = False
        self._filling = False
        self.modified = False
        self.export_dialog: ExportProgressDialog | None = None

        self.header = PageHeader(
            self.tr("Reports"), self.tr("The alignment meeting of marketing and sales"), self
        )
        self.new_button = QPushButton(icon("add"), self.tr("New report"), self)
        self.save_button = QPushButton(icon("save"), self.tr("Save"), self)
        self.save_button.setObjectName("saveReport")
        self.export_button = QToolButton(self)
        self.export_button.setObjectName("exportReport")
        self.export_button.setIcon(icon("export"))
        self.export_button.setText(self.tr("Export"))
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_menu = QMenu(self.export_button)
        self.xlsx_action = export_menu.addAction(self.tr("Excel workbook with charts…"))
        self.pdf_action = export_menu.addAction(self.tr("Printable PDF (A4)…"))
        self.export_button.setMenu(export_menu)
        for button in (self.new_button, self.save_button, self.export_button):
            self.header.actions.addWidget(button)
        self.header.subtitle.setWordWrap(True)
        self.new_button.clicked.connect(lambda: self.new_report())
        self.save_button.clicked.connect(self.save)
        self.xlsx_action.triggered.connect(lambda: self.export("xlsx"))
        self.pdf_action.triggered.connect(lambda: self.export("pdf"))

        # Left: the saved reports.
        self.reports = QListWidget(self)
        self.reports.setObjectName("meetingReports")
        self.reports.itemActivated.connect(self._report_chosen)
        self.reports.itemClicked.connect(self._report_chosen)
        self.delete_button = QPushButton(icon("trash"), self.tr("Delete"), self)
        self.delete_button.clicked.connect(self.delete_current)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel(self.tr("Meetings"), left))
        left_layout.addWidget(self.reports, 1)
        left_layout.addWidget(self.delete_button)

        # Right: the report.
        self.title = QLineEdit(self)
        self.title.setObjectName("reportTitle")
        self.period = PeriodPicker(self._today, self, initial=PeriodKind.LAST_MONTH)
        self.filters = ReportFilterBar(self)
        self.stale_days = QSpinBox(self)
        self.stale_days.setRange(0, 250)
        self.stale_days.setValue(5)
        self.stale_days.setSuffix(self.tr(" business days"))
        self.update_button = QPushButton(self.tr("Update figures"), self)
        self.update_button.clicked.connect(self.compute)
        self.status = QLabel("", self)
        self.status.setStyleSheet("color: palette(placeholder-text);")
        title_box = QWidget(self)
        title_row = QHBoxLayout(title_box)
        title_row.setContentsMargins(0, 0, 0, 0)
        title_row.addWidget(QLabel(self.tr("Title:"), title_box))
        title_row.addWidget(self.title, 1)
        self.title.setMinimumWidth(260)
        stale_box = QWidget(self)
        stale_row = QHBoxLayout(stale_box)
        stale_row.setContentsMargins(0, 0, 0, 0)
        stale_row.addWidget(QLabel(self.tr("Stale after:"), stale_box))
        stale_row.addWidget(self.stale_days)
        top = FlowLayout(spacing=10, stretch_last=True)
        top.addWidget(self.period)
        top.addWidget(title_box)
        row = FlowLayout(spacing=10)
        row.addWidget(self.filters)
        row.addWidget(stale_box)
        row.addWidget(self.update_button)
        row.addWidget(self.status)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._figures_tab(), self.tr("Figures"))
        self.campaigns_model = RowsModel(
            [
                self.tr("Campaign"),
                self.tr("MQLs"),
                self.tr("Target"),
                self.tr("Of target"),
                self.tr("Handoffs"),
                self.tr("Accepted"),
                self.tr("Returned"),
                self.tr("Acceptance"),
                self.tr("Accepted in time"),
                self.tr("Contact in time"),
                self.tr("Not in target"),
                self.tr("Won"),
                self.tr("Lost"),
                self.tr("Win rate"),
                self.tr("Revenue"),
            ],
            right=range(1, 15),
        )
        self.tabs.addTab(_table(self.campaigns_model, self), self.tr("Campaigns"))
        lead_headers = [
            self.tr("Lead #"),
            self.tr("Name"),
            self.tr("Company"),
            self.tr("Campaign"),
            self.tr("Sales owner"),
        ]
        self.breached_model = RowsModel(
            [
                *lead_headers,
                self.tr("Handed off"),
                self.tr("Clock"),
                self.tr("Due"),
                self.tr("Done"),
                self.tr("Late by"),
            ],
            right=(0, 9),
        )
        self.stale_model = RowsModel(
            [
                *lead_headers,
                self.tr("Stage"),
                self.tr("Handed off"),
                self.tr("Last progress"),
                self.tr("Idle (business days)"),
            ],
            right=(0, 8),
        )
        self.returned_model = RowsModel(
            [*lead_headers, self.tr("Returned"), self.tr("Reason"), self.tr("Note"), self.tr("Stage now")],
            right=(0,),
        )
        self.list_labels: dict[str, QLabel] = {}
        for key, model, label in (
            ("breached", self.breached_model, self.tr("Breached leads")),
            ("stale", self.stale_model, self.tr("Stale leads")),
            ("returned", self.returned_model, self.tr("Returned leads")),
        ):
            tab = QWidget(self)
            tab_layout = QVBoxLayout(tab)
            note = QLabel("", tab)
            note.setWordWrap(True)
            self.list_labels[key] = note
            tab_layout.addWidget(note)
            tab_layout.addWidget(_table(model, tab), 1)
            self.tabs.addTab(tab, label)
        self.tabs.addTab(self._notes_tab(), self.tr("Notes and actions"))

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(top)
        right_layout.addLayout(row)
        right_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.splitter, 1)

        for signal in (self.title.textEdited, self.agenda.textChanged, self.notes.textChanged):
            signal.connect(self._mark_modified)
        self.period.changed.connect(lambda _p: self._settings_changed())
        self.filters.changed.connect(lambda _c, _o: self._settings_changed())
        self.stale_days.valueChanged.connect(lambda _v: self._settings_changed())
        self.actions_table.itemChanged.connect(lambda _i: self._mark_modified())

    # --- building the tabs -------------------------------------------------------------------------------

    def _figures_tab(self) -> QWidget:
        inner = QWidget(self)
        layout = QVBoxLayout(inner)
        self.headline = QTableWidget(0, 4, inner)
        self.headline.setObjectName("headlineFigures")
        self.headline.setHorizontalHeaderLabels(
            [self.tr("Figure"), self.tr("Value"), self.tr("Target"), self.tr("Detail")]
        )
        self.headline.verticalHeader().setVisible(False)
        self.headline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.headline.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.headline.horizontalHeader().setStretchLastSection(True)
        self.headline.setMinimumHeight(230)
        self.lists_summary = QLabel("", inner)
        self.lists_summary.setWordWrap(True)
        self.charts = ChartGrid(
            CHARTS, 2, self._ctx.services.chart_renderer, inner, spans={"campaign_results": 2}, min_height=290
        )
        self.charts.show_message(self.tr("The figures appear here."))
        layout.addWidget(self.headline)
        layout.addWidget(self.lists_summary)
        layout.addWidget(self.charts)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        return scroll

    def _notes_tab(self) -> QWidget:
        tab = QWidget(self)
        self.agenda = QPlainTextEdit(tab)
        self.agenda.setObjectName("agenda")
        self.agenda.setPlaceholderText(self.tr("What the meeting will discuss"))
        self.notes = QPlainTextEdit(tab)
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText(self.tr("What was said and decided"))
        self.actions_table = QTableWidget(0, 5, tab)
        self.actions_table.setObjectName("actionItems")
        self.actions_table.setHorizontalHeaderLabels(
            [self.tr("Done"), self.tr("Action"), self.tr("Owner"), self.tr("Due"), self.tr("Origin")]
        )
        header = self.actions_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.actions_table.verticalHeader().setVisible(False)
        add = QPushButton(icon("add"), self.tr("Add action"), tab)
        add.clicked.connect(lambda: self.add_action_row(ActionItemRow(text="")))
        remove = QPushButton(icon("trash"), self.tr("Remove action"), tab)
        remove.clicked.connect(self._remove_action)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QGridLayout(tab)
        layout.addWidget(QLabel(self.tr("Agenda"), tab), 0, 0)
        layout.addWidget(QLabel(self.tr("Notes"), tab), 0, 1)
        layout.addWidget(self.agenda, 1, 0)
        layout.addWidget(self.notes, 1, 1)
        layout.addWidget(QLabel(self.tr("Action items"), tab), 2, 0, 1, 2)
        layout.addWidget(self.actions_table, 3, 0, 1, 2)
        layout.addLayout(buttons, 4, 0, 1, 2)
        layout.setRowStretch(1, 1)
        layout.setRowStretch(3, 1)
        return tab

    # --- shell hooks --------------------------------------------------------------------------------------

    def install(self, window: QMainWindow) -> None:
        """File → Export leads… (the plain leads list, with progress and Cancel)."""
        menu = getattr(window, "file_menu", None)
        if menu is None:
            return
        self.export_leads_action = QAction(icon("export"), self.tr("Export &leads…"), window)
        self.export_leads_action.setObjectName("exportLeads")
        self.export_leads_action.triggered.connect(lambda: self.open_leads_export(window))
        actions = menu.actions()
        menu.insertAction(actions[0] if actions else None, self.export_leads_action)  # type: ignore[arg-type]

    def open_leads_export(self, parent: QWidget | None = None) -> LeadsExportDialog:
        dialog = LeadsExportDialog(self._ctx, parent or self)
        dialog.open()
        return dialog

    def _today(self) -> date:
        return self._ctx.services.clock().astimezone().date()

    def activate(self) -> None:
        if self._started:
            return
        self._started = True
        services = self._ctx.services

        def load() -> tuple[Any, Any]:
            return services.campaigns.list_campaigns(include_archived=True), services.team.list_members()

        run_in_background(load, on_done=self._fill_choices, on_error=lambda e: show_error(self, e))
        self.load_list(open_latest=True)

    def _fill_choices(self, result: tuple[Any, Any]) -> None:
        campaigns, members = result
        self._members = list(members)
        self._filling = True
        try:
            self.filters.fill(campaigns, members)
            if self.detail is not None:
                self.filters.select(self.detail.campaign_id, self.detail.owner_id)
        finally:
            self._filling = False
        for row in range(self.actions_table.rowCount()):
            combo = self.actions_table.cellWidget(row, 2)
            if isinstance(combo, QComboBox):
                self._fill_owner_combo(combo, combo.currentData())

    # --- the list of reports ------------------------------------------------------------------------------

    def load_list(self, *, open_latest: bool = False, select_id: int | None = None) -> None:
        def done(rows: list[MeetingReportSummary]) -> None:
            self.reports.clear()
            for r in rows:
                text = f"{r.title}\n{format_date(r.period_start)} – {format_date(r.period_end)}"
                if r.open_actions:
                    text += "  · " + self.tr("%Ln open action(s)", "", r.open_actions)
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.reports.addItem(item)
                if r.id == select_id:
                    self.reports.setCurrentItem(item)
            self.list_loaded.emit()
            if open_latest:
                if rows:
                    self.reports.setCurrentRow(0)
                    self.open_report(rows[0].id)
                else:
                    self.new_report()

        run_in_background(
            self._ctx.services.meeting_reports.list_reports,
            on_done=done,
            on_error=lambda e: show_error(self, e),
        )

    def _report_chosen(self, item: QListWidgetItem) -> None:
        report_id = item.data(Qt.ItemDataRole.UserRole)
        if self.detail is not None and self.detail.id == report_id:
            return
        if not self._confirm_discard():
            return
        self.open_report(int(report_id))

    def _confirm_discard(self) -> bool:
        if not self.modified:
            return True
        answer = QMessageBox.question(
            self,
            self.tr("Unsaved meeting notes"),
            self.tr("The notes of this report have changed. Save them first?"),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            self.save()
        return True

    def open_report(self, report_id: int) -> None:
        run_in_background(
            lambda: self._ctx.services.meeting_reports.get(report_id),
            on_done=self.show_report,
            on_error=lambda e: show_error(self, e),
        )

    def new_report(self, kind: PeriodKind = PeriodKind.LAST_MONTH) -> None:
        """A new report for last month (or `kind`), with the last meeting's open action items."""
        if not self._confirm_discard():
            return
        p = preset_period(kind, self._today())
        service = self._ctx.services.meeting_reports
        self.reports.clearSelection()
        run_in_background(
            lambda: service.draft(p.start, p.end),
            on_done=self.show_report,
            on_error=lambda e: show_error(self, e),
        )

    def show_report(self, detail: MeetingReportDetail) -> None:
        """Put a report into the form and compute its figures."""
        self._filling = True
        try:
            self.detail = detail
            self.title.setText(detail.title)
            kind = PeriodKind.CUSTOM
            for candidate in (
                PeriodKind.LAST_MONTH,
                PeriodKind.THIS_MONTH,
                PeriodKind.LAST_WEEK,
                PeriodKind.LAST_QUARTER,
            ):
                p = preset_period(candidate, self._today())
                if (p.start, p.end) == (detail.period_start, detail.period_end):
                    kind = candidate
                    break
            self.period.set_period(detail.period_start, detail.period_end, kind)
            self.filters.select(detail.campaign_id, detail.owner_id)
            self.stale_days.setValue(detail.stale_after_days)
            self.agenda.setPlainText(detail.agenda)
            self.notes.setPlainText(detail.notes)
            self.actions_table.setRowCount(0)
            for item in detail.action_items:
                self.add_action_row(item)
        finally:
            self._filling = False
        self.modified = detail.id is None and bool(detail.action_items)
        self.delete_button.setEnabled(detail.id is not None)
        self.report_opened.emit()
        self.compute()

    # --- action items -----------------------------------------------------------------------------------

    def _fill_owner_combo(self, combo: QComboBox, current: int | None) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("(nobody)"), None)
        for m in self._members:
            if m.active or m.id == current:
                combo.addItem(m.name, m.id)
        index = combo.findData(current)
        if index < 0 and current is not None:
            combo.addItem(f"#{current}", current)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def add_action_row(self, item: ActionItemRow) -> int:
        table = self.actions_table
        row = table.rowCount()
        table.insertRow(row)
        done = QCheckBox(table)
        done.setChecked(item.done)
        done.toggled.connect(lambda _v: self._mark_modified())
        table.setCellWidget(row, 0, done)
        text = QTableWidgetItem(item.text)
        text.setData(Qt.ItemDataRole.UserRole, (item.id, item.carried_from_id))
        table.setItem(row, 1, text)
        owner = QComboBox(table)
        self._fill_owner_combo(owner, item.owner_id)
        owner.currentIndexChanged.connect(lambda _i: self._mark_modified())
        table.setCellWidget(row, 2, owner)
        due = date_field(table)
        due.setMinimumDate(QDate(2000, 1, 1))
        due.setSpecialValueText(self.tr("no date"))
        due.setDate(
            QDate(item.due_on.year, item.due_on.month, item.due_on.day) if item.due_on else due.minimumDate()
        )
        due.dateChanged.connect(lambda _d: self._mark_modified())
        table.setCellWidget(row, 3, due)
        origin = QTableWidgetItem(self.tr("from last meeting") if item.from_last_meeting else "")
        origin.setFlags(origin.flags() & ~Qt.ItemFlag.ItemIsEditable)
        table.setItem(row, 4, origin)
        if not self._filling:
            self._mark_modified()
            table.editItem(text)
        return row

    def _remove_action(self) -> None:
        row = self.actions_table.currentRow()
        if row >= 0:
            self.actions_table.removeRow(row)
            self._mark_modified()

    def action_items(self) -> tuple[ActionItemRow, ...]:
        items = []
        table = self.actions_table
        for row in range(table.rowCount()):
            text_item = table.item(row, 1)
            text = text_item.text().strip() if text_item else ""
            item_id, carried = text_item.data(Qt.ItemDataRole.UserRole) if text_item else (None, None)
            if not text and item_id is None:
                continue
            done = table.cellWidget(row, 0)
            owner = table.cellWidget(row, 2)
            due = table.cellWidget(row, 3)
            due_on = None
            if isinstance(due, QDateEdit) and due.date() != due.minimumDate():
                d = due.date()
                due_on = date(d.year(), d.month(), d.day())
            items.append(
                ActionItemRow(
                    text=text,
                    owner_id=owner.currentData() if isinstance(owner, QComboBox) else None,
                    owner_name=owner.currentText()
                    if isinstance(owner, QComboBox) and owner.currentData()
                    else None,
                    due_on=due_on,
                    done=done.isChecked() if isinstance(done, QCheckBox) else False,
                    carried_from_id=carried,
                    id=item_id,
                )
            )
        return tuple(items)

    # --- form state ---------------------------------------------------------------------------------------

    def _mark_modified(self) -> None:
        if not self._filling:
            self.modified = True

    def _settings_changed(self) -> None:
        if self._filling:
            return
        self._mark_modified()
        self.compute()

    def current_detail(self) -> MeetingReportDetail:
        """The report as the form shows it now (saved or not)."""
        period = self.period.period()
        base = self.detail or MeetingReportDetail(title="", period_start=period.start, period_end=period.end)
        return base.with_changes(
            title=self.title.text().strip() or base.title or self.tr("Alignment meeting"),
            period_start=period.start,
            period_end=period.end,
            campaign_id=self.filters.campaign_id(),
            owner_id=self.filters.owner_id(),
            stale_after_days=self.stale_days.value(),
            agenda=self.agenda.toPlainText(),
            notes=self.notes.toPlainText(),
            action_items=self.action_items(),
        )

    # --- figures ------------------------------------------------------------------------------------------

    def _settings(self) -> tuple[date, date, int | None, int | None, int]:
        p = self.period.period()
        return p.start, p.end, self.filters.campaign_id(), self.filters.owner_id(), self.stale_days.value()

    def compute(self) -> None:
        """Compute the report's figures for the form's settings, off the GUI thread."""
        if self._control is not None:
            self._control.cancel()
        self._request += 1
        request = self._request
        start, end, campaign_id, owner_id, stale = self._settings()
        reporting = self._ctx.services.reporting
        palette = chart_palette(self)
        render = self.charts.renderer_call(palette)
        self.status.setText(self.tr("Computing the figures…"))
        self.update_button.setEnabled(False)

        def work(control: TaskControl) -> Any:
            data = reporting.report(
                start,
                end,
                campaign_id=campaign_id,
                owner_id=owner_id,
                stale_after_days=stale,
                progress=control.progress,
                should_cancel=lambda: control.cancelled,
            )
            chart_input = ChartInput(flow=data.flow, sla=data.sla)
            return data, chart_input, render(CHARTS, chart_input, lambda: control.cancelled), palette

        self._control = run_task(
            work,
            on_done=lambda r: self._show_figures(request, r),
            on_error=lambda e: self._compute_failed(request, e),
            pool=query_pool(),
        )

    def _compute_failed(self, request: int, exc: BaseException) -> None:
        if request != self._request:
            return
        self.update_button.setEnabled(True)
        self.status.setText("")
        if not isinstance(exc, ReportCancelled):
            show_error(self, exc)

    def _show_figures(
        self, request: int, result: tuple[ReportData, ChartInput, dict[str, ChartImage] | None, Palette]
    ) -> None:
        if request != self._request:
            return
        data, chart_input, images, palette = result
        if images is None:  # cancelled
            self.update_button.setEnabled(True)
            self.status.setText("")
            return
        self.data = data
        self.update_button.setEnabled(True)
        self.status.setText(self.tr("Figures of %1").replace("%1", format_datetime(data.generated_at)))
        self._show_headline(data.headline)
        self.charts.set_images(images, chart_input, palette)
        self._show_tables(data)
        self.figures_shown.emit()

    def _show_headline(self, rows: Sequence[HeadlineFigure]) -> None:
        table = self.headline
        table.setRowCount(0)
        side = None
        for h in rows:
            if h.side != side:
                side = h.side
                r = table.rowCount()
                table.insertRow(r)
                label = QTableWidgetItem(
                    self.tr("Sales → marketing")
                    if h.side == labels.SALES_TO_MARKETING
                    else self.tr("Marketing → sales")
                )
                font = label.font()
                font.setBold(True)
                label.setFont(font)
                table.setItem(r, 0, label)
                table.setSpan(r, 0, 1, 4)
            r = table.rowCount()
            table.insertRow(r)
            value = self._show_value(h, h.value)
            target = self._show_value(h, h.target) if h.target is not None else ""
            sign = {"min": "≥ ", "max": "≤ "}.get(h.target_kind or "", "")
            # Report content comes in English from the services (one module, `reporting.labels`); shown
            # through the translator so a translation can cover it too.
            cells = [
                "   " + tr("ReportContent", h.label),
                value,
                f"{sign}{target}" if target else "",
                h.detail,
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (1, 2):
                    item.setTextAlignment(RIGHT)
                if c == 1 and h.met is not None:
                    item.setForeground(GOOD if h.met else BAD)
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(r, c, item)
        table.resizeRowsToContents()

    @staticmethod
    def _show_value(h: HeadlineFigure, value: float | None) -> str:
        if value is None:
            return "–"
        if h.unit == "%":
            return _pct(value)
        if h.unit == "h":
            return format_hours(value)
        return format_int(round(value))

    def _show_tables(self, data: ReportData) -> None:
        self.campaigns_model.set_rows(
            [
                [
                    c.campaign_name,
                    format_int(c.mqls),
                    format_int(round(c.mql_target)),
                    _pct(c.target_pct, 0),
                    format_int(c.handoffs),
                    format_int(c.accepted),
                    format_int(c.returned),
                    _pct(c.acceptance_rate_pct, 0),
                    _pct(c.accepted_in_time_pct, 0),
                    _pct(c.first_contact_in_time_pct, 0),
                    format_int(c.not_in_target),
                    format_int(c.won),
                    format_int(c.lost),
                    _pct(c.win_rate_pct, 0),
                    format_money(c.revenue),
                ]
                for c in data.campaigns
            ]
        )
        clocks = {"accept": self.tr("accept"), "contact": self.tr("first contact")}
        self.breached_model.set_rows(
            [
                [
                    str(b.lead.lead_id),
                    b.lead.name,
                    b.lead.company or "",
                    b.lead.campaign_name or "",
                    b.lead.owner_name or "",
                    format_datetime(b.lead.handed_off_at),
                    clocks[b.clock],
                    format_datetime(b.due_at),
                    format_datetime(b.done_at) if b.done_at else self.tr("still open"),
                    format_hours(b.business_hours_late),
                ]
                for b in data.breached.items
            ]
        )
        self.stale_model.set_rows(
            [
                [
                    str(x.lead.lead_id),
                    x.lead.name,
                    x.lead.company or "",
                    x.lead.campaign_name or "",
                    x.lead.owner_name or "",
                    stage_label(x.lead.stage),
                    format_datetime(x.lead.handed_off_at),
                    format_datetime(x.last_progress_at),
                    format_int(x.business_days_idle),
                ]
                for x in data.stale.items
            ]
        )
        self.returned_model.set_rows(
            [
                [
                    str(x.lead.lead_id),
                    x.lead.name,
                    x.lead.company or "",
                    x.lead.campaign_name or "",
                    x.lead.owner_name or "",
                    format_datetime(x.returned_at),
                    reject_reason_label(x.reason or "other"),
                    x.note or "",
                    stage_label(x.lead.stage),
                ]
                for x in data.returned.items
            ]
        )

        def listed(total: int, shown: int) -> str:
            text = self.tr("%1 leads").replace("%1", format_int(total))
            if total > shown:
                text += " " + self.tr(
                    "(the first %1 are listed here; the Excel export lists them too)"
                ).replace("%1", format_int(shown))
            return text

        self.list_labels["breached"].setText(
            self.tr("Handoffs of the period whose accept or first-contact clock was missed: ")
            + listed(data.breached.total, len(data.breached.items))
        )
        self.list_labels["stale"].setText(
            self.tr("With sales and no progress for more than %1 business days: ").replace(
                "%1", str(data.stale_after_days)
            )
            + listed(data.stale.total, len(data.stale.items))
        )
        reasons = ", ".join(
            f"{reject_reason_label(r.reason or 'other')} {r.count}" for r in data.returned_by_reason
        )
        self.list_labels["returned"].setText(
            self.tr("Handoffs of the period returned by sales: ")
            + listed(data.returned.total, len(data.returned.items))
            + (f" — {reasons}" if reasons else "")
        )
        self.lists_summary.setText(
            self.tr("Breached leads: %1 · Stale leads: %2 · Returned leads: %3")
            .replace("%1", format_int(data.breached.total))
            .replace("%2", format_int(data.stale.total))
            .replace("%3", format_int(data.returned.total))
        )

    # --- saving, deleting, exporting ----------------------------------------------------------------------

    def save(self) -> None:
        detail = self.current_detail()
        service = self._ctx.services.meeting_reports
        actor = self._ctx.member_id

        def done(saved: MeetingReportDetail) -> None:
            self._filling = True
            try:
                self.detail = saved
                self.actions_table.setRowCount(0)
                for item in saved.action_items:
                    self.add_action_row(item)
            finally:
                self._filling = False
            self.modified = False
            self.delete_button.setEnabled(True)
            self.load_list(select_id=saved.id)
            self.saved.emit(saved)

        def failed(exc: BaseException) -> None:
            show_error(self, exc)
            if isinstance(exc, ConflictError):
                self.modified = True

        run_in_background(lambda: service.save(detail, actor_id=actor), on_done=done, on_error=failed)

    def delete_current(self) -> None:
        if self.detail is None or self.detail.id is None:
            return
        report_id = self.detail.id
        answer = QMessageBox.question(
            self,
            self.tr("Delete the meeting report"),
            self.tr("Delete “%1” with its notes and action items?").replace("%1", self.detail.title),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.modified = False
        run_in_background(
            lambda: self._ctx.services.meeting_reports.delete(report_id),
            on_done=lambda _r: self.load_list(open_latest=True),
            on_error=lambda e: show_error(self, e),
        )

    def export(self, kind: str, path: Path | None = None) -> ExportProgressDialog | None:
        """Export the report on screen (with the notes as typed) to .xlsx or .pdf."""
        detail = self.current_detail()
        if path is None:
            folder = Path(self._ctx.pc.text(LAST_FOLDER, str(Path.home())))
            name = (
                "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in detail.title).strip()
                or "report"
            )
            filters = (
                self.tr("Excel workbook (*.xlsx)") if kind == "xlsx" else self.tr("PDF document (*.pdf)")
            )
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("Export the report"), str(folder / f"{name}.{kind}"), filters
            )
            if not chosen:
                return None
            path = Path(chosen)
            if path.suffix.lower() != f".{kind}":
                path = path.with_suffix(f".{kind}")
        self._ctx.pc.set_text(LAST_FOLDER, str(path.parent))
        settings = self._settings()
        data = self.data if self.data is not None and self._data_settings(self.data) == settings else None
        reporting = self._ctx.services.reporting
        start, end, campaign_id, owner_id, stale = settings
        target = path

        def work(progress: Any, should_cancel: Any) -> Path:
            report = data or reporting.report(
                start,
                end,
                campaign_id=campaign_id,
                owner_id=owner_id,
                stale_after_days=stale,
                should_cancel=should_cancel,
            )
            if kind == "xlsx":
                from leaddesk.services.export.report_xlsx import write_report_xlsx

                return write_report_xlsx(report, target, detail, progress=progress)
            from leaddesk.services.export.report_pdf import write_report_pdf

            return write_report_pdf(report, target, detail, progress=progress)

        dialog = ExportProgressDialog(self.tr("Writing %1…").replace("%1", path.name), self)
        dialog.succeeded.connect(
            lambda p: self.status.setText(self.tr("Exported to %1").replace("%1", str(p)))
        )
        self.export_dialog = dialog
        dialog.start(work)
        return dialog

    @staticmethod
    def _data_settings(data: ReportData) -> tuple[date, date, int | None, int | None, int]:
        return data.start, data.end, data.filters.campaign_id, data.filters.owner_id, data.stale_after_days

    def save_state(self) -> None:
        pass
