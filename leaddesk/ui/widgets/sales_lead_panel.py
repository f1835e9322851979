"""The lead in focus, beside the queue: who it is, how urgent, what marketing said, and what to do now.

It shows what the queue row already holds at once; the marketing context (what the lead saw, the
marketing owner's name) arrives from a background query a moment later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import Stage
from leaddesk.domain.records import LeadDetail, TouchRow
from leaddesk.services.pipeline_service import FollowUp, PipelineCard
from leaddesk.services.sla.clock import Clock, ClockState
from leaddesk.services.sla.policy import SlaPolicy
from leaddesk.services.sla.sla_service import QueueRow
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.formatting import format_date, format_int, format_money, stage_color, stage_label
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.alive import while_alive
from leaddesk.ui.widgets.countdown_delegate import (
    badge_width,
    countdown_text,
    due_text,
    paint_badge,
    when_text,
)
from leaddesk.ui.widgets.sales_actions import LOG, LeadRef, available_actions


class ClockBadge(QWidget):
    """The state badge, painted like the queue's, a size larger."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state: ClockState | None = None
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_state(self, state: ClockState | None) -> None:
        self.state = state
        self.setVisible(state is not None)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        width = badge_width(metrics, self.state) if self.state else 0
        return QSize(width + 8, metrics.height() + 10)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.state is None:
            return
        painter = QPainter(self)
        paint_badge(painter, QRect(0, 0, self.width(), self.height()), self.state, self.font())
        painter.end()


@dataclass(frozen=True, slots=True)
class _Shown:
    ref: LeadRef
    handoff_note: str | None
    queue_row: QueueRow | None


