"""Painters for table cells that say more than text: a target progress bar and the lead score."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from leaddesk.domain.records import LeadRow
from leaddesk.ui.resources import icon
from leaddesk.ui.table_models.campaign_table_model import PROGRESS_ROLE
from leaddesk.ui.table_models.lead_table_model import ROW_ROLE

Index = QModelIndex | QPersistentModelIndex

GOOD = QColor("#2e8b3e")
FAIR = QColor("#d0a012")
LOW = QColor("#c0562a")
TRACK = QColor(127, 127, 127, 45)
HOT = QColor("#e0561b")


def _background(painter: QPainter, option: QStyleOptionViewItem, widget: QWidget | None) -> None:
    style = widget.style() if widget else None
    if style is not None:
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)


def _text_color(option: QStyleOptionViewItem) -> QColor:
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    return option.palette.color(role)


class ProgressDelegate(QStyledItemDelegate):
    """'12 / 40' with a bar below it: green at or above target, amber halfway, orange below."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        value = index.data(PROGRESS_ROLE)
        if not value:
            super().paint(painter, option, index)
            return
        done, target = value
        self.initStyleOption(option, index)
        painter.save()
        _background(painter, option, option.widget)
        rect = option.rect.adjusted(8, 3, -8, -5)
        text_rect = QRect(rect.left(), rect.top(), rect.width(), rect.height() - 5)
        painter.setPen(_text_color(option))
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), option.text
        )
        if target:
            share = min(done / target, 1.0)
            color = GOOD if share >= 1 else FAIR if share >= 0.5 else LOW
            bar = QRectF(rect.left(), rect.bottom() - 3, rect.width(), 4)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(TRACK)
            painter.drawRoundedRect(bar, 2, 2)
            if share > 0:
                painter.setBrush(color)
                painter.drawRoundedRect(QRectF(bar.left(), bar.top(), max(bar.width() * share, 4), 4), 2, 2)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(max(size.width(), 110), size.height() + 6)


class ScoreDelegate(QStyledItemDelegate):
    """The score right-aligned with a small bar; a flame marks hot leads (at or above the threshold)."""

    def __init__(self, threshold: Callable[[], int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._threshold = threshold

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, LeadRow):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        painter.save()
        _background(painter, option, option.widget)
        threshold = max(self._threshold(), 1)
        hot = row.score >= threshold
        rect = option.rect.adjusted(6, 0, -8, 0)
        flame = QRect(rect.left(), rect.center().y() - 8, 16, 16)
        if hot:
            icon("hot").paint(painter, flame)
        bar_left = flame.right() + 4
        number_width = option.fontMetrics.horizontalAdvance("999") + 4
        bar = QRectF(
            bar_left, rect.center().y() - 2, max(rect.width() - (bar_left - rect.left()) - number_width, 8), 4
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TRACK)
        painter.drawRoundedRect(bar, 2, 2)
        share = min(row.score / threshold, 1.0)
        if share > 0:
            painter.setBrush(HOT if hot else QColor("#7b5cc4"))
            painter.drawRoundedRect(QRectF(bar.left(), bar.top(), max(bar.width() * share, 3), 4), 2, 2)
        font = option.font
        font.setBold(hot)
        painter.setFont(font)
        painter.setPen(
            HOT if hot and not option.state & QStyle.StateFlag.State_Selected else _text_color(option)
        )
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(row.score)
        )
        painter.restore()
