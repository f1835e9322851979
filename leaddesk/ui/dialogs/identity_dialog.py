"""'Who are you?': pick yourself among the team members, or add yourself to an empty team."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import Role
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import role_label


class IdentityDialog(QDialog):
    NEW = -1

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle(self.tr("Who are you?"))
        intro = QLabel(
            self.tr(
                "LeadDesk records who hands off, accepts and contacts each lead. "
                "Choose yourself; this PC will remember."
            )
        )
        intro.setWordWrap(True)
        self.members = QComboBox(self)
        for m in ctx.services.team.list_members(active_only=True):
            self.members.addItem(f"{m.name} — {role_label(m.role)}", m.id)
        self.members.addItem(self.tr("Someone new…"), self.NEW)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("First and last name"))
        self.role = QComboBox(self)
        for role in Role:
            self.role.addItem(role_label(role), role.value)
        self.form = QFormLayout()
        self.form.addRow(self.tr("I am:"), self.members)
        self.form.addRow(self.tr("Name:"), self.name)
        self.form.addRow(self.tr("Role:"), self.role)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(buttons)
        self.members.currentIndexChanged.connect(self._toggle_new)
        self._toggle_new()

    def _toggle_new(self) -> None:
        new = self.members.currentData() == self.NEW
        for widget in (self.name, self.role):
            widget.setVisible(new)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(new)

    def _accept(self) -> None:
        try:
            member_id = self.members.currentData()
            if member_id == self.NEW:
                member = self._ctx.services.team.add_member(self.name.text(), Role(self.role.currentData()))
            else:
                member = self._ctx.services.team.get(member_id)
        except Exception as exc:
            show_error(self, exc)
            return
        self._ctx.set_member(member)
        self.accept()
