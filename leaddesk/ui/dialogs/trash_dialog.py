"""The trash: leads moved there can be looked at and restored."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.queries import LeadFilter, LeadSort, SortKey
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.leads_browser import LeadsBrowser


class TrashDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle(self.tr("Trash"))
        self.setWindowIcon(icon("trash"))
        self.resize(900, 520)
        self.browser = LeadsBrowser(
            ctx,
            "marketing/trash",
            base_filter=LeadFilter(deleted=True),
            parent=self,
            empty_text=self.tr("The trash is empty."),
        )
        self.browser.model.set_sort(LeadSort(SortKey.UPDATED, descending=True))
        self.restore_button = QPushButton(icon("restore"), self.tr("Restore"), self)
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.clicked.connect(self.restore_selected)
        self.browser.selection_changed.connect(
            lambda: self.restore_button.setEnabled(bool(self.browser.selected_rows()))
        )
        self.restore_button.setEnabled(False)
        hint = QLabel(
            self.tr("Leads in the trash are left out of every list and count until restored."), self
        )
        hint.setStyleSheet("color: palette(placeholder-text);")
        top = QHBoxLayout()
        top.addWidget(hint, 1)
        top.addWidget(self.restore_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.browser.set_base_filter(LeadFilter(deleted=True))
        self.browser.refresh()

    def restore_selected(self) -> None:
        ids = [r.id for r in self.browser.selected_rows()]
        if not ids:
            return
        lifecycle, actor = self._ctx.services.lifecycle, self._ctx.member_id
        run_in_background(
            lambda: lifecycle.restore_leads(ids, actor_id=actor),
            on_done=lambda _n: self._ctx.notify_changed(),
            on_error=lambda e: show_error(self, e),
        )

    def done(self, result: int) -> None:
        self.browser.save_layout()
        super().done(result)
