"""Starting the GUI: the application object, opening the database safely, the first-start welcome, the
window, and a clean shutdown.

The start sequence (`StartUp.open`), before the main window exists:

1. open the database through `leaddesk.app.open_services` on a worker (the integrity check of a big file
   takes seconds; a small progress dialog shows when it does);
2. another LeadDesk has the file → say who, offer to open it read-only (`LockedDatabaseDialog`);
3. the file is damaged → say what is wrong and offer the newest good backup, or starting empty; the
   damaged file is kept aside (`DamagedDatabaseDialog`), then open again;
4. the PostgreSQL server wants a password → ask, offer to keep it in the keyring (`PasswordDialog`);
5. any other problem → one clear message, and LeadDesk quits;
6. once open: a risky location (network share, sync folder) is a warning that recommends the PostgreSQL
   team mode; a stale lock or an unclean last shutdown is said in the status bar.

After the window shows, the daily chores run in the background (`start_daily_maintenance`). On quit, the
workers are waited for and `Services.close` marks the clean shutdown and releases the file's lock.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox, QProgressDialog, QWidget

from leaddesk import __version__
from leaddesk.app import Services, database_is_new, open_services
from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.errors import UserError
from leaddesk.logs import setup_logging
from leaddesk.opening import (
    DamagedDatabaseError,
    NoticeKind,
    PasswordRequiredError,
    recover_damaged,
)
from leaddesk.services.maintenance_service import RestoreReport
from leaddesk.storage.instance_lock import AlreadyOpenError
from leaddesk.ui.background import run_in_background, wait_for_all
from leaddesk.ui.i18n import install_translators, tr
from leaddesk.ui.pc_settings import PcSettings

log = logging.getLogger("leaddesk.ui")
T = TypeVar("T")


def make_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName("LeadDesk")
    app.setApplicationName("LeadDesk")
    app.setApplicationVersion(__version__)
    install_translators(app)
    return app


def run_with_progress(label: str, work: Callable[[], T], parent: QWidget | None = None) -> T:
    """Run `work` on a worker while a small progress dialog (after 400 ms) keeps the GUI alive."""
    loop = QEventLoop()
    box: dict[str, Any] = {}
    progress = QProgressDialog(label, "", 0, 0, parent)
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.setMinimumDuration(400)
    progress.setAutoClose(False)

    def done(result: Any) -> None:
        box["result"] = result
        loop.quit()

    def failed(exc: BaseException) -> None:
        box["error"] = exc
        loop.quit()

    run_in_background(work, on_done=done, on_error=failed)
    if not box:
        loop.exec()
    progress.reset()
    progress.deleteLater()
    if "error" in box:
        raise box["error"]
    result: T = box["result"]
    return result


class StartUp:
    """Opens the database for the GUI, asking the user whenever opening needs a decision."""

    def __init__(self, db_flag: str | None, *, clock: Clock = system_clock, pc: PcSettings | None = None):
        self.db_flag = db_flag
        self.clock = clock
        self.pc = pc
        self.read_only = False
        #: What was done on the way (for the status bar and tests): e.g. the restore report.
        self.recovered: RestoreReport | None = None
        self.set_aside: str | None = None
        self.password_to_remember: str | None = None
        #: Damage found by the background check after the window showed (the window then closes).
        self.damaged_after_start: DamagedDatabaseError | None = None
        #: Called with the result (or error) of the background check; tests wait on it.
        self.after_verify: Callable[[Any], None] | None = None

    # --- the dialogs (tests drive them through the real widgets) --------------------------------------

    def ask_read_only(self, error: AlreadyOpenError) -> bool:
        from leaddesk.ui.dialogs.locked_database_dialog import LockedDatabaseDialog

        dialog = LockedDatabaseDialog(error)
        dialog.exec()
        return dialog.read_only_chosen

    def ask_damaged(self, error: DamagedDatabaseError) -> str | None:
        from leaddesk.ui.dialogs.damaged_database_dialog import DamagedDatabaseDialog

        dialog = DamagedDatabaseDialog(error)
        dialog.exec()
        return dialog.choice

    def ask_password(self, error: PasswordRequiredError) -> tuple[str, bool] | None:
        from leaddesk.ui.dialogs.password_dialog import PasswordDialog

        dialog = PasswordDialog(error.location, refused=error.refused)
        if dialog.exec() != PasswordDialog.DialogCode.Accepted or not dialog.password():
            return None
        return dialog.password(), dialog.remember_chosen()

    def tell(self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Critical) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok)
        box.setObjectName("startMessage")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()

    # --- the sequence ---------------------------------------------------------------------------------

    def open(self) -> Services | None:
        """Open the database, or None when the user chose to quit (or it cannot be opened)."""
        password: str | None = None
        remember = False
        title = tr("Start", "LeadDesk cannot open its database")
        while True:
            try:
                services = run_with_progress(
                    tr("Start", "Opening and checking the database…"),
                    partial(
                        open_services,
                        self.db_flag,
                        self.clock,
                        read_only=self.read_only,
                        password=password,
                        defer_check=True,
                    ),
                )
            except AlreadyOpenError as exc:
                if self.read_only or not self.ask_read_only(exc):
                    return None
                self.read_only = True
                continue
            except DamagedDatabaseError as exc:
                if not exc.recoverable:
                    self.tell(title, str(exc))
                    return None
                if not self.recover(exc):
                    return None
                continue
            except PasswordRequiredError as exc:
                answer = self.ask_password(exc)
                if answer is None:
                    return None
                password, remember = answer
                continue
            except UserError as exc:
                self.tell(title, str(exc))
                return None
            if password and remember:
                self._remember_password(services, password)
            return services

    def recover(self, exc: DamagedDatabaseError) -> bool:
        """Ask what to do with a damaged file and do it; False when the user chose to quit."""
        title = tr("Start", "LeadDesk cannot open its database")
        choice = self.ask_damaged(exc)
        if choice is None:
            return False
        backup = exc.backup if choice == "restore" else None
        try:
            outcome = run_with_progress(
                tr("Start", "Restoring the backup…"), partial(recover_damaged, exc, backup=backup)
            )
        except UserError as err:
            self.tell(title, str(err))
            return False
        if isinstance(outcome, RestoreReport):
            self.recovered = outcome
        else:
            self.set_aside = str(outcome)
        return True

    def _remember_password(self, services: Services, password: str) -> None:
        from leaddesk.storage.secrets import KeyringUnavailableError, store_password

        try:
            store_password(services.db.url, password)
        except KeyringUnavailableError as exc:
            self.tell(tr("Start", "The password was not remembered"), str(exc), QMessageBox.Icon.Warning)

    def warn_about_location(self, services: Services) -> None:
        """A risky location: warn (once per file, unless the user asks to be reminded)."""
        opened = services.opened
        if opened is None or not opened.risks:
            return
        pc = self.pc or PcSettings()
        key = "data-safety/risk-acknowledged/" + opened.location.replace("/", "|").replace("\\", "|")
        if pc.text(key) == "1":
            return
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Start", "This is a risky place for the database"), "")
        box.setObjectName("riskyLocationWarning")
        box.setText("\n\n".join(n.message for n in opened.risks))
        box.setInformativeText(tr("Start", "Where the file is: %1").replace("%1", opened.location))
        dont = QCheckBox(tr("Start", "I understand; do not warn me again for this file"), box)
        box.setCheckBox(dont)
        box.exec()
        if dont.isChecked():
            pc.set_text(key, "1")

    def status_text(self, services: Services) -> str:
        opened = services.opened
        parts: list[str] = []
        if self.recovered is not None:
            parts.append(
                tr("Start", "Restored from %1; the damaged file is kept as %2.")
                .replace("%1", self.recovered.restored_from.name)
                .replace("%2", str(self.recovered.kept_aside))
            )
        if self.set_aside:
            parts.append(tr("Start", "The damaged file is kept as %1.").replace("%1", self.set_aside))
        if opened is not None:
            for notice in opened.notices:
                if notice.kind in (
                    NoticeKind.STALE_LOCK_CLEARED,
                    NoticeKind.UNCLEAN_SHUTDOWN,
                    NoticeKind.BROKEN_REFERENCES,
                    NoticeKind.READ_ONLY,
                ):
                    parts.append(notice.message)
        return " ".join(parts)


def start_window(services: Services, startup: StartUp, pc: PcSettings, *, first_start: bool) -> Any:
    """Welcome (first start), identity, the main window, then the daily chores. None when the user quit
    the welcome dialog."""
    from leaddesk.ui.context import AppContext
    from leaddesk.ui.data_safety_menu import start_daily_maintenance
    from leaddesk.ui.dialogs.identity_dialog import IdentityDialog
    from leaddesk.ui.dialogs.welcome_dialog import WelcomeDialog
    from leaddesk.ui.main_window import MainWindow

    ctx = AppContext(services, pc)
    read_only = bool(services.opened and services.opened.read_only)
    if first_start and not read_only and WelcomeDialog(ctx).exec() != WelcomeDialog.DialogCode.Accepted:
        return None
    startup.warn_about_location(services)
    if ctx.member is None:
        IdentityDialog(ctx).exec()
    window = MainWindow(ctx, defer_pages=True)
    if read_only:
        window.setWindowTitle(tr("Start", "%1 — read-only").replace("%1", window.windowTitle()))
    message = startup.status_text(services)
    if message:
        window.statusBar().showMessage(message, 30_000)
    # The integrity check and the daily backup read the whole file: they wait for the first data.
    window.ready.connect(lambda: verify_in_background(window, services, startup))
    window.ready.connect(lambda: start_daily_maintenance(window))
    window.show()
    return window


def verify_in_background(window: Any, services: Services, startup: StartUp) -> None:
    """Run the integrity check the opening deferred, while the window is already usable for reading.

    Writes wait for it. If the file turns out damaged, the user is told what is wrong and offered the
    newest good backup (or starting empty); LeadDesk then closes the file and opens the recovered one.
    """
    opened = services.opened
    if opened is None or opened.pending_check is None:
        refresh_statistics_later(services)
        if startup.after_verify is not None:
            startup.after_verify(None)
        return

    def failed(exc: BaseException) -> None:
        if isinstance(exc, DamagedDatabaseError) and exc.recoverable:
            startup.damaged_after_start = exc
            window.statusBar().showMessage(tr("Start", "The database is damaged."))
            window.close()
        else:
            from leaddesk.ui.errors import show_error

            show_error(window, exc)
        if startup.after_verify is not None:
            startup.after_verify(exc)

    def done(result: Any) -> None:
        refresh_statistics_later(services)
        if startup.after_verify is not None:
            startup.after_verify(result)

    run_in_background(opened.verify, on_done=done, on_error=failed)


def refresh_statistics_later(services: Services) -> None:
    """Bring SQLite's query-planner statistics up to date on a thread of the database's own, once the file
    has passed its check (the refresh writes): a few seconds on a large database that has grown since it
    was last analysed, a few milliseconds of looking otherwise. Closing the app stops it."""
    db = services.db
    db.run_in_background(db.refresh_statistics)


def run(db_flag: str | None) -> int:
    setup_logging()
    app = make_application()
    first_start = database_is_new(db_flag)
    pc = PcSettings()
    startup = StartUp(db_flag, pc=pc)
    while True:
        services = startup.open()
        if services is None:
            return 1
        try:
            window = start_window(services, startup, pc, first_start=first_start)
            if window is None:
                return 0
            rc = app.exec()
        finally:
            wait_for_all()
            services.close()
        damaged = startup.damaged_after_start
        if damaged is None:
            return rc
        # The check that ran after the window showed found damage: recover as at start, then reopen.
        startup.damaged_after_start = None
        if not startup.recover(damaged):
            return 1
        first_start = False
