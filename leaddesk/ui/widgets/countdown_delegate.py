"""How an SLA clock looks: a coloured badge with a glyph and a word (never colour alone), the countdown
in business time, and the due instant; and the delegate that paints them in the queue.

The badge colours are mid-tone fills with white glyphs and text, readable on light and dark palettes
alike; the countdown and due lines use the palette's own text colours.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from leaddesk.services.sla.clock import Clock, ClockKind, ClockState
from leaddesk.ui.formatting import format_datetime, format_hours, local_datetime
from leaddesk.ui.i18n import tr

Index = QModelIndex | QPersistentModelIndex

#: Role carrying the cell's `Clock` (or None).
CLOCK_ROLE = Qt.ItemDataRole.UserRole + 20
#: Role carrying the second line under the countdown ("accept by 14:30").
DUE_ROLE = Qt.ItemDataRole.UserRole + 21

STATE_COLORS: dict[ClockState, str] = {
    ClockState.ON_TRACK: "#2e7d32",
    ClockState.AT_RISK: "#b35c00",
    ClockState.BREACHED: "#c62828",
    ClockState.PAUSED: "#52667a",
    ClockState.MET: "#2e7d32",
    ClockState.MET_LATE: "#8a5a2b",
}


def state_color(state: ClockState) -> QColor:
    return QColor(STATE_COLORS[state])


def state_label(state: ClockState) -> str:
    return {
        ClockState.ON_TRACK: tr("Sla", "On track"),
        ClockState.AT_RISK: tr("Sla", "At risk"),
        ClockState.BREACHED: tr("Sla", "Breached"),
        ClockState.PAUSED: tr("Sla", "Paused"),
        ClockState.MET: tr("Sla", "Met"),
        ClockState.MET_LATE: tr("Sla", "Met late"),
    }[state]


def clock_kind_label(kind: ClockKind) -> str:
    return {ClockKind.ACCEPT: tr("Sla", "Accept"), ClockKind.CONTACT: tr("Sla", "First contact")}[kind]


def countdown_text(clock: Clock, paused_until: datetime | None = None) -> str:
    """The business time left (or late) in words: '3 h 20 min left', '45 min late', 'paused'."""
    hours = clock.seconds_left / 3600
    if clock.state in (ClockState.ON_TRACK, ClockState.AT_RISK):
        return tr("Sla", "%1 left").replace("%1", format_hours(hours))
    if clock.state == ClockState.BREACHED:
        return tr("Sla", "%1 late").replace("%1", format_hours(hours))
    if clock.state == ClockState.PAUSED:
        if paused_until is not None:
            return tr("Sla", "paused until %1").replace("%1", format_datetime(paused_until))
        return tr("Sla", "paused")
    if clock.state == ClockState.MET:
        return tr("Sla", "met with %1 to spare").replace("%1", format_hours(hours))
    return tr("Sla", "met %1 late").replace("%1", format_hours(hours))


def when_text(value: datetime, now: datetime) -> str:
    """An instant as people say it: '14:30' today, 'tomorrow 09:00', 'Mon 16:00' within the week,
    else the short date and time."""
    from PySide6.QtCore import QLocale

    local, today = local_datetime(value), local_datetime(now)
    assert local is not None and today is not None
    locale = QLocale()
    time_text = locale.toString(local.time(), QLocale.FormatType.ShortFormat)
    days = today.date().daysTo(local.date())
    if days == 0:
        return time_text
    if days == 1:
        return tr("Sla", "tomorrow %1").replace("%1", time_text)
    if days == -1:
        return tr("Sla", "yesterday %1").replace("%1", time_text)
    if -6 <= days <= 6:
        day = locale.dayName(local.date().dayOfWeek(), QLocale.FormatType.ShortFormat)
        return f"{day} {time_text}"
    return format_datetime(value)


def due_text(clock: Clock, now: datetime) -> str:
    """When the running clock falls due: 'accept by 14:30', 'reach by tomorrow 09:00', 'was due Mon 16:00'."""
    when = when_text(clock.due, now)
    if clock.state == ClockState.BREACHED:
        template = (
            tr("Sla", "accept was due %1")
            if clock.kind == ClockKind.ACCEPT
            else tr("Sla", "contact was due %1")
        )
    else:
        template = tr("Sla", "accept by %1") if clock.kind == ClockKind.ACCEPT else tr("Sla", "reach by %1")
    return template.replace("%1", when)


# --- painting -----------------------------------------------------------------------------------


def paint_glyph(painter: QPainter, rect: QRectF, state: ClockState, color: QColor) -> None:
    """A small shape telling the state apart without colour: dot, triangle, cross, bars, tick."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color, max(rect.width() / 7, 1.4))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    c = rect.center()
    r = min(rect.width(), rect.height()) / 2
    if state == ClockState.ON_TRACK:
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(c, r * 0.8, r * 0.8)
        painter.drawLine(c, QPointF(c.x(), c.y() - r * 0.5))
        painter.drawLine(c, QPointF(c.x() + r * 0.4, c.y()))
    elif state == ClockState.AT_RISK:
        path = QPainterPath()
        path.moveTo(c.x(), c.y() - r * 0.9)
        path.lineTo(c.x() + r * 0.95, c.y() + r * 0.8)
        path.lineTo(c.x() - r * 0.95, c.y() + r * 0.8)
        path.closeSubpath()
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.drawLine(QPointF(c.x(), c.y() - r * 0.3), QPointF(c.x(), c.y() + r * 0.2))
        painter.drawPoint(QPointF(c.x(), c.y() + r * 0.5))
    elif state == ClockState.BREACHED:
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(c, r * 0.85, r * 0.85)
        painter.drawLine(QPointF(c.x(), c.y() - r * 0.45), QPointF(c.x(), c.y() + r * 0.1))
        painter.drawPoint(QPointF(c.x(), c.y() + r * 0.45))
    elif state == ClockState.PAUSED:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        w = r * 0.45
        painter.drawRoundedRect(QRectF(c.x() - r * 0.7, c.y() - r * 0.75, w, r * 1.5), 1, 1)
        painter.drawRoundedRect(QRectF(c.x() + r * 0.25, c.y() - r * 0.75, w, r * 1.5), 1, 1)
    else:
        painter.setPen(pen)
        painter.drawLine(QPointF(c.x() - r * 0.7, c.y()), QPointF(c.x() - r * 0.15, c.y() + r * 0.55))
        painter.drawLine(
            QPointF(c.x() - r * 0.15, c.y() + r * 0.55), QPointF(c.x() + r * 0.75, c.y() - r * 0.6)
        )
    painter.restore()


