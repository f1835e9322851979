"""One chart on screen: the image the chart renderer made of it (`ChartImage`), or a short message while
there is none (loading, failed).

The app's process never draws a chart nor imports matplotlib: the renderer's worker processes do, at the
size the canvas has (in physical pixels). When the canvas is resized the image it has is shown scaled
until the renderer sends one of the new size (`ChartCanvas.resized`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedLayout, QWidget

from leaddesk.services.charts.palette import Palette, palette_for
from leaddesk.services.charts.render_processes import ChartImage


def is_dark(widget: QWidget) -> bool:
    """True when the widget's palette is a dark one (the window colour is dark)."""
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


def chart_palette(widget: QWidget) -> Palette:
    """The chart colours that suit the widget's palette."""
    return palette_for(is_dark(widget))


class ChartView(QWidget):
    """Paints a chart image, scaled to the widget when their sizes differ."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._qimage: QImage | None = None
        self._pixels: bytes = b""  # the QImage reads these bytes: kept as long as it is shown

    def set_image(self, image: ChartImage) -> None:
        self._pixels = image.rgba
        qimage = QImage(
            self._pixels, image.width, image.height, image.width * 4, QImage.Format.Format_RGBA8888
        )
        qimage.setDevicePixelRatio(image.ratio)
        self._qimage = qimage
        self.update()

    def image_size(self) -> tuple[int, int] | None:
        return None if self._qimage is None else (self._qimage.width(), self._qimage.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        image = self._qimage
        if image is None:
            painter.fillRect(event.rect(), self.palette().color(QPalette.ColorRole.Window))
            return
        ratio = image.devicePixelRatio() or 1.0
        if (round(self.width() * ratio), round(self.height() * ratio)) == (image.width(), image.height()):
            painter.drawImage(0, 0, image)
        else:  # resized: the old image stretched until the new one arrives
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(self.rect()), image)


class ChartCanvas(QWidget):
    """Shows one chart's image, or a short message while there is none (loading, no data)."""

    #: The canvas's size (or its screen's pixel ratio) changed and differs from its image's: an image of
    #: the new size is wanted.
    resized = Signal(str)

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
        self.view = ChartView(self)
        self._stack.addWidget(self.view)
        #: The image shown (None while a message shows instead).
        self.image: ChartImage | None = None

    def show_message(self, text: str) -> None:
        """Show `text` instead of the chart (which is dropped: nothing brings it back but a new one)."""
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)
        self.image = None

    @property
    def texts(self) -> tuple[str, ...]:
        """The chart's texts (title, labels, values), as a screen reader reads them."""
        return self.image.texts if self.image is not None else ()

    def pixel_ratio(self) -> float:
        """Physical pixels per logical pixel of the screen the canvas is on."""
        return self.devicePixelRatioF() or 1.0

    def figure_size(self) -> tuple[int, int]:
        """The size in (physical) pixels a chart is shown at here now."""
        ratio = self.pixel_ratio()
        return round(self.width() * ratio), round(self.height() * ratio)

    def needs_new_image(self) -> bool:
        """Whether the image shown was made for another size than the canvas has now."""
        return self.image is not None and (self.image.width, self.image.height) != self.figure_size()

    def set_image(self, image: ChartImage) -> None:
        self.image = image
        self.view.set_image(image)
        self.view.setAccessibleName(image.texts[0] if image.texts else "")
        self.view.setAccessibleDescription("; ".join(image.texts[1:]))
        self._stack.setCurrentWidget(self.view)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.needs_new_image():
            self.resized.emit(self.name)

    def event(self, event: QEvent) -> bool:
        # Moved to a screen of another pixel ratio: the same logical size, other physical pixels.
        if event.type() == QEvent.Type.DevicePixelRatioChange and self.needs_new_image():
            self.resized.emit(self.name)
        return super().event(event)
