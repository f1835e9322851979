"""A layout that places its widgets in a row and wraps them onto more rows when the space is narrow (the
toolbars and strips above the charts, so the areas fit small windows)."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    def __init__(
        self, parent: QWidget | None = None, *, spacing: int = 6, stretch_last: bool = False
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        #: Give the last item of each row the rest of the row (e.g. a title field).
        self.stretch_last = stretch_last
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:
        width = sum(i.sizeHint().width() for i in self._items) + self._spacing * max(len(self._items) - 1, 0)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    @staticmethod
    def _hint(item: QLayoutItem, available: int) -> QSize:
        """The item's preferred size, narrowed to the row when it is wider (a nested flow then wraps)."""
        hint = item.sizeHint()
        if available > 0 and hint.width() > available:
            width = max(available, item.minimumSize().width())
            height = item.heightForWidth(width) if item.hasHeightForWidth() else hint.height()
            return QSize(width, max(height, hint.height() if not item.hasHeightForWidth() else height))
        return hint

    def _place(self, rect: QRect, *, apply: bool) -> int:
        x, y, row_height = rect.x(), rect.y(), 0
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        for item in self._items:
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = self._hint(item, rect.width())
            if x + hint.width() > rect.right() + 1 and rows[-1]:
                x, y = rect.x(), y + row_height + self._spacing
                row_height = 0
                rows.append([])
            rows[-1].append((item, hint))
            x += hint.width() + self._spacing
            row_height = max(row_height, hint.height())
        if apply:
            top = rect.y()
            for row in rows:
                height = max((h.height() for _i, h in row), default=0)
                left = rect.x()
                for n, (item, hint) in enumerate(row):
                    width = hint.width()
                    if self.stretch_last and n == len(row) - 1:
                        width = max(width, rect.right() + 1 - left)
                    item.setGeometry(
                        QRect(QPoint(left, top + (height - hint.height()) // 2), QSize(width, hint.height()))
                    )
                    left += width + self._spacing
                top += height + self._spacing
        return y + row_height - rect.y()
