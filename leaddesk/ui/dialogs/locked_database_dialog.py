"""Start-up: another LeadDesk has the database file open. Say who, and offer to open it read-only."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from leaddesk.storage.instance_lock import AlreadyOpenError


class LockedDatabaseDialog(QMessageBox):
    """`exec()`, then `read_only_chosen` tells whether to open the file read-only."""

    def __init__(self, error: AlreadyOpenError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockedDatabaseDialog")
        self.setIcon(QMessageBox.Icon.Information)
        self.setWindowTitle(self.tr("The database is already open"))
        who = error.holder.describe() if error.holder else self.tr("another LeadDesk")
        self.setText(self.tr("%1 has this database open.").replace("%1", who))
        self.setInformativeText(
            self.tr(
                "Only one LeadDesk at a time can change a database file. You can open it read-only to "
                "look things up, or close it there first. To work on the same leads from several PCs, "
                "use the PostgreSQL team mode."
            )
        )
        self.setDetailedText(str(error))
        self.read_only_button: QPushButton = self.addButton(
            self.tr("Open read-only"), QMessageBox.ButtonRole.AcceptRole
        )
        self.read_only_button.setObjectName("openReadOnly")
        self.quit_button: QPushButton = self.addButton(self.tr("Quit"), QMessageBox.ButtonRole.RejectRole)
        self.quit_button.setObjectName("quit")
        self.setDefaultButton(self.read_only_button)

    @property
    def read_only_chosen(self) -> bool:
        return self.clickedButton() is self.read_only_button
