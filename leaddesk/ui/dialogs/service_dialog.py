"""A dialog whose OK runs a service call off the GUI thread: OK is disabled while it runs, a user error is
shown and the dialog stays open to fix it, success emits `succeeded(result)` and closes the dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error

#: The narrowest such a dialog gets, in average characters of its font: a campaign's name or a typed reason
#: shows whole, at any font size.
MIN_WIDTH_CHARS = 60


class ServiceDialog(QDialog):
    #: The service call succeeded; carries its result.
    succeeded = Signal(object)
    #: The service call failed (the error was shown); carries the exception.
    failed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * MIN_WIDTH_CHARS)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.error_box: Any = None
        self._busy = False

    @property
    def ok_button(self) -> Any:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def work(self) -> Callable[[], Any] | None:
        """The call to run (built from the form on the GUI thread), or None to stay open."""
        raise NotImplementedError

    def handle_error(self, exc: BaseException) -> bool:
        """Return True when the error was handled here (else it is shown as usual)."""
        return False

    def submit(self) -> None:
        if self._busy:
            return
        call = self.work()
        if call is None:
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        run_in_background(call, on_done=self._finished, on_error=self._error)

    def _finished(self, result: Any) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        self.ctx.notify_changed()
        self.succeeded.emit(result)
        self.accept()

    def _error(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        if not self.handle_error(exc):
            self.error_box = show_error(self, exc)
        self.failed.emit(exc)
