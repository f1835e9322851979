"""The PostgreSQL server asks for a password: ask for it, and offer to keep it in the system keyring."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from leaddesk.storage.secrets import keyring_available


class PasswordDialog(QDialog):
    def __init__(self, location: str, *, refused: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordDialog")
        self.setWindowTitle(self.tr("Password for the team database"))
        intro = QLabel(self.tr("The server %1 asks for your password.").replace("%1", location), self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if refused:
            wrong = QLabel(self.tr("The server refused the password. Please try again."), self)
            wrong.setObjectName("refused")
            wrong.setStyleSheet("color: #b00020;")
            layout.addWidget(wrong)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.password_edit)
        self.remember = QCheckBox(self.tr("Remember it in this PC's system keyring"), self)
        self.remember.setObjectName("remember")
        available = keyring_available()
        self.remember.setChecked(available)
        self.remember.setEnabled(available)
        if not available:
            self.remember.setToolTip(self.tr("No system keyring is available on this PC."))
        layout.addWidget(self.remember)
        note = QLabel(self.tr("LeadDesk never writes the password into its settings or its log."), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password_edit.setFocus()

    def password(self) -> str:
        return self.password_edit.text()

    def remember_chosen(self) -> bool:
        return self.remember.isEnabled() and self.remember.isChecked()
