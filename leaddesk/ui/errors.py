"""The one place that decides how an error is shown: a user error as a clear message, anything else
as a bug with copyable details (and logged)."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from leaddesk.domain.errors import UserError
from leaddesk.ui.i18n import tr

log = logging.getLogger("leaddesk.ui")


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> QMessageBox:
    """Show `exc` without blocking (window-modal); returns the box so tests can read and close it."""
    box = QMessageBox(parent)
    box.setWindowTitle(title or tr("Errors", "LeadDesk"))
    if isinstance(exc, UserError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(str(exc))
    else:
        log.error("Unexpected error", exc_info=exc)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setText(tr("Errors", "Something went wrong that LeadDesk did not expect. Nothing was saved."))
        box.setInformativeText(tr("Errors", "Please send the details below to whoever looks after LeadDesk."))
        box.setDetailedText("".join(traceback.format_exception(exc)))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box
