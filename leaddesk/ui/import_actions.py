"""Imports in the shell: File → Import campaign list… (Ctrl+I), File → Import history…, and files dropped
on the main window. `install_import_actions(window)` is called once by the main window;
`open_import_wizard(ctx, parent, path)` is what any page (the Marketing area's "Import list…") calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from leaddesk.domain.queries import LeadFilter
from leaddesk.ui.context import AppContext
from leaddesk.ui.i18n import tr

if TYPE_CHECKING:
    from leaddesk.ui.dialogs.import_wizard import ImportWizard
    from leaddesk.ui.widgets.import_batches import ImportHistoryDialog

#: Files the window accepts when dropped (the wizard's readers handle exactly these); the wizard itself
#: (and the spreadsheet readers behind it) is imported on first use, not when the window starts.
EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt")


def show_imported_leads(window: Any, batch_id: int) -> None:
    """Show the Marketing area's leads list filtered to one import."""
    if hasattr(window, "show_area"):
        window.show_area("marketing")
    page = getattr(window, "pages", {}).get("marketing")
    show_batch = getattr(page, "show_import_batch", None)
    if show_batch is not None:
        show_batch(batch_id)
        return
    browser = getattr(page, "browser", None)
    if browser is not None and hasattr(browser, "set_base_filter"):
        browser.set_base_filter(LeadFilter(import_batch_id=batch_id))


def open_import_wizard(
    ctx: AppContext, parent: QWidget | None, path: str | Path | None = None
) -> ImportWizard:
    """Open the import wizard (window-modal, non-blocking), on `path` if given."""
    window = parent.window() if parent is not None else None
    from leaddesk.ui.dialogs.import_wizard import ImportWizard

    wizard = ImportWizard(
        ctx,
        window or parent,
        path=path,
        on_show_leads=(lambda batch_id: show_imported_leads(window, batch_id))
        if window is not None
        else None,
    )
    if path is not None:
        wizard.inspect()
    wizard.open()
    return wizard


def importable(path: str | Path) -> bool:
    return Path(path).suffix.lower() in EXTENSIONS


class ImportActions(QObject):
    """The actions and the drop target of one main window."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("importActions")
        self.window = window
        self.ctx: AppContext = window.ctx  # type: ignore[attr-defined]
        self.wizard: ImportWizard | None = None
        self.history: ImportHistoryDialog | None = None
        self.import_action = QAction(tr("Import", "&Import campaign list…"), window)
        self.import_action.setObjectName("importListAction")
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setStatusTip(tr("Import", "Import leads from a spreadsheet or CSV file"))
        self.import_action.triggered.connect(lambda: self.open_wizard())
        self.history_action = QAction(tr("Import", "Import &history…"), window)
        self.history_action.setObjectName("importHistoryAction")
        self.history_action.setStatusTip(tr("Import", "Past imports; undo one"))
        self.history_action.triggered.connect(self.open_history)
        read_only = bool(getattr(self.ctx.services.maintenance, "read_only", False))
        self.import_action.setEnabled(not read_only)
        menu = getattr(window, "file_menu", None)
        if menu is not None:
            actions = menu.actions()
            before = actions[0] if actions else None
            for action in (self.import_action, self.history_action):
                menu.insertAction(before, action) if before is not None else menu.addAction(action)
            if before is not None:
                menu.insertSeparator(before)
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def open_wizard(self, path: str | Path | None = None) -> ImportWizard:
        self.wizard = open_import_wizard(self.ctx, self.window, path)
        return self.wizard

    def open_history(self) -> ImportHistoryDialog:
        from leaddesk.ui.widgets.import_batches import ImportHistoryDialog

        self.history = ImportHistoryDialog(self.ctx, self.window)
        self.history.open()
        return self.history

    @staticmethod
    def _dropped_file(event: QDropEvent | QDragEnterEvent) -> str | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        return files[0] if len(files) == 1 and importable(files[0]) else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and self.import_action.isEnabled():
            if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                drag: QDragEnterEvent = event  # type: ignore[assignment]
                if self._dropped_file(drag):
                    drag.acceptProposedAction()
                    return True
            elif event.type() == QEvent.Type.Drop:
                drop: QDropEvent = event  # type: ignore[assignment]
                path = self._dropped_file(drop)
                if path:
                    drop.acceptProposedAction()
                    self.open_wizard(path)
                    return True
        return super().eventFilter(watched, event)


def install_import_actions(window: QMainWindow) -> ImportActions:
    actions = ImportActions(window)
    window.import_actions = actions  # type: ignore[attr-defined]
    return actions
