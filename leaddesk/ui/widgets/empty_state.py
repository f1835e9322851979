"""A message in the middle of a list while it has no rows, so an empty list does not look broken."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel


class EmptyState(QLabel):
    """Shown over `view`'s viewport by its owner when the list is known to be empty (`show_if`).

    It is the view's child, kept on the viewport's rectangle, not the viewport's: a view scrolls its
    viewport's children with the contents, and an empty wide table scrolled sideways took the message away.
    """

    def __init__(self, view: QAbstractScrollArea, text: str = "") -> None:
        super().__init__(view)
        self._view = view
        self.setObjectName("emptyState")
        self.setTextFormat(Qt.TextFormat.PlainText)  # it may quote what the user typed
        self.setText(text)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: palette(placeholder-text); font-size: 14px; padding: 24px;")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        view.viewport().installEventFilter(self)
        self.hide()

    def show_if(self, empty: bool, text: str | None = None) -> None:
        if text is not None:
            self.setText(text)
        self.setGeometry(self._view.viewport().geometry())
        self.setVisible(empty)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self.setGeometry(self._view.viewport().geometry())
        return False
