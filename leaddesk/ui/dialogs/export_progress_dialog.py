"""Running an export off the GUI thread with a progress bar and Cancel.

The export function receives `progress(done, total)` and `should_cancel()`; the services write to a
temporary file and rename it at the end, so a cancelled export leaves nothing behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from leaddesk.services.export.cells import ExportCancelled
from leaddesk.ui.background import Cancelled, TaskControl, run_task
from leaddesk.ui.errors import show_error

ExportWork = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class ExportProgressDialog(QProgressDialog):
    #: The export finished; carries its result.
    succeeded = Signal(object)
    #: The export was cancelled (no file was written).
    cancelled_export = Signal()
    #: The export failed (the error was shown); carries the exception.
    failed = Signal(object)
    #: Progress reported by the export (done, total).
    progressed = Signal(int, int)

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(label, self.tr("Cancel"), 0, 100, parent)
        self.setObjectName("exportProgress")
        self.setWindowTitle(self.tr("Exporting"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setValue(0)
        self.control: TaskControl | None = None
        self.error_box: Any = None
        self._updating = False
        self.canceled.connect(self._cancel)

    def start(self, work: ExportWork) -> TaskControl:
        """Run `work(progress, should_cancel)` on a worker; the dialog shows its progress."""

        def task(control: TaskControl) -> Any:
            def should_cancel() -> bool:
                return control.cancelled

            last = [0.0]

            def progress(done: int, total: int) -> None:
                if control.cancelled:
                    raise ExportCancelled()
                # at most ~20 updates a second reach the GUI, however often the export reports
                now = time.monotonic()
                if done >= total or now - last[0] >= 0.05:
                    last[0] = now
                    control.progress(done, total)

            return work(progress, should_cancel)

        self.show()
        self.control = run_task(task, on_done=self._done, on_error=self._error, on_progress=self._progress)
        return self.control

    def _progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)
        if self._updating:  # setValue of a modal dialog processes events, which may bring the next one
            return
        self._updating = True
        try:
            if total > 0:
                self.setMaximum(total)
                self.setValue(min(done, total))
        finally:
            self._updating = False

    def _cancel(self) -> None:
        if self.control is not None:
            self.control.cancel()
        self.setLabelText(self.tr("Cancelling…"))

    def _done(self, result: Any) -> None:
        self.setValue(self.maximum())
        self.close()
        self.succeeded.emit(result)

    def _error(self, exc: BaseException) -> None:
        self.close()
        if isinstance(exc, ExportCancelled | Cancelled):
            self.cancelled_export.emit()
            return
        self.error_box = show_error(self.parentWidget(), exc)
        self.failed.emit(exc)
