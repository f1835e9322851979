"""A matplotlib figure on a Qt canvas.

matplotlib and its Qt backend are imported the first time a chart is shown, not when the window starts:
the import takes a good part of a second. Figures are built off the GUI thread (by the Qt-free builders of
`leaddesk.services.charts`); the canvas only draws them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedLayout, QWidget


def is_dark(widget: QWidget) -> bool:
    """True when the widget's palette is a dark one (the window colour is dark)."""
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


def chart_palette(widget: QWidget) -> Any:
    """The chart colours (`leaddesk.services.charts.Palette`) that suit the widget's palette."""
    from leaddesk.services.charts.palette import palette_for

    return palette_for(is_dark(widget))


class ChartCanvas(QWidget):
    """Shows one figure, or a short message while there is none (loading, no data)."""

    def __init__(self, name: str, parent: QWidget | None = None, *, min_height: int = 260) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(f"chart_{name}")
        self.setMinimumHeight(min_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._stack = QStackedLayout(self)
        self.message = QLabel(self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: palette(placeholder-text);")
        self._stack.addWidget(self.message)
        self.canvas: Any = None
        self.figure: Any = None

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def set_figure(self, figure: Any) -> None:
        """Show `figure` (a matplotlib `Figure`), replacing the one shown before."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        old = self.canvas
        self.figure = figure
        self.canvas = FigureCanvasQTAgg(figure)
        self.canvas.setParent(self)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(10, 10)
        self._stack.addWidget(self.canvas)
        self._stack.setCurrentWidget(self.canvas)
        if old is not None:
            self._stack.removeWidget(old)
            old.figure.clear()
            old.deleteLater()

    def draw_now(self) -> None:
        """Render the figure at once unless the canvas already holds it rendered at its current size (tests
        and benchmarks; the window draws on its next paint)."""
        canvas = self.canvas
        if canvas is None:
            return
        renderer = getattr(canvas, "renderer", None)
        if (
            renderer is not None
            and not self.figure.stale
            and not getattr(canvas, "_draw_pending", False)
            and (int(renderer.width), int(renderer.height)) == canvas.get_width_height(physical=True)
        ):
            canvas.update()  # up to date: a paint shows the rendered image again
            return
        if getattr(canvas, "_draw_pending", False):
            canvas._draw_idle()  # the queued draw, now rather than again on the next paint
        else:
            canvas.draw()
