"""The Sales area: the leads handed to me (to every rep, for a manager), oldest handoff first."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from leaddesk.domain.enums import SALES_STAGES
from leaddesk.domain.queries import LeadFilter, LeadSort, SortKey
from leaddesk.domain.records import LeadRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.lead_detail_dialog import LeadDetailDialog
from leaddesk.ui.widgets.leads_browser import LeadsBrowser
from leaddesk.ui.widgets.page_header import PageHeader


class SalesPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.header = PageHeader(self.tr("Sales"), "", self)
        self.browser = LeadsBrowser(ctx, "sales/leads", base_filter=self._filter(), parent=self)
        self.browser.model.set_sort(LeadSort(SortKey.HANDED_OFF, descending=False))
        self.browser.lead_activated.connect(self.open_lead)
        ctx.identity_changed.connect(lambda _m: self._apply_identity())
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.browser, 1)
        self._apply_identity()

    def _filter(self) -> LeadFilter:
        mine = (
            frozenset()
            if self._ctx.is_manager or self._ctx.member_id is None
            else frozenset({self._ctx.member_id})
        )
        return LeadFilter(stages=frozenset(SALES_STAGES), sales_owner_ids=mine)

    def _apply_identity(self) -> None:
        member = self._ctx.member
        if member is None or self._ctx.is_manager:
            self.header.subtitle.setText(self.tr("Open leads of every sales rep"))
        else:
            self.header.subtitle.setText(self.tr("Open leads handed to %1").replace("%1", member.name))
        self.browser.set_base_filter(self._filter())

    def activate(self) -> None:
        self.browser.activate()

    def open_lead(self, row: LeadRow) -> None:
        LeadDetailDialog(self._ctx, row.id, self).open()

    def save_state(self) -> None:
        self.browser.save_layout()
