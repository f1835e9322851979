"""Start-up: the database failed its integrity check. Say what is wrong and offer the newest good backup."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.opening import DamagedDatabaseError
from leaddesk.storage.backup import parse_backup_name
from leaddesk.ui.formatting import format_datetime


class DamagedDatabaseDialog(QDialog):
    """`choice` is RESTORE (restore `error.backup`), START_EMPTY (move the file aside) or None (quit)."""

    RESTORE = "restore"
    START_EMPTY = "start_empty"

    def __init__(self, error: DamagedDatabaseError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error = error
        self.choice: str | None = None
        self.setWindowTitle(self.tr("The database is damaged"))
        self.setObjectName("damagedDatabaseDialog")

        title = QLabel(self.tr("LeadDesk did not open the database, because it is damaged."), self)
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        title.setWordWrap(True)
        what = QLabel(" ".join(error.integrity.message.split()), self)
        what.setObjectName("whatIsWrong")
        what.setWordWrap(True)
        what.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(what)
        if error.integrity.problems:
            details = QPlainTextEdit("\n".join(error.integrity.problems), self)
            details.setObjectName("problems")
            details.setReadOnly(True)
            details.setMaximumHeight(110)
            layout.addWidget(details)
        aside = QLabel(
            self.tr(
                "Whatever you choose, the damaged file is kept beside it as %1 and never deleted, so a "
                "specialist can still look at it."
            ).replace("%1", error.db_path.name + ".damaged"),
            self,
        )
        aside.setWordWrap(True)
        layout.addWidget(aside)

        self.restore_button: QCommandLinkButton | None = None
        if error.backup is not None:
            info = parse_backup_name(error.backup)
            when = format_datetime(info.taken_at) if info else error.backup.name
            self.restore_button = QCommandLinkButton(
                self.tr("Restore the newest good backup"),
                self.tr("From %1 (%2). Changes made after it are lost.")
                .replace("%1", when)
                .replace("%2", error.backup.name),
                self,
            )
            self.restore_button.setObjectName("restoreButton")
            self.restore_button.clicked.connect(lambda: self._choose(self.RESTORE))
            layout.addWidget(self.restore_button)
        else:
            none = QLabel(
                self.tr("No backup in %1 passes the check.").replace("%1", str(error.backups_dir)), self
            )
            none.setObjectName("noBackup")
            none.setWordWrap(True)
            layout.addWidget(none)
        self.empty_button = QCommandLinkButton(
            self.tr("Move it aside and start with an empty database"),
            self.tr("Only if there is no backup worth restoring."),
            self,
        )
        self.empty_button.setObjectName("startEmptyButton")
        self.empty_button.clicked.connect(lambda: self._choose(self.START_EMPTY))
        layout.addWidget(self.empty_button)
        self.quit_button = QPushButton(self.tr("Quit and leave everything as it is"), self)
        self.quit_button.setObjectName("quitButton")
        self.quit_button.clicked.connect(self.reject)
        layout.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignRight)
        if self.restore_button is not None:
            self.restore_button.setDefault(True)
            self.restore_button.setFocus()
        self.resize(560, 360)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
