"""Logging a call, an email or a meeting with its outcome and the next step.

The first contact that reached the lead stops the first-contact clock; no answer, voicemail and a sent
email are attempts toward the policy's minimum; "call back on date" pauses the clock until then (and
puts the call in that day's follow-ups). Logging anything on a lead waiting to be accepted accepts it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import ActivityKind, Outcome, Stage
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.service_dialog import ServiceDialog
from leaddesk.ui.formatting import activity_label, format_int, outcome_label
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.date_field import date_field

#: Outcomes in the order a rep picks them most, per kind of activity.
OUTCOMES: dict[ActivityKind, tuple[Outcome, ...]] = {
    ActivityKind.CALL: (
        Outcome.REACHED,
        Outcome.NO_ANSWER,
        Outcome.VOICEMAIL,
        Outcome.CALL_BACK,
        Outcome.MEETING_BOOKED,
        Outcome.NOT_INTERESTED,
    ),
    ActivityKind.EMAIL: (
        Outcome.SENT,
        Outcome.REACHED,
        Outcome.CALL_BACK,
        Outcome.MEETING_BOOKED,
        Outcome.NOT_INTERESTED,
    ),
    ActivityKind.MEETING: (
        Outcome.REACHED,
        Outcome.MEETING_BOOKED,
        Outcome.CALL_BACK,
        Outcome.NOT_INTERESTED,
        Outcome.NO_ANSWER,
    ),
}


def to_date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def to_utc(q: QDateTime) -> datetime:
    return datetime.fromtimestamp(q.toSecsSinceEpoch(), UTC)


class LogActivityDialog(ServiceDialog):
    def __init__(
        self,
        ctx: AppContext,
        lead_id: int,
        lead_name: str,
        *,
        kind: ActivityKind = ActivityKind.CALL,
        stage: Stage | None = None,
        attempts: int = 0,
        min_attempts: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.lead_id = lead_id
        self._stage = stage
        self._attempts = attempts
        self._min_attempts = min_attempts
        self.setWindowTitle(self.tr("Log activity — %1").replace("%1", lead_name))
        self.setWindowIcon(icon("sales"))
        now = QDateTime.fromSecsSinceEpoch(
            int(ctx.services.clock().timestamp()), QTimeZone.utc()
        ).toLocalTime()
        self._today = now.date()

        self.kind = QComboBox(self)
        self.kind.setObjectName("activityKind")
        for k in ActivityKind:
            self.kind.addItem(activity_label(k), k)
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("activityOutcome")
        self.callback = QDateTimeEdit(self)
        self.callback.setObjectName("callbackAt")
        self.callback.setCalendarPopup(True)
        tomorrow = QDateTime(self._today.addDays(1), QTime(10, 0))
        self.callback.setDateTime(tomorrow)
        self.callback.setMinimumDateTime(now)
        self.callback_label = QLabel(self.tr("Call &back at:"), self)
        self.callback_label.setBuddy(self.callback)
        self.next_step = QCheckBox(self.tr("&Next step on"), self)
        self.next_step.setObjectName("hasNextStep")
        self.next_date = date_field(self)
        self.next_date.setObjectName("nextStepOn")
        self.next_date.setDate(self._today.addDays(2))
        self.next_date.setEnabled(False)
        self.next_step.toggled.connect(self.next_date.setEnabled)
        next_row = QHBoxLayout()
        next_row.addWidget(self.next_step)
        next_row.addWidget(self.next_date, 1)
        self.note = QLineEdit(self)
        self.note.setObjectName("activityNote")
        self.note.setPlaceholderText(self.tr("What was said, what was agreed"))
        self.effect = QLabel(self)
        self.effect.setObjectName("activityEffect")
        self.effect.setWordWrap(True)
        self.effect.setStyleSheet("color: palette(placeholder-text);")

        form = QFormLayout()
        form.addRow(self.tr("&Type:"), self.kind)
        form.addRow(self.tr("&Outcome:"), self.outcome)
        form.addRow(self.callback_label, self.callback)
        form.addRow(next_row)
        form.addRow(self.tr("N&ote:"), self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.effect)
        layout.addWidget(self.buttons)
        self.ok_button.setText(self.tr("Log"))
        self.ok_button.setDefault(True)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self.callback.dateTimeChanged.connect(self._outcome_changed)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self._kind_changed()
        self.outcome.setFocus()
        self.resize(480, 260)

    # --- form ------------------------------------------------------------------------------------------

    def choose(self, kind: ActivityKind | None = None, outcome: Outcome | None = None) -> None:
        if kind is not None:
            self.kind.setCurrentIndex(self.kind.findData(kind))
        if outcome is not None:
            self.outcome.setCurrentIndex(self.outcome.findData(outcome))

    def _kind_changed(self) -> None:
        kind = ActivityKind(self.kind.currentData())
        current = self.outcome.currentData()
        self.outcome.blockSignals(True)
        self.outcome.clear()
        for outcome in OUTCOMES[kind]:
            self.outcome.addItem(outcome_label(outcome), outcome)
        index = self.outcome.findData(current)
        self.outcome.setCurrentIndex(max(index, 0))
        self.outcome.blockSignals(False)
        self._outcome_changed()

    def _outcome_changed(self) -> None:
        outcome = Outcome(self.outcome.currentData())
        call_back = outcome == Outcome.CALL_BACK
        self.callback.setVisible(call_back)
        self.callback_label.setVisible(call_back)
        if call_back:
            # The promised call is the next step: it shows in that day's follow-ups.
            self.next_step.setChecked(True)
            self.next_date.setDate(self.callback.date())
        self.effect.setText(self._effect_text(outcome))

    def _effect_text(self, outcome: Outcome) -> str:
        parts = []
        if self._stage == Stage.HANDED_OFF:
            parts.append(self.tr("The lead is accepted."))
        waiting_contact = self._stage in (Stage.HANDED_OFF, Stage.ACCEPTED)
        if outcome.is_contact:
            if waiting_contact:
                parts.append(self.tr("This is the first contact: the SLA clock stops."))
        elif outcome == Outcome.CALL_BACK:
            if waiting_contact:
                parts.append(self.tr("The first-contact clock pauses until the call back."))
        elif waiting_contact or self._min_attempts:
            attempt = self._attempts + 1
            text = self.tr("Counts as attempt %1 of the %2 the SLA asks for.")
            parts.append(
                text.replace("%1", format_int(attempt)).replace("%2", format_int(self._min_attempts))
                if self._min_attempts
                else self.tr("Counts as an attempt.")
            )
        return " ".join(parts)

    def work(self) -> Callable[[], Any] | None:
        kind = ActivityKind(self.kind.currentData())
        outcome = Outcome(self.outcome.currentData())
        callback = to_utc(self.callback.dateTime()) if outcome == Outcome.CALL_BACK else None
        next_on = to_date(self.next_date.date()) if self.next_step.isChecked() else None
        note = self.note.text().strip() or None
        lifecycle, lead_id, actor = self.ctx.services.lifecycle, self.lead_id, self.ctx.member_id
        return lambda: lifecycle.log_activity(
            lead_id,
            kind=kind,
            outcome=outcome,
            actor_id=actor,
            note=note,
            next_step_on=next_on,
            callback_at=callback,
        )
