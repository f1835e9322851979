"""File → Import history…: the imports, newest first, with Undo (in the background, after a confirmation)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.importing.import_service import BatchRow
from leaddesk.services.importing.undo import UndoBlockedError, UndoResult
from leaddesk.ui.background import run_in_background, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_datetime, format_int
from leaddesk.ui.widgets.empty_state import EmptyState

COLUMNS = (
    "#",
    "Imported",
    "File",
    "By",
    "Campaign",
    "Read",
    "Created",
    "Updated",
    "Duplicates",
    "Rejected",
    "State",
)


class ImportHistoryDialog(QDialog):
    loaded = Signal()
    undone = Signal(object)  # UndoResult
    failed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importHistory")
        self.setWindowTitle(self.tr("Import history"))
        self.resize(1000, 420)
        self._ctx = ctx
        self.rows: list[BatchRow] = []
        self.last_box: Any = None
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("importBatches")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._selection)
        self.empty_state = EmptyState(
            self.table,
            self.tr("No imports yet. File → Import campaign list… (Ctrl+I), or drop a file on the window."),
        )
        self.undo_button = QPushButton(self.tr("&Undo this import…"), self)
        self.undo_button.setObjectName("undoImport")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.ask_undo)
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.accept)
        self.status = QLabel(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        service = self._ctx.services.imports
        run_in_background(service.batches, on_done=self._show, on_error=self._fail)

    def _show(self, rows: list[BatchRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, b in enumerate(rows):
            state = (
                self.tr("Undone %1").replace("%1", format_datetime(b.undone_at))
                if b.undone_at
                else self.tr("Active")
            )
            file_name = b.file_name + (f" [{b.sheet}]" if b.sheet else "")
            values = (
                str(b.id), format_datetime(b.created_at), file_name, b.member_name or "",
                b.campaign_name or "", format_int(b.rows_read), format_int(b.created), format_int(b.updated),
                format_int(b.duplicates), format_int(b.rejected), state,
            )  # fmt: skip
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.empty_state.show_if(not rows)
        self._selection()
        self.loaded.emit()

    def selected(self) -> BatchRow | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.rows[min(rows)] if rows else None

    def _selection(self) -> None:
        batch = self.selected()
        self.undo_button.setEnabled(
            batch is not None and not batch.undone and not self._ctx.services.maintenance.read_only
        )

    def ask_undo(self) -> QMessageBox | None:
        batch = self.selected()
        if batch is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Undo import"),
            self.tr(
                "Undo import #%1 (%2)? The %3 leads it created are removed and the leads it changed "
                "get their values back. A backup is made first."
            )
            .replace("%1", str(batch.id))
            .replace("%2", batch.file_name)
            .replace("%3", format_int(batch.created)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.accepted.connect(lambda: self.undo(batch.id))
        box.open()
        self.last_box = box
        return box

    def undo(self, batch_id: int, *, keep_worked: bool = False) -> None:
        service, me = self._ctx.services.imports, self._ctx.member_id
        self.undo_button.setEnabled(False)
        self.status.setText(self.tr("Undoing…"))
        run_task(
            lambda _c: service.undo(batch_id, actor_id=me, keep_worked=keep_worked),
            on_done=self._undone,
            on_error=lambda e: self._undo_failed(batch_id, e),
        )

    def _undone(self, result: UndoResult) -> None:
        text = self.tr("Import #%1 undone: %2 leads removed, %3 restored.").replace(
            "%1", str(result.batch_id)
        )
        text = text.replace("%2", format_int(result.deleted)).replace("%3", format_int(result.restored))
        if result.kept_leads:
            text += " " + self.tr("%1 worked leads were kept.").replace("%1", format_int(result.kept_leads))
        self.status.setText(text)
        self._ctx.notify_changed()
        self.refresh()
        self.undone.emit(result)

    def _undo_failed(self, batch_id: int, exc: BaseException) -> None:
        self.status.setText("")
        if isinstance(exc, UndoBlockedError):
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                self.tr("Undo import"),
                str(exc),
                QMessageBox.StandardButton.Cancel,
                self,
            )
            keep = box.addButton(
                self.tr("Keep those leads, undo the rest"), QMessageBox.ButtonRole.AcceptRole
            )
            keep.setObjectName("keepWorked")
            keep.clicked.connect(lambda: self.undo(batch_id, keep_worked=True))
            box.open()
            self.last_box = box
        else:
            self.last_box = show_error(self, exc, self.tr("Undo import"))
        self._selection()
        self.failed.emit(exc)

    def _fail(self, exc: BaseException) -> None:
        self.last_box = show_error(self, exc, self.tr("Import history"))
        self.failed.emit(exc)
