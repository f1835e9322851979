"""SLA alerts for the person using this PC: how many of their leads are at risk or breached (status bar),
a desktop notification when one of them becomes at risk or breached (once per lead and state), breaches
escalated to managers, and — when the policy says so — leads nobody accepted in time handed round-robin
to another rep.

One timer drives it all (`CHECK_MS`), plus `data_changed` and a change of identity for the counts. Every
query runs off the GUI thread; `SlaService.new_alerts` records what was notified, so a lead never
notifies twice for the same state, on this PC or any other. The notification is the system tray's
message where the desktop has one, else a banner inside the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSystemTrayIcon,
    QToolButton,
    QWidget,
)

from leaddesk.services.sla.clock import ClockKind, ClockState
from leaddesk.services.sla.sla_service import Alert, AlertCounts
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.formatting import format_int
from leaddesk.ui.i18n import tr
from leaddesk.ui.widgets.alive import while_alive
from leaddesk.ui.widgets.countdown_delegate import state_color, state_icon, when_text


@dataclass(frozen=True, slots=True)
class CheckResult:
    reassigned: dict[int, int]
    counts: AlertCounts
    alerts: list[Alert]


def alert_message(alerts: list[Alert], now_text: Callable[[Alert], str], *, manager: bool) -> tuple[str, str]:
    """Title and body of one notification about these alerts (several are summed up in one)."""
    breached = [a for a in alerts if a.state == ClockState.BREACHED]
    if len(alerts) == 1:
        a = alerts[0]
        what = (
            tr("SlaAlerts", "not accepted in time")
            if a.clock == ClockKind.ACCEPT
            else tr("SlaAlerts", "not reached in time")
        )
        if a.state == ClockState.BREACHED:
            title = tr("SlaAlerts", "SLA breached: %1").replace("%1", a.lead_name)
            body = what
            if manager and a.owner_name:
                body = tr("SlaAlerts", "%1 (lead of %2)").replace("%1", what).replace("%2", a.owner_name)
        else:
            title = tr("SlaAlerts", "At risk: %1").replace("%1", a.lead_name)
            body = (
                tr("SlaAlerts", "Accept by %1")
                if a.clock == ClockKind.ACCEPT
                else tr("SlaAlerts", "Reach by %1")
            ).replace("%1", now_text(a))
        return title, body
    title = tr("SlaAlerts", "Needing you: %Ln lead(s)", None, len(alerts))
    if breached:
        title = (
            tr("SlaAlerts", "%Ln SLA breach(es)", None, len(breached))
            if len(breached) == len(alerts)
            else title
        )
    names = ", ".join(a.lead_name for a in alerts[:3])
    more = len(alerts) - 3
    body = names + (tr("SlaAlerts", " and %Ln more", None, more) if more > 0 else "")
    return title, body


class AlertBanner(QFrame):
    """The in-window notification when the desktop has no system tray: top right, over the content."""

    open_requested = Signal()

    HIDE_AFTER_MS = 30_000

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("slaBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.icon = QLabel(self)
        self.text = QLabel(self)
        self.text.setObjectName("slaBannerText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.open_button = QPushButton(tr("SlaAlerts", "Show"), self)
        self.open_button.setObjectName("slaBannerOpen")
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(tr("SlaAlerts", "Dismiss"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 6, 8)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.close_button)
        self.open_button.clicked.connect(self._open)
        self.close_button.clicked.connect(self.hide)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.HIDE_AFTER_MS)
        self._timer.timeout.connect(self.hide)
        self.setFixedWidth(420)
        self.hide()
        window.installEventFilter(self)

    def _open(self) -> None:
        self.hide()
        self.open_requested.emit()

    def show_message(self, title: str, body: str, state: ClockState) -> None:
        color = state_color(state).name()
        self.setStyleSheet(f"#slaBanner {{ border: 2px solid {color}; border-radius: 6px; }}")
        self.icon.setPixmap(state_icon(state, 22).pixmap(22, 22))
        self.text.setText(f"<b>{escape(title)}</b><br>{escape(body)}")
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()
        self._timer.start()

    def _place(self) -> None:
        window = self.parentWidget()
        if not isinstance(window, QMainWindow):
            return
        top = window.menuBar().height() + 8 if window.menuBar() else 8
        self.move(QPoint(window.width() - self.width() - 16, top))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


class SlaAlerts(QObject):
    #: New counts for the current person (their leads; the team's for a manager or nobody).
    counts_changed = Signal(object)
    #: Alerts were notified (after the notification was shown).
    notified = Signal(list)

    CHECK_MS = 60_000
    FIRST_CHECK_MS = 5_000

    def __init__(
        self,
        ctx: AppContext,
        window: QMainWindow,
        *,
        show_sales: Callable[[], None] | None = None,
        open_lead: Callable[[int], object] | None = None,
    ) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._window = window
        self._show_sales = show_sales
        self._open_lead = open_lead
        self._checking = False
        self.counts: AlertCounts | None = None
        self.last_alerts: list[Alert] = []
        self.last_message: tuple[str, str] | None = None

        # Status bar: two buttons (glyph + number + words), clicking one opens the Sales area.
        self.widget = QWidget(window)
        self.widget.setObjectName("slaStatus")
        layout = QHBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(2)
        self.at_risk = self._status_button("slaAtRisk", ClockState.AT_RISK)
        self.breached = self._status_button("slaBreached", ClockState.BREACHED)
        layout.addWidget(self.at_risk)
        layout.addWidget(self.breached)
        window.statusBar().addPermanentWidget(self.widget)

        self.banner = AlertBanner(window)
        self.banner.open_requested.connect(self._open_alerted)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            self.tray = QSystemTrayIcon(window.windowIcon(), self)
            self.tray.setToolTip("LeadDesk")
            self.tray.messageClicked.connect(self._open_alerted)
            self.tray.show()

        self.timer = QTimer(self)
        self.timer.setInterval(self.CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        ctx.data_changed.connect(self.refresh_counts)
        ctx.identity_changed.connect(lambda _m: self.check())
        # Counts at once; the first check (which records notifications) once the window has settled.
        QTimer.singleShot(0, self.refresh_counts)
        self.first_check = QTimer(self)
        self.first_check.setSingleShot(True)
        self.first_check.setInterval(self.FIRST_CHECK_MS)
        self.first_check.timeout.connect(self.check)
        self.first_check.start()

    def stop(self) -> None:
        """No more periodic checks (tests drive `check()` themselves)."""
        self.timer.stop()
        self.first_check.stop()

    def _status_button(self, name: str, state: ClockState) -> QToolButton:
        button = QToolButton(self.widget)
        button.setObjectName(name)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIcon(state_icon(state, 14))
        button.clicked.connect(lambda: self._show_sales() if self._show_sales else None)
        button.hide()
        return button

    # --- whose -----------------------------------------------------------------------------------------

    def _owner(self) -> int | None:
        """A rep sees their own leads; a manager (and nobody chosen) the team's."""
        return None if self._ctx.is_manager or self._ctx.member_id is None else self._ctx.member_id

    # --- counts ----------------------------------------------------------------------------------------

    def refresh_counts(self) -> None:
        sla, owner = self._ctx.services.sla, self._owner()
        run_in_background(
            lambda: sla.alert_counts(owner),
            on_done=while_alive(self, self._counts),
            on_error=while_alive(self, self._failed),
        )

    def _failed(self, exc: BaseException) -> None:
        import logging

        self._checking = False
        logging.getLogger("leaddesk.ui").warning("SLA alert check failed: %s", exc)

    def _counts(self, counts: AlertCounts) -> None:
        self.counts = counts
        team = self._owner() is None
        self.at_risk.setText(
            (tr("SlaAlerts", "%1 at risk (team)") if team else tr("SlaAlerts", "%1 at risk")).replace(
                "%1", format_int(counts.at_risk)
            )
        )
        self.breached.setText(
            (tr("SlaAlerts", "%1 breached (team)") if team else tr("SlaAlerts", "%1 breached")).replace(
                "%1", format_int(counts.breached)
            )
        )
        self.at_risk.setToolTip(tr("SlaAlerts", "Leads whose SLA clock is about to run out — open Sales"))
        self.breached.setToolTip(tr("SlaAlerts", "Leads past their SLA — open Sales"))
        self.at_risk.setVisible(counts.at_risk > 0)
        self.breached.setVisible(counts.breached > 0)
        self.counts_changed.emit(counts)

    # --- the periodic check ----------------------------------------------------------------------------

    def check(self) -> None:
        """Reassign overdue leads (if the policy says so), collect new alerts, and count — off the GUI
        thread, one check at a time."""
        if self._checking:
            return
        self._checking = True
        sla, owner, member = self._ctx.services.sla, self._owner(), self._ctx.member_id

        def work() -> CheckResult:
            moved = sla.reassign_overdue()
            alerts = sla.new_alerts(member) if member is not None else []
            return CheckResult(moved, sla.alert_counts(owner), alerts)

        run_in_background(
            work, on_done=while_alive(self, self._checked), on_error=while_alive(self, self._failed)
        )

    def _checked(self, result: CheckResult) -> None:
        self._checking = False
        self._counts(result.counts)
        if result.alerts:
            self.notify(result.alerts)
        if result.reassigned:
            n = len(result.reassigned)
            self._window.statusBar().showMessage(
                tr("SlaAlerts", "%Ln lead(s) not accepted in time went to another rep", None, n), 15_000
            )
            self._ctx.notify_changed()

    def notify(self, alerts: list[Alert]) -> None:
        now = self._ctx.services.clock()
        title, body = alert_message(alerts, lambda a: when_text(a.due, now), manager=self._ctx.is_manager)
        worst = (
            ClockState.BREACHED if any(a.state == ClockState.BREACHED for a in alerts) else ClockState.AT_RISK
        )
        self.last_alerts = alerts
        self.last_message = (title, body)
        if self.tray is not None:
            kind = (
                QSystemTrayIcon.MessageIcon.Critical
                if worst == ClockState.BREACHED
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self.tray.showMessage(title, body, kind, 15_000)
        else:
            self.banner.show_message(title, body, worst)
        self.notified.emit(alerts)

    def _open_alerted(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
        if self._show_sales:
            self._show_sales()
        if len(self.last_alerts) == 1 and self._open_lead:
            self._open_lead(self.last_alerts[0].lead_id)