class SalesLeadPanel(QFrame):
    #: A button asked for an action: "accept", "reject", "call", "email", "meeting", "open", "next", …
    action_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._shown: _Shown | None = None
        self._generation = 0
        self.setObjectName("salesLeadPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(240)
        self.setMaximumWidth(460)

        self.empty = QLabel(self.tr("Nothing waiting. Well done!"), self)
        self.empty.setObjectName("panelEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text); font-size: 15px;")

        self.title = QLabel(self)
        self.title.setObjectName("panelTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 19px; font-weight: 600;")
        self.hot = QLabel(self)
        self.hot.setPixmap(icon("hot").pixmap(20, 20))
        self.hot.setToolTip(self.tr("Priority lead"))
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: palette(placeholder-text);")

        self.badge = ClockBadge(self)
        self.badge.setObjectName("panelBadge")
        self.countdown = QLabel(self)
        self.countdown.setObjectName("panelCountdown")
        self.countdown.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.due = QLabel(self)
        self.due.setObjectName("panelDue")
        self.due.setWordWrap(True)
        self.due.setStyleSheet("color: palette(placeholder-text);")
        clock_row = QHBoxLayout()
        clock_row.setSpacing(8)
        clock_row.addWidget(self.badge)
        clock_row.addWidget(self.countdown, 1)
        self.clock_box = QWidget(self)
        clock_layout = QVBoxLayout(self.clock_box)
        clock_layout.setContentsMargins(0, 4, 0, 4)
        clock_layout.setSpacing(2)
        clock_layout.addLayout(clock_row)
        clock_layout.addWidget(self.due)

        self.contact = QLabel(self)
        self.contact.setObjectName("panelContact")
        self.contact.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.contact.setOpenExternalLinks(True)
        self.contact.setWordWrap(True)

        self.note_title = QLabel(self)
        self.note_title.setStyleSheet("font-weight: 600;")
        self.note = QLabel(self)
        self.note.setObjectName("panelHandoffNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setStyleSheet(
            "background: palette(alternate-base); border-left: 3px solid #7b5cc4;"
            " padding: 6px 8px; font-size: 14px;"
        )
        self.facts = QLabel(self)
        self.facts.setObjectName("panelFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.seen = QLabel(self)
        self.seen.setObjectName("panelSeen")
        self.seen.setWordWrap(True)
        self.seen.setStyleSheet("color: palette(placeholder-text);")

        self.buttons: dict[str, QPushButton] = {}
        specs = [
            ("accept", "qualify", self.tr("Accept"), "A"),
            ("reject", "inbox", self.tr("Return…"), "R"),
            ("call", "sales", self.tr("Call"), "C"),
            ("email", "export", self.tr("Email"), "E"),
            ("meeting", "team", self.tr("Meeting"), "M"),
            ("opportunity", "score", self.tr("Opportunity…"), "O"),
            ("open", "edit", self.tr("Open lead"), self.tr("Enter")),
            ("next", "restore", self.tr("Next lead"), "N"),
        ]
        for key, icon_name, text, keys in specs:
            button = QPushButton(icon(icon_name), f"{text}  [{keys}]", self)
            button.setObjectName(f"panel-{key}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys act on the list that has the focus
            button.setToolTip(self.tr("%1 (key: %2)").replace("%1", text).replace("%2", keys))
            button.clicked.connect(lambda _c=False, k=key: self.action_requested.emit(k))
            self.buttons[key] = button
        self.buttons["call"].setToolTip(self.tr("Log a call and its outcome (key: C)"))
        self.buttons["email"].setToolTip(self.tr("Log an email (key: E)"))
        self.buttons["meeting"].setToolTip(self.tr("Log a meeting (key: M)"))
        decide = QHBoxLayout()
        decide.setSpacing(6)
        decide.addWidget(self.buttons["accept"], 1)
        decide.addWidget(self.buttons["reject"], 1)
        decide.addWidget(self.buttons["opportunity"], 1)
        log = QHBoxLayout()
        log.setSpacing(6)
        log_label = QLabel(self.tr("Log:"), self)
        log_label.setStyleSheet("color: palette(placeholder-text);")
        log.addWidget(log_label)
        log.addWidget(self.buttons["call"], 1)
        log.addWidget(self.buttons["email"], 1)
        log.addWidget(self.buttons["meeting"], 1)
        more = QHBoxLayout()
        more.addWidget(self.buttons["open"])
        more.addWidget(self.buttons["next"])
        more.addStretch(1)
        self.keys_hint = QLabel(
            self.tr("Keys on the list: A accept · R return · C E M log · N/P next/previous · / search"), self
        )
        self.keys_hint.setWordWrap(True)
        self.keys_hint.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")

        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(6)
        heading = QHBoxLayout()
        heading.addWidget(self.hot)
        heading.addWidget(self.title, 1)
        body.addLayout(heading)
        body.addWidget(self.subtitle)
        body.addWidget(self.clock_box)
        body.addLayout(decide)
        body.addLayout(log)
        body.addSpacing(6)
        body.addWidget(self.contact)
        body.addSpacing(4)
        body.addWidget(self.note_title)
        body.addWidget(self.note)
        body.addWidget(self.facts)
        body.addWidget(self.seen)
        body.addStretch(1)
        body.addLayout(more)
        body.addWidget(self.keys_hint)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.body, 1)
        self._context_timer = QTimer(self)
        self._context_timer.setSingleShot(True)
        self._context_timer.setInterval(120)
        self._context_timer.timeout.connect(self._load_context)
        self.clear()

    # --- what to show ----------------------------------------------------------------------------------

    @property
    def ref(self) -> LeadRef | None:
        return self._shown.ref if self._shown else None

    def clear(self, message: str | None = None) -> None:
        self._shown = None
        self._generation += 1
        if message:
            self.empty.setText(message)
        self.empty.show()
        self.body.hide()

    def show_queue_row(
        self, row: QueueRow, clock: Clock | None, policy: SlaPolicy | None, now: datetime
    ) -> None:
        lead = row.lead
        same = self._shown is not None and self._shown.ref.id == lead.id
        self._shown = _Shown(LeadRef.of_queue_row(row), row.handoff_note, row)
        self._heading(lead.display_name, [lead.job_title, lead.company, lead.city], row.sla_rule is not None)
        self.update_clock(clock, now)
        self._contact(lead.phone, lead.email)
        self._note(row.handoff_note, lead.marketing_owner_name)
        facts = []
        if lead.campaign_name:
            facts.append(self.tr("Campaign: <b>%1</b>").replace("%1", escape(lead.campaign_name)))
        facts.append(self.tr("Score: <b>%1</b>").replace("%1", format_int(lead.score)))
        if row.sla_rule:
            facts.append(self.tr("Priority: <b>%1</b>").replace("%1", escape(row.sla_rule)))
        if lead.handed_off_at is not None:
            facts.append(self.tr("Handed off: <b>%1</b>").replace("%1", when_text(lead.handed_off_at, now)))
        minimum = policy.min_attempts if policy else 0
        if lead.stage == Stage.ACCEPTED:
            attempts = (
                self.tr("Attempts: <b>%1 of %2</b>")
                .replace("%1", format_int(row.attempts))
                .replace("%2", format_int(minimum))
                if minimum
                else self.tr("Attempts: <b>%1</b>").replace("%1", format_int(row.attempts))
            )
            facts.append(attempts)
        if lead.sales_owner_name and self._ctx.is_manager:
            facts.append(self.tr("Rep: <b>%1</b>").replace("%1", escape(lead.sales_owner_name)))
        self.facts.setText(" · ".join(facts))
        self._buttons()
        if not same:
            self.seen.setText("")
            self._context_timer.start()

    def show_card(self, card: PipelineCard, follow_up: FollowUp | None = None) -> None:
        same = self._shown is not None and self._shown.ref.id == card.id
        self._shown = _Shown(LeadRef.of_card(card), None, None)
        self._heading(card.display_name, [card.job_title, card.company], False)
        self.badge.set_state(None)
        color = stage_color(card.stage).name()
        self.countdown.setText(f"<span style='color:{color}'>{stage_label(card.stage)}</span>")
        due = []
        if follow_up is not None:
            if follow_up.callback_at is not None:
                due.append(
                    self.tr("Call back %1").replace("%1", when_text(follow_up.callback_at, self._now()))
                )
            elif follow_up.overdue:
                due.append(self.tr("Next step was due %1").replace("%1", format_date(follow_up.due_on)))
            else:
                due.append(self.tr("Next step due today"))
        if card.expected_value is not None:
            due.append(self.tr("%1 expected").replace("%1", format_money(card.expected_value)))
        self.due.setText(" · ".join(due))
        self.due.setVisible(bool(due))
        self._contact(card.phone, card.email)
        self._note(None, None)
        facts = [self.tr("Score: <b>%1</b>").replace("%1", format_int(card.score))]
        if card.campaign_name:
            facts.insert(0, self.tr("Campaign: <b>%1</b>").replace("%1", escape(card.campaign_name)))
        if card.sales_owner_name and self._ctx.is_manager:
            facts.append(self.tr("Rep: <b>%1</b>").replace("%1", escape(card.sales_owner_name)))
        self.facts.setText(" · ".join(facts))
        self._buttons()
        if not same:
            self.seen.setText("")
        self._context_timer.start()

    def update_clock(self, clock: Clock | None, now: datetime) -> None:
        if self._shown is None or self._shown.queue_row is None:
            return
        row = self._shown.queue_row
        self.badge.set_state(clock.state if clock else None)
        if clock is None:
            self.countdown.setText("")
            self.due.setText("")
            return
        self.countdown.setText(countdown_text(clock, row.paused_until))
        due = due_text(clock, now)
        self.due.setText(due[:1].upper() + due[1:])
        self.due.setVisible(True)

    def _now(self) -> datetime:
        return self._ctx.services.clock()

    def _heading(self, name: str, parts: list[str | None], hot: bool) -> None:
        self.empty.hide()
        self.body.show()
        self.title.setText(name)
        self.hot.setVisible(hot)
        self.subtitle.setText(" · ".join(p for p in parts if p))

    def _contact(self, phone: str | None, email: str | None) -> None:
        bits = []
        if phone:
            bits.append(f"☎ <a href='tel:{escape(phone)}'>{escape(phone)}</a>")
        if email:
            bits.append(f"✉ <a href='mailto:{escape(email)}'>{escape(email)}</a>")
        self.contact.setText("<br>".join(bits) or self.tr("No phone or email"))

    def _note(self, note: str | None, author: str | None) -> None:
        if author:
            self.note_title.setText(self.tr("Note from marketing — %1").replace("%1", author))
        else:
            self.note_title.setText(self.tr("Note from marketing"))
        self.note.setText(note or self.tr("(no note)"))
        self.note.setEnabled(bool(note))

    def _buttons(self) -> None:
        ref = self.ref
        names = available_actions(ref.stage) if ref else set()
        self.buttons["accept"].setVisible("accept" in names)
        self.buttons["reject"].setVisible("reject" in names)
        for key in ("call", "email", "meeting"):
            self.buttons[key].setEnabled(LOG in names)
        self.buttons["opportunity"].setVisible("opportunity" in names)
        # The obvious next step stands out: accept a new lead, else call it.
        primary = "accept" if "accept" in names else "call"
        for key, button in self.buttons.items():
            button.setStyleSheet("font-weight: 600;" if key == primary else "")

    # --- marketing context -----------------------------------------------------------------------------

    def _load_context(self) -> None:
        if self._shown is None:
            return
        self._generation += 1
        generation, lead_id, leads = self._generation, self._shown.ref.id, self._ctx.services.leads
        needs_detail = self._shown.queue_row is None

        def work() -> tuple[LeadDetail | None, list[TouchRow]]:
            return (leads.detail(lead_id) if needs_detail else None), leads.touches(lead_id)

        run_in_background(
            work,
            on_done=while_alive(self, lambda result: self._context(generation, *result)),
            on_error=while_alive(self, lambda _e: None),
        )

    def _context(self, generation: int, detail: LeadDetail | None, touches: list[TouchRow]) -> None:
        if generation != self._generation or self._shown is None:
            return
        if detail is not None:
            self._note(detail.handoff_note, detail.marketing_owner_name)
        seen = [
            f"{t.content or t.campaign_name or ''} ({format_date(t.touched_at)})"
            for t in touches[:4]
            if t.content or t.campaign_name
        ]
        self.seen.setText(self.tr("Has seen: %1").replace("%1", " · ".join(seen)) if seen else "")
