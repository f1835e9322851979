"""Choosing a report period: this or last week, month or quarter, or custom dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from leaddesk.services.reporting.periods import Period, PeriodKind, preset_period
from leaddesk.ui.widgets.date_field import date_field


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class PeriodPicker(QWidget):
    #: The chosen period changed (a `Period`).
    changed = Signal(object)

    def __init__(
        self,
        today: Callable[[], date],
        parent: QWidget | None = None,
        *,
        initial: PeriodKind = PeriodKind.THIS_MONTH,
    ) -> None:
        super().__init__(parent)
        self._today = today
        self.preset = QComboBox(self)
        self.preset.setObjectName("periodPreset")
        labels = {
            PeriodKind.THIS_WEEK: self.tr("This week"),
            PeriodKind.LAST_WEEK: self.tr("Last week"),
            PeriodKind.THIS_MONTH: self.tr("This month"),
            PeriodKind.LAST_MONTH: self.tr("Last month"),
            PeriodKind.THIS_QUARTER: self.tr("This quarter"),
            PeriodKind.LAST_QUARTER: self.tr("Last quarter"),
            PeriodKind.CUSTOM: self.tr("Custom…"),
        }
        for kind, label in labels.items():
            self.preset.addItem(label, kind.value)
        self.start = date_field(self)
        self.end = date_field(self)
        for edit, name in ((self.start, "periodStart"), (self.end, "periodEnd")):
            edit.setObjectName(name)
        self.dash = QLabel("–", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(QLabel(self.tr("Period:"), self))
        layout.addWidget(self.preset)
        layout.addWidget(self.start)
        layout.addWidget(self.dash)
        layout.addWidget(self.end)
        self.preset.setCurrentIndex(self.preset.findData(initial.value))
        self._apply_preset()
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.start.dateChanged.connect(self._dates_edited)
        self.end.dateChanged.connect(self._dates_edited)

    # --- state ------------------------------------------------------------------------------------------

    def kind(self) -> PeriodKind:
        return PeriodKind(self.preset.currentData())

    def period(self) -> Period:
        start, end = _pydate(self.start.date()), _pydate(self.end.date())
        return Period(start, end) if end >= start else Period(end, start)

    def set_period(self, start: date, end: date, kind: PeriodKind = PeriodKind.CUSTOM) -> None:
        """Show a period without announcing it (`changed` is not emitted)."""
        with QSignalBlocker(self.preset), QSignalBlocker(self.start), QSignalBlocker(self.end):
            self.preset.setCurrentIndex(self.preset.findData(kind.value))
            self.start.setDate(_qdate(start))
            self.end.setDate(_qdate(end))
        self._update_editable()

    def choose(self, kind: PeriodKind) -> None:
        """Pick a preset as a person would (emits `changed`)."""
        self.preset.setCurrentIndex(self.preset.findData(kind.value))

    # --- reactions ----------------------------------------------------------------------------------------

    def _update_editable(self) -> None:
        custom = self.kind() == PeriodKind.CUSTOM
        self.start.setEnabled(custom)
        self.end.setEnabled(custom)

    def _apply_preset(self) -> None:
        kind = self.kind()
        if kind != PeriodKind.CUSTOM:
            p = preset_period(kind, self._today())
            with QSignalBlocker(self.start), QSignalBlocker(self.end):
                self.start.setDate(_qdate(p.start))
                self.end.setDate(_qdate(p.end))
        self._update_editable()

    def _preset_chosen(self, _index: int) -> None:
        self._apply_preset()
        self.changed.emit(self.period())

    def _dates_edited(self, _value: QDate) -> None:
        if self.kind() != PeriodKind.CUSTOM:
            return
        if self.start.date() > self.end.date():
            # keep the period the right way round: the other end follows the one being moved
            edited, other = (self.start, self.end) if self.sender() is self.start else (self.end, self.start)
            with QSignalBlocker(other):
                other.setDate(edited.date())
        self.changed.emit(self.period())
