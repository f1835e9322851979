"""Handing leads to sales: a chosen sales owner, or round-robin among the active sales members who are
not absent today; a note for sales travels with the leads. The SLA clocks start at the handoff."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from leaddesk.domain.enums import Role
from leaddesk.domain.records import MemberRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.formatting import format_int
from leaddesk.ui.resources import icon

ROUND_ROBIN = None


class HandoffDialog(ServiceDialog):
    def __init__(
        self,
        ctx: AppContext,
        lead_ids: Sequence[int],
        members: list[MemberRow],
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.lead_ids = list(lead_ids)
        self.setWindowTitle(self.tr("Hand off to sales"))
        self.setWindowIcon(icon("handoff"))
        count = len(self.lead_ids)
        self.summary = QLabel(
            self.tr("Hand %Ln lead(s) to sales. The SLA clocks start now.", None, count).replace(
                str(count), format_int(count)
            ),
            self,
        )
        self.summary.setWordWrap(True)
        self.owner = QComboBox(self)
        self.owner.setObjectName("handoffOwner")
        present = [m for m in members if m.role == Role.SALES and m.active and not m.is_absent_on(today)]
        absent = [m for m in members if m.role == Role.SALES and m.active and m.is_absent_on(today)]
        self.owner.addItem(
            self.tr("Round-robin among %Ln present sales member(s)", None, len(present)), ROUND_ROBIN
        )
        for m in present:
            self.owner.addItem(m.name, m.id)
        model = self.owner.model()
        for m in absent:
            self.owner.addItem(self.tr("%1 (absent today)").replace("%1", m.name), m.id)
            if isinstance(model, QStandardItemModel):
                item = model.item(self.owner.count() - 1)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("handoffNote")
        self.note.setPlaceholderText(self.tr("What should sales know? (need, budget, best time to call…)"))
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(90)
        form = QFormLayout()
        form.addRow(self.tr("Sales owner:"), self.owner)
        form.addRow(self.tr("Note for sales:"), self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Hand off"))
        self.resize(460, 260)

    def choose_owner(self, member_id: int | None) -> None:
        self.owner.setCurrentIndex(self.owner.findData(member_id))

    def work(self) -> Callable[[], Any] | None:
        lifecycle = self.ctx.services.lifecycle
        ids, owner, note, actor = (
            self.lead_ids,
            self.owner.currentData(),
            self.note.toPlainText(),
            self.ctx.member_id,
        )
        return lambda: lifecycle.handoff(ids, owner_id=owner, note=note.strip() or None, actor_id=actor)
