"""A message in the middle of a list while it has no rows, so an empty list does not look broken."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QVBoxLayout


class EmptyState(QLabel):
    """Shown over `view`'s viewport by its owner when the list is known to be empty (`show_if`)."""

    def __init__(self, view: QAbstractScrollArea, text: str = "") -> None:
        super().__init__(text, view.viewport())
        self.setObjectName("emptyState")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: palette(placeholder-text); font-size: 14px; padding: 24px;")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(view.viewport())
        layout.addWidget(self)
        self.hide()

    def show_if(self, empty: bool, text: str | None = None) -> None:
        if text is not None:
            self.setText(text)
        self.setVisible(empty)
