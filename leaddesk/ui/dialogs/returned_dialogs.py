"""What marketing does with a lead sales returned: recycle it to nurture (with a note), or disqualify it
(with a reason)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from leaddesk.domain.errors import ValidationError
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.resources import icon


class RecycleDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, lead_ids: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.lead_ids = list(lead_ids)
        self.setWindowTitle(self.tr("Recycle to nurture"))
        self.setWindowIcon(icon("recycle"))
        n = len(self.lead_ids)
        text = self.tr("Back to nurture as new leads, with a fresh pass: %Ln lead(s).", None, n)
        info = QLabel(text, self)
        info.setWordWrap(True)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("recycleNote")
        self.note.setPlaceholderText(
            self.tr("Why, and what should happen next (e.g. invite to the next webinar)")
        )
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(90)
        form = QFormLayout()
        form.addRow(self.tr("Note:"), self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Recycle"))

    def work(self) -> Callable[[], Any] | None:
        note = self.note.toPlainText().strip()
        if not note:
            show_error(
                self, ValidationError(self.tr("Write a note: it tells the team why the lead is back."))
            )
            return None
        lifecycle, ids, actor = self.ctx.services.lifecycle, self.lead_ids, self.ctx.member_id
        return lambda: lifecycle.recycle(ids, note=note, actor_id=actor)


class DisqualifyDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, lead_ids: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.lead_ids = list(lead_ids)
        self.setWindowTitle(self.tr("Disqualify"))
        self.setWindowIcon(icon("disqualify"))
        n = len(self.lead_ids)
        info = QLabel(self.tr("Leaving the funnel for good: %Ln lead(s).", None, n), self)
        self.reason = QComboBox(self)
        self.reason.setObjectName("disqualifyReason")
        self.reason.setEditable(True)
        self.reason.addItems(
            [
                self.tr("Not in target"),
                self.tr("Wrong or unusable data"),
                self.tr("Competitor or partner"),
                self.tr("No interest"),
                self.tr("Duplicate"),
            ]
        )
        self.reason.setCurrentText("")
        self.reason.lineEdit().setPlaceholderText(self.tr("Choose or type a reason"))
        form = QFormLayout()
        form.addRow(self.tr("Reason:"), self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Disqualify"))

    def work(self) -> Callable[[], Any] | None:
        reason = self.reason.currentText().strip()
        if not reason:
            show_error(self, ValidationError(self.tr("Give the reason for disqualifying.")))
            return None
        lifecycle, ids, actor = self.ctx.services.lifecycle, self.lead_ids, self.ctx.member_id
        return lambda: lifecycle.disqualify(ids, reason=reason, actor_id=actor)
