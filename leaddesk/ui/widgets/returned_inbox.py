"""Returned by sales: the leads sales rejected, with the reason and note, to recycle or disqualify; and the
return reasons per campaign, so targeting problems are visible."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import RejectReason, Stage
from leaddesk.domain.queries import LeadFilter, LeadSort, SortKey
from leaddesk.domain.records import LeadRow, RejectionCount
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.returned_dialogs import DisqualifyDialog, RecycleDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_date, format_int, reject_reason_label
from leaddesk.ui.i18n import tr
from leaddesk.ui.resources import icon
from leaddesk.ui.table_models.lead_table_model import LeadColumn
from leaddesk.ui.widgets.leads_browser import LeadsBrowser

RETURNED = LeadFilter(stages=frozenset({Stage.REJECTED}))


def returned_columns() -> list[LeadColumn]:
    return [
        LeadColumn("name", tr("Returned", "Name"), lambda r: r.display_name, SortKey.NAME, width=160),
        LeadColumn(
            "company", tr("Returned", "Company"), lambda r: r.company or "", SortKey.COMPANY, width=170
        ),
        LeadColumn(
            "reason",
            tr("Returned", "Reason"),
            lambda r: reject_reason_label(r.reject_reason) if r.reject_reason else "",
            width=170,
        ),
        LeadColumn("note", tr("Returned", "Note from sales"), lambda r: r.reject_note or "", width=200),
        LeadColumn(
            "campaign",
            tr("Returned", "Campaign"),
            lambda r: r.campaign_name or "",
            SortKey.CAMPAIGN,
            width=170,
        ),
        LeadColumn(
            "sales_owner",
            tr("Returned", "Returned by"),
            lambda r: r.sales_owner_name or "",
            SortKey.SALES_OWNER,
            width=110,
        ),
        LeadColumn(
            "updated", tr("Returned", "On"), lambda r: format_date(r.updated_at), SortKey.UPDATED, width=90
        ),
    ]


class ReturnedInbox(QWidget):
    #: The number of returned leads waiting (for the tab's title).
    count_changed = Signal(int)
    lead_activated = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.dialog: RecycleDialog | DisqualifyDialog | None = None
        self.browser = LeadsBrowser(ctx, "marketing/returned", returned_columns(), RETURNED, self)
        self.browser.setObjectName("returnedBrowser")
        self.browser.model.set_sort(LeadSort(SortKey.UPDATED, descending=True))
        self.browser.lead_activated.connect(self.lead_activated)
        self.recycle_button = QPushButton(icon("recycle"), self.tr("Recycle to nurture…"), self)
        self.recycle_button.setObjectName("recycleButton")
        self.disqualify_button = QPushButton(icon("disqualify"), self.tr("Disqualify…"), self)
        self.disqualify_button.setObjectName("disqualifyButton")
        self.recycle_button.clicked.connect(self.recycle)
        self.disqualify_button.clicked.connect(self.disqualify)
        self.browser.selection_changed.connect(self._selection)
        counted = getattr(self.browser.model, "counted", self.browser.model.loaded)
        counted.connect(lambda: self.count_changed.emit(self.browser.model.total))

        actions = QHBoxLayout()
        hint = QLabel(self.tr("Leads sales sent back. Recycle them to nurture or take them out."), self)
        hint.setStyleSheet("color: palette(placeholder-text);")
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        actions.addWidget(hint, 1)
        actions.addWidget(self.recycle_button)
        actions.addWidget(self.disqualify_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(actions)
        left_layout.addWidget(self.browser, 1)

        self.reasons = QTableWidget(self)
        self.reasons.setObjectName("reasonsPerCampaign")
        self.reasons.verticalHeader().setVisible(False)
        self.reasons.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.reasons.setShowGrid(False)
        self.reasons.setAlternatingRowColors(True)
        self.reasons.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        reasons_title = QLabel(self.tr("Why sales returned leads, per campaign"), self)
        reasons_title.setStyleSheet("font-weight: 600;")
        reasons_title.setWordWrap(True)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(reasons_title)
        right_layout.addWidget(self.reasons, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.splitter)
        ctx.data_changed.connect(self.refresh_reasons)
        self._selection()

    def refresh(self) -> None:
        self.browser.set_base_filter(RETURNED)
        self.browser.refresh()
        self.refresh_reasons()

    def refresh_reasons(self) -> None:
        run_in_background(
            self._ctx.services.campaigns.rejection_reasons,
            on_done=self.show_reasons,
            on_error=lambda e: show_error(self, e),
        )

    def show_reasons(self, counts: list[RejectionCount]) -> None:
        reasons = [r.value for r in RejectReason]
        reasons += sorted({c.reason for c in counts} - set(reasons))
        campaigns: dict[str, dict[str, int]] = {}
        for c in counts:
            name = c.campaign_name or self.tr("No campaign")
            campaigns.setdefault(name, {})[c.reason] = c.count
        ordered = sorted(campaigns.items(), key=lambda kv: -sum(kv[1].values()))
        self.reasons.clear()
        self.reasons.setColumnCount(len(reasons) + 2)
        self.reasons.setHorizontalHeaderLabels(
            [self.tr("Campaign"), *(reject_reason_label(r) for r in reasons), self.tr("Total")]
        )
        self.reasons.setRowCount(len(ordered))
        top = max((max(v.values()) for _n, v in ordered), default=0)
        for row, (name, by_reason) in enumerate(ordered):
            self.reasons.setItem(row, 0, QTableWidgetItem(name))
            for column, reason in enumerate(reasons, start=1):
                n = by_reason.get(reason, 0)
                item = QTableWidgetItem(format_int(n) if n else "·")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if n and top:
                    # The bigger the count, the warmer the cell: problems jump out.
                    alpha = 30 + int(150 * n / top)
                    item.setBackground(QColor(224, 86, 27, alpha))
                self.reasons.setItem(row, column, item)
            total = QTableWidgetItem(format_int(sum(by_reason.values())))
            total.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            font = total.font()
            font.setBold(True)
            total.setFont(font)
            self.reasons.setItem(row, len(reasons) + 1, total)
        header = self.reasons.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(reasons) + 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    def selected(self) -> list[LeadRow]:
        return self.browser.selected_rows()

    def _selection(self) -> None:
        any_selected = bool(self.browser.selected_rows())
        self.recycle_button.setEnabled(any_selected)
        self.disqualify_button.setEnabled(any_selected)

    def recycle(self) -> RecycleDialog | None:
        ids = [r.id for r in self.selected()]
        if not ids:
            return None
        self.dialog = RecycleDialog(self._ctx, ids, self)
        self.dialog.open()
        return self.dialog

    def disqualify(self) -> DisqualifyDialog | None:
        ids = [r.id for r in self.selected()]
        if not ids:
            return None
        self.dialog = DisqualifyDialog(self._ctx, ids, self)
        self.dialog.open()
        return self.dialog

    def save_state(self) -> None:
        self.browser.save_layout()
        self._ctx.pc.set_bytes("splitters/marketing/returned", self.splitter.saveState())

    def restore_state(self) -> None:
        state = self._ctx.pc.bytes("splitters/marketing/returned")
        if state is not None:
            self.splitter.restoreState(state)
