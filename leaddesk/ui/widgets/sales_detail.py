"""The sales part of the lead detail, added through its extension points (no edit to the dialog):

- action buttons for the moves the lead's stage allows (accept, return, log, opportunity, won, lost);
- a "Sales" tab: both SLA clocks (met, late, running, paused) with their due times, the attempts against
  the policy's minimum, the next step, the deal, and what sales did (the contact log) — the same facts
  marketing reads in the History tab.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import ActivityKind, Stage
from leaddesk.services.sla.clock import Clock
from leaddesk.services.sla.policy import SlaPolicy
from leaddesk.ui.background import run_in_background
from leaddesk.ui.formatting import (
    activity_label,
    format_date,
    format_datetime,
    format_int,
    format_money,
    outcome_label,
)
from leaddesk.ui.i18n import tr
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.alive import while_alive
from leaddesk.ui.widgets.countdown_delegate import clock_kind_label, countdown_text, state_icon, state_label
from leaddesk.ui.widgets.sales_actions import LOG, LeadRef, SalesActions, available_actions

if TYPE_CHECKING:
    from leaddesk.ui.dialogs.lead_detail_dialog import LeadBundle, LeadDetailDialog


class SalesDetailActions(QWidget):
    """Buttons for the sales moves, shown for the stages that allow them."""

    def __init__(self, dialog: LeadDetailDialog) -> None:
        super().__init__(dialog)
        self.setObjectName("salesDetailActions")
        self._dialog = dialog
        self._ref: LeadRef | None = None
        self._policy: SlaPolicy | None = None
        self.sales = SalesActions(
            dialog.ctx,
            dialog,
            reject_reasons=lambda: self._policy.reject_reasons if self._policy else (),
            min_attempts=lambda: self._policy.min_attempts if self._policy else 0,
        )
        self.sales.done.connect(lambda _id, _message: dialog.reload())
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for key, icon_name, text in (
            ("accept", "qualify", tr("SalesDetail", "Accept")),
            ("reject", "inbox", tr("SalesDetail", "Return…")),
            ("log", "sales", tr("SalesDetail", "Log activity…")),
            ("opportunity", "score", tr("SalesDetail", "Opportunity…")),
            ("win", "add", tr("SalesDetail", "Won…")),
            ("lose", "disqualify", tr("SalesDetail", "Lost…")),
            ("assign", "team", tr("SalesDetail", "Give to…")),
        ):
            button = QPushButton(icon(icon_name), text, self)
            button.setObjectName(f"detail-{key}")
            button.clicked.connect(lambda _c=False, k=key: self.run(k))
            button.hide()
            self.buttons[key] = button
            layout.addWidget(button)
        dialog.bundle_loaded.connect(self._bundle)
        sla = dialog.ctx.services.sla
        run_in_background(
            sla.current_policy,
            on_done=while_alive(self, self._got_policy),
            on_error=while_alive(self, lambda _e: None),
        )

    def _got_policy(self, policy: SlaPolicy) -> None:
        self._policy = policy

    def _bundle(self, bundle: LeadBundle) -> None:
        d = bundle.detail
        p = d.profile
        name = " ".join(x for x in (p.first_name, p.last_name) if x) or p.email or p.company or f"#{d.id}"
        handed = d.stamps.get("handed_off_at")
        attempts = sum(1 for a in bundle.activities if handed is not None and a.at >= handed)
        self._ref = LeadRef(
            d.id, name, d.stage, attempts, d.expected_value, d.expected_close_on, d.sales_owner_id
        )
        names = available_actions(d.stage) if d.deleted_at is None and d.erased_at is None else set()
        for key, button in self.buttons.items():
            button.setVisible(key in names)

    def run(self, key: str) -> object:
        if self._ref is None:
            return None
        if key == "accept":
            return self.sales.accept(self._ref)
        if key == LOG:
            return self.sales.log(self._ref, ActivityKind.CALL)
        handler = {
            "reject": self.sales.reject,
            "opportunity": self.sales.opportunity,
            "win": self.sales.win,
            "lose": self.sales.lose,
            "assign": self.sales.assign,
        }[key]
        return handler(self._ref)


class SalesDetailPanel(QWidget):
    """The "Sales" tab: clocks, attempts, next step, the deal, and the contact log."""

    def __init__(self, dialog: LeadDetailDialog) -> None:
        super().__init__(dialog)
        self.setObjectName("salesDetailPanel")
        self._dialog = dialog
        self._generation = 0
        self.clocks_form = QFormLayout()
        self.facts = QFormLayout()
        self.log = QTreeWidget(self)
        self.log.setObjectName("salesContactLog")
        self.log.setRootIsDecorated(False)
        self.log.setAlternatingRowColors(True)
        self.log.setHeaderLabels(
            [
                tr("SalesDetail", "When"),
                tr("SalesDetail", "Type"),
                tr("SalesDetail", "Outcome"),
                tr("SalesDetail", "By"),
                tr("SalesDetail", "Next step"),
                tr("SalesDetail", "Note"),
            ]
        )
        self.log.setColumnWidth(0, 130)
        self.empty = QLabel(tr("SalesDetail", "Not handed to sales yet."), self)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        title = QLabel(tr("SalesDetail", "SLA clocks"), self)
        title.setStyleSheet("font-weight: 600;")
        log_title = QLabel(tr("SalesDetail", "What sales did"), self)
        log_title.setStyleSheet("font-weight: 600;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(title)
        layout.addLayout(self.clocks_form)
        layout.addLayout(self.facts)
        layout.addWidget(log_title)
        layout.addWidget(self.log, 1)
        dialog.bundle_loaded.connect(self._bundle)

    def _bundle(self, bundle: LeadBundle) -> None:
        d = bundle.detail
        self.empty.setVisible(d.stamps.get("handed_off_at") is None)
        self._fill_facts(bundle)
        self.log.clear()
        for a in bundle.activities:
            QTreeWidgetItem(
                self.log,
                [
                    format_datetime(a.at),
                    activity_label(a.kind),
                    outcome_label(a.outcome),
                    a.member_name or "",
                    format_date(a.next_step_on),
                    a.note or "",
                ],
            )
        self._generation += 1
        generation, sla, lead_id = self._generation, self._dialog.ctx.services.sla, d.id
        now = self._dialog.ctx.services.clock()

        def work() -> tuple[list[Clock], SlaPolicy]:
            return sla.lead_clocks(lead_id, now), sla.current_policy()

        run_in_background(
            work,
            on_done=while_alive(self, lambda result: self._clocks(generation, now, *result)),
            on_error=while_alive(self, lambda _e: None),
        )

    def _fill_facts(self, bundle: LeadBundle) -> None:
        d = bundle.detail
        while self.facts.rowCount():
            self.facts.removeRow(0)
        rows: list[tuple[str, str]] = []
        if d.stage == Stage.OPPORTUNITY or d.expected_value is not None:
            rows.append((tr("SalesDetail", "Expected value"), format_money(d.expected_value)))
            rows.append((tr("SalesDetail", "Expected close"), format_date(d.expected_close_on)))
        if d.paused_until is not None:
            rows.append((tr("SalesDetail", "Call back"), format_datetime(d.paused_until)))
        for label, value in rows:
            if value:
                self.facts.addRow(label + ":", QLabel(value))

    def _clocks(self, generation: int, now: datetime, clocks: list[Clock], policy: SlaPolicy) -> None:
        if generation != self._generation:
            return
        while self.clocks_form.rowCount():
            self.clocks_form.removeRow(0)
        bundle = self._dialog.bundle
        for clock in clocks:
            line = QWidget(self)
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            badge = QLabel(line)
            badge.setPixmap(state_icon(clock.state).pixmap(16, 16))
            text = QLabel(
                f"<b>{state_label(clock.state)}</b> — {countdown_text(clock, None)}"
                f" · {tr('SalesDetail', 'due %1').replace('%1', format_datetime(clock.due))}",
                line,
            )
            text.setObjectName(f"clock-{clock.kind.value}")
            row.addWidget(badge)
            row.addWidget(text, 1)
            self.clocks_form.addRow(clock_kind_label(clock.kind) + ":", line)
        if clocks and bundle is not None:
            handed = bundle.detail.stamps.get("handed_off_at")
            attempts = sum(1 for a in bundle.activities if handed is not None and a.at >= handed)
            summary = (
                tr("SalesDetail", "%1 of the %2 the SLA asks for within %3 days")
                .replace("%1", format_int(attempts))
                .replace("%2", format_int(policy.min_attempts))
                .replace("%3", format_int(policy.attempts_within_days))
            )
            self.clocks_form.addRow(tr("SalesDetail", "Attempts") + ":", QLabel(summary))


def actions_provider(dialog: LeadDetailDialog) -> list[QWidget]:
    return [SalesDetailActions(dialog)]


def panel_provider(dialog: LeadDetailDialog) -> tuple[str, QWidget]:
    return tr("SalesDetail", "Sales"), SalesDetailPanel(dialog)


def install_lead_detail_extensions() -> None:
    """Register the sales actions and tab with the lead detail (idempotent)."""
    from leaddesk.ui.dialogs.lead_detail_dialog import LeadDetailDialog

    LeadDetailDialog.register_actions(actions_provider)
    LeadDetailDialog.register_panel(panel_provider)
