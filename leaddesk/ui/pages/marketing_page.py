"""The Marketing area: every lead, searchable and sortable, opened in the lead detail."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from leaddesk.domain.records import LeadRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.lead_detail_dialog import LeadDetailDialog
from leaddesk.ui.widgets.leads_browser import LeadsBrowser
from leaddesk.ui.widgets.page_header import PageHeader


class MarketingPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.header = PageHeader(
            self.tr("Marketing"), self.tr("Campaign leads, qualification and handoff"), self
        )
        self.browser = LeadsBrowser(ctx, "marketing/leads", parent=self)
        self.browser.lead_activated.connect(self.open_lead)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.browser, 1)

    def activate(self) -> None:
        if self.browser.model.rowCount() == 0:
            self.browser.refresh()

    def open_lead(self, row: LeadRow) -> None:
        LeadDetailDialog(self._ctx, row.id, self).open()

    def save_state(self) -> None:
        self.browser.save_layout()
