"""Closing a lead as lost: the reason is required (a known one, or the rep's own words)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from leaddesk.domain.enums import LostReason
from leaddesk.domain.errors import ValidationError
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.i18n import tr
from leaddesk.ui.resources import icon


def lost_reason_label(reason: str) -> str:
    labels = {
        LostReason.PRICE.value: tr("LostReason", "Price"),
        LostReason.COMPETITOR.value: tr("LostReason", "Went with a competitor"),
        LostReason.NO_BUDGET.value: tr("LostReason", "No budget"),
        LostReason.NO_NEED.value: tr("LostReason", "No real need"),
        LostReason.TIMING.value: tr("LostReason", "Bad timing"),
        LostReason.UNREACHABLE.value: tr("LostReason", "Could not be reached"),
        LostReason.OTHER.value: tr("LostReason", "Other (say why)"),
    }
    return labels.get(reason, reason)


class LostDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, lead_id: int, lead_name: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.lead_id = lead_id
        self.setWindowTitle(self.tr("Lost — %1").replace("%1", lead_name))
        self.setWindowIcon(icon("disqualify"))
        info = QLabel(self.tr("Why was it lost? Marketing reads this to target better."), self)
        info.setWordWrap(True)
        self.reason = QComboBox(self)
        self.reason.setObjectName("lostReason")
        self.reason.addItem(self.tr("Choose a reason…"), None)
        for reason in LostReason:
            self.reason.addItem(lost_reason_label(reason.value), reason.value)
        self.detail = QLineEdit(self)
        self.detail.setObjectName("lostDetail")
        self.detail.setMaxLength(200)
        self.detail.setPlaceholderText(self.tr("In your words (required for Other)"))
        form = QFormLayout()
        form.addRow(self.tr("&Reason:"), self.reason)
        form.addRow(self.tr("&Details:"), self.detail)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Mark lost"))
        self.ok_button.setDefault(True)
        self.reason.setFocus()
        self.resize(440, 170)

    def choose_reason(self, reason: LostReason) -> None:
        self.reason.setCurrentIndex(self.reason.findData(reason.value))

    def work(self) -> Callable[[], Any] | None:
        code = self.reason.currentData()
        detail = self.detail.text().strip()
        if code is None or (code == LostReason.OTHER.value and not detail):
            show_error(self, ValidationError(self.tr("Give the reason the lead was lost.")))
            return None
        # A known reason is stored as its code (reports group by it); "other" as the rep's words.
        reason = detail if code == LostReason.OTHER.value else code
        lifecycle, lead_id, actor = self.ctx.services.lifecycle, self.lead_id, self.ctx.member_id
        return lambda: lifecycle.lose(lead_id, reason=reason, actor_id=actor)
