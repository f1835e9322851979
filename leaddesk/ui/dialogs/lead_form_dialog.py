"""Typing in a new lead: the importer's normalisation and checks, and the duplicate check, before saving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QScrollArea, QVBoxLayout, QWidget

from leaddesk.domain.records import CampaignRow, LeadDraft, MemberRow
from leaddesk.services.lead_entry_service import DuplicateLeadError, LeadValidationError
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.lead_form import LeadForm


class LeadFormDialog(ServiceDialog):
    #: The user chose to open the existing lead instead of creating a duplicate (its id).
    open_existing = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        campaigns: list[CampaignRow],
        members: list[MemberRow],
        *,
        initial: LeadDraft | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle(self.tr("New lead"))
        self.setWindowIcon(icon("add"))
        self.form = LeadForm(campaigns, members, self)
        self.form.set_draft(initial or LeadDraft(marketing_owner_id=ctx.member_id))
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Save lead"))
        self.allow_duplicate = False
        self.duplicate_box: QMessageBox | None = None
        self.resize(520, 640)

    def work(self) -> Callable[[], Any] | None:
        self.form.clear_problems()
        entry, draft, actor = self.ctx.services.lead_entry, self.form.draft(), self.ctx.member_id
        allow = self.allow_duplicate
        return lambda: entry.create(draft, actor_id=actor, allow_duplicate=allow)

    def handle_error(self, exc: BaseException) -> bool:
        if isinstance(exc, LeadValidationError):
            self.form.show_problems([(p.field, p.message) for p in exc.problems])
            return True
        if isinstance(exc, DuplicateLeadError):
            self._ask_duplicate(exc)
            return True
        return False

    def _ask_duplicate(self, exc: DuplicateLeadError) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Possible duplicate"))
        box.setText(str(exc))
        box.setInformativeText(self.tr("Open the existing lead, or save this one anyway?"))
        open_button = box.addButton(self.tr("Open existing"), QMessageBox.ButtonRole.AcceptRole)
        save_button = box.addButton(self.tr("Save anyway"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        lead_id = exc.match.lead_id

        def chosen(button: Any) -> None:
            if button is open_button:
                self.open_existing.emit(lead_id)
                self.reject()
            elif button is save_button:
                self.allow_duplicate = True
                self.submit()

        box.buttonClicked.connect(chosen)
        self.duplicate_box = box
        box.open()
