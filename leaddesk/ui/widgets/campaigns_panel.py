"""The campaigns panel: every campaign with its volume, MQLs this month against target and the closed loop
(accepted, opportunities, won, revenue), so marketing sees which campaigns bring customers."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.records import CampaignFigures, CampaignRow, MemberRow
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.campaign_dialog import CampaignDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_int, format_money
from leaddesk.ui.resources import icon
from leaddesk.ui.table_models.campaign_table_model import CampaignLine, CampaignTableModel
from leaddesk.ui.widgets.delegates import ProgressDelegate
from leaddesk.ui.widgets.elided_label import ElidedLabel


@dataclass(frozen=True, slots=True)
class CampaignData:
    campaigns: list[CampaignRow]
    figures: dict[int, CampaignFigures]
    members: list[MemberRow]


class CampaignsPanel(QWidget):
    #: The chosen campaign changed (its id, or None for none).
    campaign_chosen = Signal(object)
    #: New figures are on screen.
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.members: list[MemberRow] = []
        self.dialog: CampaignDialog | None = None
        self._loading = False

        title = QLabel(self.tr("Campaigns"), self)
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.totals = ElidedLabel(self)
        self.totals.setObjectName("campaignTotals")
        self.totals.setStyleSheet("color: palette(placeholder-text);")
        self.new_button = self._tool("add", self.tr("New campaign"), self.new_campaign)
        self.new_button.setObjectName("newCampaign")
        self.edit_button = self._tool("edit", self.tr("Edit"), self.edit_campaign)
        self.archive_button = self._tool("archive", self.tr("Archive"), self.toggle_archive)
        for button in (self.edit_button, self.archive_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.edit_button.setToolTip(self.tr("Edit the chosen campaign (double-click a row)"))
        self.show_archived = QCheckBox(self.tr("Show archived"), self)
        self.show_archived.toggled.connect(lambda _on: self.refresh())

        self.model = CampaignTableModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("campaignTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(34)
        self.view.setItemDelegateForColumn(self.model.column_of("mqls"), ProgressDelegate(self.view))
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        widths = {
            "name": 230,
            "channel": 72,
            "owner": 108,
            "dates": 150,
            "leads": 62,
            "mqls": 110,
            "accepted": 72,
            "acceptance": 68,
            "opportunities": 60,
            "won": 48,
            "revenue": 92,
        }
        for key, width in widths.items():
            self.view.setColumnWidth(self.model.column_of(key), width)
        header.setSectionResizeMode(self.model.column_of("name"), QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(lambda _i: self.edit_campaign())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection())

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(title)
        top.addSpacing(8)
        top.addWidget(self.totals, 1)
        top.addWidget(self.show_archived)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.archive_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._selection()

    def _tool(self, name: str, text: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(icon(name))
        button.setText(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    # --- data ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        services = self._ctx.services
        archived = self.show_archived.isChecked()

        def load() -> CampaignData:
            return CampaignData(
                services.campaigns.list_campaigns(include_archived=archived),
                services.campaigns.figures(),
                services.team.list_members(),
            )

        run_in_background(load, on_done=self.show_data, on_error=lambda e: show_error(self, e))

    def show_data(self, data: CampaignData) -> None:
        chosen = self.current_campaign()
        self.members = data.members
        self.model.set_data(data.campaigns, data.figures)
        if chosen is not None:
            row = self.model.row_of(chosen.id)
            if row >= 0:
                self.view.selectRow(row)
        lines = self.model.lines()
        leads = sum(line.figures.leads for line in lines)
        mqls = sum(line.figures.mqls_this_month for line in lines)
        target = sum(line.figures.monthly_target for line in lines)
        won = sum(line.figures.won for line in lines)
        revenue = sum((line.figures.revenue for line in lines), start=0)
        self.totals.setText(
            self.tr("%1 campaigns · %2 leads · %3 MQLs this month (campaign targets: %4) · %5 won · %6")
            .replace("%1", format_int(len(lines)))
            .replace("%2", format_int(leads))
            .replace("%3", format_int(mqls))
            .replace("%4", format_int(target))
            .replace("%5", format_int(won))
            .replace("%6", format_money(revenue))
        )
        self._selection()
        self.loaded.emit()

    def current_line(self) -> CampaignLine | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.line_at(rows[0].row()) if rows else None

    def current_campaign(self) -> CampaignRow | None:
        line = self.current_line()
        return line.campaign if line else None

    def select_campaign(self, campaign_id: int | None) -> None:
        row = self.model.row_of(campaign_id) if campaign_id is not None else -1
        if row >= 0:
            self.view.selectRow(row)
        else:
            self.view.clearSelection()

    def _selection(self) -> None:
        campaign = self.current_campaign()
        self.edit_button.setEnabled(campaign is not None)
        self.archive_button.setEnabled(campaign is not None)
        if campaign is not None:
            self.archive_button.setText(self.tr("Restore") if campaign.archived else self.tr("Archive"))
            self.archive_button.setToolTip(
                self.tr("Restore the campaign") if campaign.archived else self.tr("Archive the campaign")
            )
        self.campaign_chosen.emit(campaign.id if campaign else None)

    # --- actions -------------------------------------------------------------------------------------

    def new_campaign(self) -> CampaignDialog:
        return self._open(None)

    def edit_campaign(self) -> CampaignDialog | None:
        campaign = self.current_campaign()
        return self._open(campaign) if campaign else None

    def _open(self, campaign: CampaignRow | None) -> CampaignDialog:
        members = self.members or self._ctx.services.team.list_members()
        self.dialog = CampaignDialog(self._ctx, members, campaign, self)
        self.dialog.succeeded.connect(lambda row: self._saved(row))
        self.dialog.open()
        return self.dialog

    def _saved(self, row: CampaignRow) -> None:
        self.refresh()

    def toggle_archive(self) -> None:
        campaign = self.current_campaign()
        if campaign is None:
            return
        service = self._ctx.services.campaigns
        run_in_background(
            lambda: service.set_archived(campaign.id, not campaign.archived),
            on_done=lambda _r: self._ctx.notify_changed(),
            on_error=lambda e: show_error(self, e),
        )
