"""First start: explore with demo data, or start with an empty database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCommandLinkButton, QDialog, QLabel, QProgressDialog, QVBoxLayout, QWidget

from leaddesk.ui.background import Cancelled, TaskControl, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error

DEMO_LEADS = 1500


class WelcomeDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle(self.tr("Welcome to LeadDesk"))
        title = QLabel(self.tr("Welcome to LeadDesk"), self)
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        text = QLabel(
            self.tr(
                "LeadDesk keeps marketing and sales on the same page: every lead handed over, accepted and "
                "contacted on time, measured against the service level you agree on.\n\n"
                "Your data is kept in:\n%1"
            ).replace("%1", ctx.services.db.location),
            self,
        )
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_button = QCommandLinkButton(
            self.tr("Explore with demo data"),
            self.tr(
                "A made-up team with six months of campaigns, handoffs and deals. "
                "Delete it when you are ready."
            ),
            self,
        )
        self.empty_button = QCommandLinkButton(
            self.tr("Start with an empty database"),
            self.tr("Add your team and import your first campaign list."),
            self,
        )
        self.demo_button.clicked.connect(self.fill_demo)
        self.empty_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(8)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.empty_button)
        self.resize(520, 360)

    def fill_demo(self) -> None:
        progress = QProgressDialog(self.tr("Writing demo data…"), self.tr("Cancel"), 0, DEMO_LEADS, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        demo = self._ctx.services.demo

        def work(control: TaskControl) -> object:
            return demo.generate(
                DEMO_LEADS, progress=control.progress, should_cancel=lambda: control.cancelled
            )

        def done(_summary: object) -> None:
            progress.close()
            self.accept()

        def failed(exc: BaseException) -> None:
            progress.close()
            if not isinstance(exc, Cancelled):
                show_error(self, exc)

        control = run_task(
            work, on_done=done, on_error=failed, on_progress=lambda d, _t: progress.setValue(d)
        )
        progress.canceled.connect(control.cancel)
        progress.show()