def badge_width(metrics: QFontMetrics, state: ClockState) -> int:
    return metrics.horizontalAdvance(state_label(state)) + metrics.height() + 16


def paint_badge(painter: QPainter, rect: QRect, state: ClockState, font: QFont) -> QRect:
    """A rounded pill in the state's colour with a white glyph and the state's name; returns its rect."""
    bold = QFont(font)
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    height = metrics.height() + 6
    pill = QRect(rect.left(), rect.center().y() - height // 2 + 1, badge_width(metrics, state), height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(state_color(state))
    painter.drawRoundedRect(QRectF(pill), height / 2, height / 2)
    glyph = QRectF(
        pill.left() + 6,
        pill.center().y() - metrics.height() / 2 + 1,
        metrics.height() - 2,
        metrics.height() - 2,
    )
    paint_glyph(painter, glyph, state, QColor("white"))
    painter.setFont(bold)
    painter.setPen(QColor("white"))
    text_rect = pill.adjusted(int(glyph.width()) + 10, 0, -6, 0)
    painter.drawText(
        text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), state_label(state)
    )
    painter.restore()
    return pill


def state_icon(state: ClockState, size: int = 16) -> QIcon:
    """The state's glyph on a coloured disc, for labels and menus."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(state_color(state))
    painter.drawEllipse(QRectF(0, 0, size, size))
    paint_glyph(painter, QRectF(size * 0.2, size * 0.2, size * 0.6, size * 0.6), state, QColor("white"))
    painter.end()
    return QIcon(pixmap)


def _background(painter: QPainter, option: QStyleOptionViewItem) -> None:
    widget = option.widget
    style = widget.style() if widget is not None else None
    if style is not None:
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)


def _text_color(option: QStyleOptionViewItem, muted: bool = False) -> QColor:
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    if selected:
        return option.palette.color(QPalette.ColorRole.HighlightedText)
    if muted:
        return option.palette.color(QPalette.ColorRole.PlaceholderText)
    return option.palette.color(QPalette.ColorRole.Text)


class CountdownDelegate(QStyledItemDelegate):
    """The SLA cell: the state badge, the countdown in bold, and when the clock falls due below it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        clock = index.data(CLOCK_ROLE)
        if not isinstance(clock, Clock):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        painter.save()
        _background(painter, option)
        rect = option.rect.adjusted(8, 3, -6, -3)
        font = QFont(option.font)
        top = QRect(rect.left(), rect.top(), rect.width(), rect.height() // 2 + 1)
        pill = paint_badge(painter, top, clock.state, font)
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(_text_color(option))
        text_rect = QRect(pill.right() + 8, top.top(), max(rect.right() - pill.right() - 8, 0), top.height())
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(bold).elidedText(
                str(index.data() or ""), Qt.TextElideMode.ElideRight, text_rect.width()
            ),
        )
        painter.setFont(font)
        painter.setPen(_text_color(option, muted=True))
        bottom = QRect(rect.left() + 2, top.bottom() + 1, rect.width() - 2, rect.bottom() - top.bottom())
        painter.drawText(
            bottom,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(font).elidedText(
                str(index.data(DUE_ROLE) or ""), Qt.TextElideMode.ElideRight, bottom.width()
            ),
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        metrics = QFontMetrics(option.font)
        return QSize(max(size.width(), 230), metrics.height() * 2 + 16)


class TwoLineDelegate(QStyledItemDelegate):
    """A bold first line (DisplayRole) over a muted second one (SUBTITLE_ROLE), with an optional flame."""

    def __init__(self, subtitle_role: int, flame_role: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._subtitle_role = subtitle_role
        self._flame_role = flame_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        painter.save()
        _background(painter, option)
        rect = option.rect.adjusted(8, 3, -6, -3)
        font = QFont(option.font)
        bold = QFont(font)
        bold.setBold(True)
        top = QRect(rect.left(), rect.top(), rect.width(), rect.height() // 2 + 1)
        left = top.left()
        if self._flame_role is not None and index.data(self._flame_role):
            from leaddesk.ui.resources import icon

            size = QFontMetrics(bold).height()
            icon("hot").paint(painter, QRect(left, top.center().y() - size // 2 + 1, size, size))
            left += size + 4
        painter.setFont(bold)
        painter.setPen(_text_color(option))
        first = QRect(left, top.top(), max(top.right() - left, 0), top.height())
        painter.drawText(
            first,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(bold).elidedText(
                str(index.data() or ""), Qt.TextElideMode.ElideRight, first.width()
            ),
        )
        painter.setFont(font)
        painter.setPen(_text_color(option, muted=True))
        bottom = QRect(rect.left(), top.bottom() + 1, rect.width(), rect.bottom() - top.bottom())
        painter.drawText(
            bottom,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(font).elidedText(
                str(index.data(self._subtitle_role) or ""), Qt.TextElideMode.ElideRight, bottom.width()
            ),
        )
        painter.restore()


def wrapped_lines(text: str, font: QFont, width: int, max_lines: int) -> list[str]:
    """`text` broken into at most `max_lines` lines of `width` pixels, the last one elided."""
    from PySide6.QtGui import QTextLayout

    text = " ".join(text.split())
    if not text or width <= 0:
        return []
    layout = QTextLayout(text, font)
    layout.beginLayout()
    spans: list[tuple[int, int]] = []
    while len(spans) < max_lines:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [text[start : start + length].rstrip() for start, length in spans]
    if spans and spans[-1][0] + spans[-1][1] < len(text):
        rest = text[spans[-1][0] :]
        lines[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return lines


class NoteDelegate(QStyledItemDelegate):
    """A free-text note shown whole where it fits: wrapped on up to two lines, then elided."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        text = str(index.data() or "")
        painter.save()
        _background(painter, option)
        rect = option.rect.adjusted(8, 4, -6, -4)
        font = QFont(option.font)
        font.setItalic(True)
        metrics = QFontMetrics(font)
        lines = wrapped_lines(
            text, font, rect.width(), max(min(rect.height() // metrics.lineSpacing(), 2), 1)
        )
        painter.setFont(font)
        painter.setPen(_text_color(option))
        top = rect.top() + (rect.height() - len(lines) * metrics.lineSpacing()) // 2
        for i, line in enumerate(lines):
            painter.drawText(
                QRect(rect.left(), top + i * metrics.lineSpacing(), rect.width(), metrics.lineSpacing()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                line,
            )
        painter.restore()
