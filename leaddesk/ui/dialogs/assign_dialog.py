"""Giving an open sales lead to another rep (a manager balancing the load, a rep passing a lead on).
The SLA clocks keep running: reassigning is not a new handoff."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.records import MemberRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.resources import icon


class AssignDialog(ServiceDialog):
    def __init__(
        self,
        ctx: AppContext,
        lead_id: int,
        lead_name: str,
        reps: Sequence[MemberRow],
        current_owner_id: int | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.lead_id = lead_id
        self.setWindowTitle(self.tr("Give to another rep — %1").replace("%1", lead_name))
        self.setWindowIcon(icon("team"))
        info = QLabel(self.tr("The SLA clocks keep running: the new rep inherits the time left."), self)
        info.setWordWrap(True)
        self.owner = QComboBox(self)
        self.owner.setObjectName("assignOwner")
        for rep in reps:
            if rep.id != current_owner_id and rep.active:
                self.owner.addItem(rep.name, rep.id)
        form = QFormLayout()
        form.addRow(self.tr("&Rep:"), self.owner)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Give"))
        self.ok_button.setDefault(True)
        self.owner.setFocus()

    def choose(self, member_id: int) -> None:
        self.owner.setCurrentIndex(self.owner.findData(member_id))

    def work(self) -> Callable[[], Any] | None:
        owner = self.owner.currentData()
        if owner is None:
            show_error(self, ValidationError(self.tr("There is no other active sales rep to give it to.")))
            return None
        lifecycle, lead_id, actor = self.ctx.services.lifecycle, self.lead_id, self.ctx.member_id
        return lambda: lifecycle.assign(lead_id, int(owner), actor_id=actor)
