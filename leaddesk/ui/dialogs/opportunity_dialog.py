"""Moving a lead forward in the pipeline: to an opportunity (expected value and close date), and to won
(the final value)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, QTimeZone
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.date_field import date_field

MAX_VALUE = 999_999_999.0


def money_box(parent: QWidget, value: Decimal | None) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setRange(0, MAX_VALUE)
    box.setDecimals(0)
    box.setSingleStep(500)
    box.setGroupSeparatorShown(True)
    box.setSuffix(" €")
    box.setLocale(QLocale())
    box.setValue(float(value) if value is not None else 0.0)
    box.selectAll()
    return box


def _local_today(ctx: AppContext) -> QDate:
    now = ctx.services.clock()
    return QDateTime.fromSecsSinceEpoch(int(now.timestamp()), QTimeZone.utc()).toLocalTime().date()


class OpportunityDialog(ServiceDialog):
    """Contacted → opportunity: a real conversation with an expected value and close date."""

    def __init__(
        self,
        ctx: AppContext,
        lead_id: int,
        lead_name: str,
        *,
        value: Decimal | None = None,
        close_on: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.lead_id = lead_id
        self.setWindowTitle(self.tr("Opportunity — %1").replace("%1", lead_name))
        self.setWindowIcon(icon("sales"))
        info = QLabel(self.tr("A real sales conversation: the need is confirmed."), self)
        info.setWordWrap(True)
        self.value = money_box(self, value)
        self.value.setObjectName("expectedValue")
        self.close_on = date_field(self)
        self.close_on.setObjectName("expectedClose")
        today = _local_today(ctx)
        self.close_on.setDate(
            QDate(close_on.year, close_on.month, close_on.day) if close_on else today.addDays(30)
        )
        form = QFormLayout()
        form.addRow(self.tr("Expected &value:"), self.value)
        form.addRow(self.tr("Expected &close:"), self.close_on)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Make opportunity"))
        self.ok_button.setDefault(True)
        self.value.setFocus()

    def work(self) -> Callable[[], Any] | None:
        value = Decimal(str(round(self.value.value()))) if self.value.value() else None
        q = self.close_on.date()
        close_on = date(q.year(), q.month(), q.day())
        lifecycle, lead_id, actor = self.ctx.services.lifecycle, self.lead_id, self.ctx.member_id
        return lambda: lifecycle.to_opportunity(
            lead_id, expected_value=value, expected_close_on=close_on, actor_id=actor
        )


class WonDialog(ServiceDialog):
    """Opportunity → won, with the value actually signed (the expected one by default)."""

    def __init__(
        self,
        ctx: AppContext,
        lead_id: int,
        lead_name: str,
        *,
        value: Decimal | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.lead_id = lead_id
        self.setWindowTitle(self.tr("Won — %1").replace("%1", lead_name))
        self.setWindowIcon(icon("sales"))
        info = QLabel(self.tr("Well done! Confirm the value signed."), self)
        self.value = money_box(self, value)
        self.value.setObjectName("wonValue")
        form = QFormLayout()
        form.addRow(self.tr("&Value:"), self.value)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Mark won"))
        self.ok_button.setDefault(True)
        self.value.setFocus()

    def work(self) -> Callable[[], Any] | None:
        value = Decimal(str(round(self.value.value()))) if self.value.value() else None
        lifecycle, lead_id, actor = self.ctx.services.lifecycle, self.lead_id, self.ctx.member_id
        return lambda: lifecycle.win(lead_id, value=value, actor_id=actor)
