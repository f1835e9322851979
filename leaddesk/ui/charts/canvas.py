"""A matplotlib figure on a Qt canvas.

matplotlib and its Qt backend are imported the first time a chart is shown, not when the window starts:
the import takes a good part of a second. Figures are built off the GUI thread (by the Qt-free builders of
`leaddesk.services.charts`), and may be rendered there too (Agg, at the canvas's size): the canvas then
only shows the image it is given. It draws a figure itself only when it has to (another size, a figure
that changed): on its next paint, so a chart scrolled out of view is drawn when it comes into view. The
figure a new one replaces is handed back (not cleared), for the next one to be drawn on.
"""

from __future__ import annotations

from functools import cache
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

    def figure_size(self) -> tuple[int, int]:
        """The size in (physical) pixels a figure is shown at here now."""
        shown = self._stack.currentWidget() or self
        ratio = self.devicePixelRatioF() or 1.0
        return round(shown.width() * ratio), round(shown.height() * ratio)

    def set_figure(self, figure: Any) -> Any:
        """Show `figure` (a matplotlib `Figure`), replacing the one shown before. A figure already rendered
        by an Agg canvas at this size is shown as it is, without drawing it again. Returns the figure shown
        before (None if none), which nothing here draws any more."""
        old = self.canvas
        before = self.figure
        rendered = figure.canvas
        self.figure = figure
        self.canvas = _canvas_class()(figure)
        self.canvas.adopt(rendered)
        self.canvas.setParent(self)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(10, 10)
        self._stack.addWidget(self.canvas)
        self._stack.setCurrentWidget(self.canvas)
        if old is not None:
            self._stack.removeWidget(old)
            # Not `figure.clear()`: it rebuilds every axis' ticks only to drop them (tens of ms per chart
            # here on the GUI thread, holding the workers up). The figure is left to the garbage collector;
            # its image, the big part, goes now.
            old.renderer = None
            old._lastKey = None
            old.deleteLater()
        return before

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


@cache
def _canvas_class() -> Any:
    """`FigureCanvasQTAgg` (imported on first use) that keeps an image rendered elsewhere and draws only
    when painted."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from PySide6.QtGui import QResizeEvent

    base: Any = FigureCanvasQTAgg

    class QuickCanvas(base):  # type: ignore[misc]
        def adopt(self, rendered: Any) -> None:
            """Take over the image `rendered` (the figure's Agg canvas) drew, when it is up to date."""
            renderer = getattr(rendered, "renderer", None)
            if (
                isinstance(rendered, FigureCanvasAgg)
                and renderer is not None
                and not self.figure.stale
                and rendered.get_width_height(physical=True) == self.get_width_height(physical=True)
                and getattr(rendered, "_lastKey", None)
                == (*self.get_width_height(physical=True), self.figure.dpi)
            ):
                self.renderer = renderer
                self._lastKey = rendered._lastKey

        def _same_size(self, width: float, height: float) -> bool:
            w, h = self.figure.bbox.size
            return bool(abs(w - width) < 0.5 and abs(h - height) < 0.5)

        def resizeEvent(self, event: QResizeEvent) -> None:
            ratio = self.device_pixel_ratio
            size = event.size()
            if self.figure is not None and self._same_size(size.width() * ratio, size.height() * ratio):
                QWidget.resizeEvent(self, event)  # the figure has this size already: nothing to draw
                return
            super().resizeEvent(event)

        def draw_idle(self) -> None:
            # Drawn on the next paint, which Qt sends only to a canvas that is in view.
            if not (getattr(self, "_draw_pending", False) or getattr(self, "_is_drawing", False)):
                self._draw_pending = True
                self.update()

    return QuickCanvas
