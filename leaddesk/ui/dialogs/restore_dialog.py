"""File → Restore…: choose a backup to put in place of the database (the current file is kept aside)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.maintenance_service import BackupEntry
from leaddesk.ui.formatting import format_datetime, format_decimal, format_int
from leaddesk.ui.i18n import tr


def reason_label(reason: str) -> str:
    return {
        "manual": tr("DataSafety", "Backed up by hand"),
        "daily": tr("DataSafety", "Daily"),
        "pre-migration": tr("DataSafety", "Before an upgrade"),
        "pre-import": tr("DataSafety", "Before an import"),
        "pre-undo": tr("DataSafety", "Before undoing an import"),
        "pre-restore": tr("DataSafety", "Before a restore"),
    }.get(reason, reason)


def size_label(size: int) -> str:
    if size >= 1_048_576:
        return tr("DataSafety", "%1 MB").replace("%1", format_decimal(size / 1_048_576))
    return tr("DataSafety", "%1 kB").replace("%1", format_int(max(1, size // 1024)))


class RestoreDialog(QDialog):
    def __init__(
        self,
        entries: list[BackupEntry],
        db_name: str,
        *,
        preselect: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle(self.tr("Restore a backup"))
        self._entries = entries
        self._chosen_file: Path | None = None
        intro = QLabel(
            self.tr(
                "The backup you choose replaces the database; changes made after it are lost. The current "
                "file is kept beside it as %1.before-restore-… and never deleted."
            ).replace("%1", db_name),
            self,
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(entries), 3, self)
        self.table.setObjectName("backups")
        self.table.setHorizontalHeaderLabels([self.tr("Taken"), self.tr("Kind"), self.tr("Size")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, entry in enumerate(entries):
            when = QTableWidgetItem(format_datetime(entry.taken_at))
            when.setToolTip(str(entry.path))
            self.table.setItem(row, 0, when)
            self.table.setItem(row, 1, QTableWidgetItem(reason_label(entry.reason)))
            size = QTableWidgetItem(size_label(entry.size_bytes))
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 2, size)
        self.empty = QLabel(self.tr("There are no backups yet."), self)
        self.empty.setVisible(not entries)
        self.other = QPushButton(self.tr("Choose another file…"), self)
        self.other.setObjectName("chooseFile")
        self.other.clicked.connect(self._choose_file)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Restore"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.other, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)
        rows = [i for i, e in enumerate(entries) if preselect is not None and e.path == preselect]
        if rows:
            self.table.selectRow(rows[0])
        elif entries:
            self.table.selectRow(0)
        self._update()
        self.resize(560, 400)

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.selected_path() is not None)

    def _choose_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a LeadDesk backup"),
            "",
            self.tr("LeadDesk databases (*.sqlite3 *.db);;All files (*)"),
        )
        if name:
            self._chosen_file = Path(name)
            self.accept()

    def selected_path(self) -> Path | None:
        if self._chosen_file is not None:
            return self._chosen_file
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self._entries[rows[0].row()].path
