"""The Reports area: meeting reports for the periodic marketing–sales alignment."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from leaddesk.ui.context import AppContext
from leaddesk.ui.widgets.page_header import PageHeader


class ReportsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.header = PageHeader(self.tr("Reports"), self.tr("Meeting reports for marketing and sales"), self)
        self.empty = QLabel(self.tr("No meeting reports have been written yet."), self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.empty, 1)

    def activate(self) -> None:
        pass

    def save_state(self) -> None:
        pass
