"""Creating or editing a campaign: name, channel, dates, owner and monthly MQL target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import Channel, Role
from leaddesk.domain.records import CampaignRow, MemberRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.formatting import channel_label
from leaddesk.ui.widgets.date_field import date_field


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class _OptionalDate(QWidget):
    """A date that may be left open (a checkbox turns it on)."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox(label, self)
        self.edit = date_field(self)
        self.edit.setDate(QDate.currentDate())
        self.edit.setEnabled(False)
        self.check.toggled.connect(self.edit.setEnabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)

    def value(self) -> date | None:
        if not self.check.isChecked():
            return None
        d = self.edit.date()
        return date(d.year(), d.month(), d.day())

    def set_value(self, value: date | None) -> None:
        self.check.setChecked(value is not None)
        if value is not None:
            self.edit.setDate(_qdate(value))


class CampaignDialog(ServiceDialog):
    def __init__(
        self,
        ctx: AppContext,
        members: list[MemberRow],
        campaign: CampaignRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.campaign = campaign
        self.setWindowTitle(self.tr("Edit campaign") if campaign else self.tr("New campaign"))
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("e.g. Trade fair SPS 2026"))
        self.channel = QComboBox(self)
        for channel in Channel:
            self.channel.addItem(channel_label(channel), channel)
        self.starts = _OptionalDate(self.tr("Starts"), self)
        self.ends = _OptionalDate(self.tr("Ends"), self)
        self.owner = QComboBox(self)
        self.owner.addItem(self.tr("No owner"), None)
        for m in members:
            if m.role in (Role.MARKETING, Role.MANAGER) and m.active:
                self.owner.addItem(m.name, m.id)
        self.target = QSpinBox(self)
        self.target.setRange(0, 100_000)
        self.target.setSuffix(self.tr(" MQLs / month"))
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Channel:"), self.channel)
        form.addRow(self.tr("Dates:"), self.starts)
        form.addRow("", self.ends)
        form.addRow(self.tr("Owner:"), self.owner)
        form.addRow(self.tr("Monthly target:"), self.target)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        if campaign is not None:
            self.name.setText(campaign.name)
            self.channel.setCurrentIndex(self.channel.findData(campaign.channel))
            self.starts.set_value(campaign.starts_on)
            self.ends.set_value(campaign.ends_on)
            index = self.owner.findData(campaign.owner_id)
            if index < 0 and campaign.owner_id is not None:
                self.owner.addItem(campaign.owner_name or "?", campaign.owner_id)
                index = self.owner.count() - 1
            self.owner.setCurrentIndex(max(index, 0))
            self.target.setValue(campaign.monthly_mql_target)
        else:
            self.starts.set_value(date.today())
            me = ctx.member_id
            if me is not None and self.owner.findData(me) >= 0:
                self.owner.setCurrentIndex(self.owner.findData(me))
        self.name.setFocus()

    def work(self) -> Callable[[], Any] | None:
        service = self.ctx.services.campaigns
        values = {
            "name": self.name.text(),
            "channel": Channel(self.channel.currentData()),
            "starts_on": self.starts.value(),
            "ends_on": self.ends.value(),
            "owner_id": self.owner.currentData(),
            "monthly_mql_target": self.target.value(),
            "campaign_id": self.campaign.id if self.campaign else None,
        }
        return lambda: service.save(**values)
