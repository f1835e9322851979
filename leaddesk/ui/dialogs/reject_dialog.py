"""Returning a lead to marketing: a reason from the SLA policy's list and an optional note. The lead
lands in marketing's "Returned by sales" inbox; the accept clock stops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from leaddesk.domain.errors import ValidationError
from leaddesk.services.sla.policy import DEFAULT_REJECT_REASONS
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import reject_reason_label
from leaddesk.ui.resources import icon


class RejectDialog(ServiceDialog):
    def __init__(
        self,
        ctx: AppContext,
        lead_id: int,
        lead_name: str,
        reasons: Sequence[str] = DEFAULT_REJECT_REASONS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.lead_id = lead_id
        self.setWindowTitle(self.tr("Return to marketing"))
        self.setWindowIcon(icon("inbox"))
        info = QLabel(
            self.tr("<b>%1</b> goes back to marketing's inbox with your reason.").replace("%1", lead_name),
            self,
        )
        info.setWordWrap(True)
        self.reason = QComboBox(self)
        self.reason.setObjectName("rejectReason")
        for code in reasons or DEFAULT_REJECT_REASONS:
            self.reason.addItem(reject_reason_label(code), code)
        self.note = QLineEdit(self)
        self.note.setObjectName("rejectNote")
        self.note.setPlaceholderText(self.tr("Optional: what exactly is wrong (helps marketing fix it)"))
        form = QFormLayout()
        form.addRow(self.tr("&Reason:"), self.reason)
        form.addRow(self.tr("&Note:"), self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Return lead"))
        self.ok_button.setDefault(True)
        self.reason.setFocus()
        self.resize(460, 180)

    def choose_reason(self, code: str) -> None:
        self.reason.setCurrentIndex(self.reason.findData(code))

    def work(self) -> Callable[[], Any] | None:
        reason = self.reason.currentData()
        if not reason:
            show_error(self, ValidationError(self.tr("Choose why the lead goes back to marketing.")))
            return None
        lifecycle, lead_id, actor = self.ctx.services.lifecycle, self.lead_id, self.ctx.member_id
        note = self.note.text().strip() or None
        return lambda: lifecycle.reject(lead_id, reason=reason, note=note, actor_id=actor)
