"""File → Back up now / Restore… / Check database, the daily chores, and the Settings section for the
backup and data retention rules.

`install_data_safety_menu(window)` is called once by the main window; `start_daily_maintenance(window)`
by the start sequence once the window is up (the day's backup, the backup retention rule and the data
retention run on a worker, then again every hour in case the app stays open past midnight).
Every slow step (backups, checks, restores) runs off the GUI thread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.maintenance_service import (
    MAX_KEEP,
    BackupRetention,
    CheckReport,
    DailyReport,
    RestoreReport,
)
from leaddesk.ui.background import query_pool, run_in_background, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.restore_dialog import RestoreDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.i18n import tr

if TYPE_CHECKING:
    from leaddesk.services.retention_service import DataRetention
    from leaddesk.ui.main_window import MainWindow

log = logging.getLogger("leaddesk.ui")

#: The daily chores are looked at this often (each runs at most once per day).
DAILY_CHECK_INTERVAL_MS = 60 * 60 * 1000


class DataSafety(QObject):
    """The File menu's data-safety actions of one main window. Signals say when each job finished."""

    backup_done = Signal(object)  # Path
    check_done = Signal(object)  # CheckReport
    restore_done = Signal(object)  # RestoreReport
    daily_done = Signal(object)  # DailyReport
    failed = Signal(object)  # BaseException

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("dataSafety")
        self.window = window
        self.ctx: AppContext = window.ctx
        self.maintenance = self.ctx.services.maintenance
        #: The last message box shown (tests read and close it).
        self.last_box: QMessageBox | None = None
        self._progress: QProgressDialog | None = None
        self._daily_running = False
        self._timer: QTimer | None = None

        self.backup_action = QAction(tr("DataSafety", "&Back up now"), window)
        self.backup_action.setObjectName("backupNowAction")
        self.backup_action.setStatusTip(tr("DataSafety", "Write a checked copy of the database now"))
        self.backup_action.triggered.connect(self.back_up_now)
        self.restore_action = QAction(tr("DataSafety", "&Restore…"), window)
        self.restore_action.setObjectName("restoreAction")
        self.restore_action.setStatusTip(tr("DataSafety", "Put a backup in place of the database"))
        self.restore_action.triggered.connect(self.choose_restore)
        self.check_action = QAction(tr("DataSafety", "&Check database"), window)
        self.check_action.setObjectName("checkDatabaseAction")
        self.check_action.setStatusTip(tr("DataSafety", "Look for damage in the database file"))
        self.check_action.triggered.connect(self.check_database)

        sqlite = self.ctx.services.db.is_sqlite
        self.restore_action.setEnabled(sqlite and not self.maintenance.read_only)
        if not sqlite:
            self.restore_action.setToolTip(
                tr("DataSafety", "A PostgreSQL team database is restored by its administrator.")
            )

        menu = window.file_menu
        actions = menu.actions()
        before = actions[0] if actions else None
        for action in (self.backup_action, self.restore_action, self.check_action):
            if before is None:
                menu.addAction(action)
            else:
                menu.insertAction(before, action)
        if before is not None:
            menu.insertSeparator(before)

    # --- feedback -------------------------------------------------------------------------------------

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10_000)

    def _inform(
        self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Information
    ) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()
        self.last_box = box
        return box

    def _busy(self, text: str) -> None:
        progress = QProgressDialog(text, "", 0, 0, self.window)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        self._progress = progress

    def _idle(self) -> None:
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
            self._progress = None

    def _fail(self, exc: BaseException) -> None:
        self._idle()
        for action in (self.backup_action, self.check_action):
            action.setEnabled(True)
        self.restore_action.setEnabled(self.ctx.services.db.is_sqlite and not self.maintenance.read_only)
        self.last_box = show_error(self.window, exc)
        self.failed.emit(exc)

    # --- back up now ----------------------------------------------------------------------------------

    def back_up_now(self) -> None:
        self.backup_action.setEnabled(False)
        self._status(tr("DataSafety", "Backing up…"))
        self._busy(tr("DataSafety", "Backing up the database…"))
        run_task(lambda _control: self.maintenance.backup_now(), on_done=self._backed_up, on_error=self._fail)

    def _backed_up(self, path: Path) -> None:
        self._idle()
        self.backup_action.setEnabled(True)
        self._status(tr("DataSafety", "Backed up to %1").replace("%1", str(path)))
        self._inform(
            tr("DataSafety", "Backup written"),
            tr("DataSafety", "The database was backed up and the copy checked:\n%1").replace("%1", str(path)),
        )
        self.backup_done.emit(path)

    # --- check ----------------------------------------------------------------------------------------

    def check_database(self) -> None:
        self.check_action.setEnabled(False)
        self._busy(tr("DataSafety", "Checking the database… (a big file takes a while)"))
        run_task(
            lambda _control: self.maintenance.check(full=True), on_done=self._checked, on_error=self._fail
        )

    def _checked(self, report: CheckReport) -> None:
        self._idle()
        self.check_action.setEnabled(True)
        if report.ok:
            lines = [report.message]
            if report.settings:
                lines.append(
                    tr("DataSafety", "Journal: %1, synchronous: %2, waits up to %3 s for other writers.")
                    .replace("%1", str(report.settings.get("journal_mode", "?")))
                    .replace(
                        "%2",
                        {2: "FULL", 3: "EXTRA", 1: "NORMAL", 0: "OFF"}.get(
                            int(report.settings.get("synchronous", -1)), "?"
                        ),
                    )
                    .replace("%3", str(int(report.settings.get("busy_timeout", 0)) // 1000))
                )
            self._inform(tr("DataSafety", "The database is healthy"), "\n\n".join(lines))
        elif report.damaged:
            box = QMessageBox(
                QMessageBox.Icon.Critical,
                tr("DataSafety", "The database is damaged"),
                report.message,
                QMessageBox.StandardButton.NoButton,
                self.window,
            )
            if report.problems:
                box.setDetailedText("\n".join(report.problems))
            restore = box.addButton(tr("DataSafety", "Restore a backup…"), QMessageBox.ButtonRole.AcceptRole)
            restore.setObjectName("restoreFromCheck")
            restore.setEnabled(self.restore_action.isEnabled())
            box.addButton(QMessageBox.StandardButton.Close)
            good = report.newest_good_backup
            restore.clicked.connect(lambda: self.choose_restore(preselect=good))
            box.open()
            self.last_box = box
        else:
            self._inform(tr("DataSafety", "Database check"), report.message, QMessageBox.Icon.Warning)
        self.check_done.emit(report)

    # --- restore --------------------------------------------------------------------------------------

    def choose_restore(self, _checked: bool = False, preselect: Path | None = None) -> RestoreDialog | None:
        """Show the restore dialog (window-modal, not blocking); returns it so tests can drive it."""
        path = self.maintenance.db_path
        if path is None:
            return None
        dialog = RestoreDialog(
            self.maintenance.list_backups(), path.name, preselect=preselect, parent=self.window
        )
        dialog.accepted.connect(lambda: self._restore_chosen(dialog))
        dialog.open()
        return dialog

    def _restore_chosen(self, dialog: RestoreDialog) -> None:
        backup = dialog.selected_path()
        if backup is not None:
            self.restore(backup)

    def restore(self, backup: Path) -> None:
        self.restore_action.setEnabled(False)
        self._busy(tr("DataSafety", "Restoring the backup…"))
        run_task(
            lambda _control: self.maintenance.restore(backup), on_done=self._restored, on_error=self._fail
        )

    def _restored(self, report: RestoreReport) -> None:
        self._idle()
        self.restore_action.setEnabled(True)
        text = tr("DataSafety", "The database was restored from %1.").replace("%1", report.restored_from.name)
        if report.kept_aside is not None:
            text += "\n\n" + tr("DataSafety", "The file it replaced is kept as %1.").replace(
                "%1", str(report.kept_aside)
            )
        self._inform(tr("DataSafety", "Backup restored"), text)
        self.ctx.notify_changed()
        self.restore_done.emit(report)

    # --- daily chores ---------------------------------------------------------------------------------

    def start_daily(self) -> None:
        """Run the daily chores now and look again every hour (each runs at most once a day)."""
        if self.maintenance.read_only:
            return
        self.run_daily()
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setInterval(DAILY_CHECK_INTERVAL_MS)
            self._timer.timeout.connect(self.run_daily)
            self._timer.start()

    def run_daily(self) -> None:
        if self._daily_running:
            return
        self._daily_running = True
        run_task(
            lambda _control: self.maintenance.run_daily(),
            on_done=self._daily_ran,
            on_error=self._daily_failed,
        )

    def _daily_ran(self, report: DailyReport) -> None:
        self._daily_running = False
        if report.backup is not None:
            self._status(
                tr("DataSafety", "Today's backup was written to %1").replace("%1", str(report.backup))
            )
        if report.anonymised:
            self._status(
                tr(
                    "DataSafety",
                    "Anonymised, as the data retention setting asks: %Ln inactive lead(s).",
                    "",
                    report.anonymised,
                )
            )
            self.ctx.notify_changed()
        self.daily_done.emit(report)

    def _daily_failed(self, exc: BaseException) -> None:
        self._daily_running = False
        log.error("The daily backup or retention run failed", exc_info=exc)
        self.last_box = show_error(self.window, exc, tr("DataSafety", "The daily backup failed"))
        self.failed.emit(exc)


class DataSafetySettings(QWidget):
    """Settings → Data safety: how many backups to keep, and the data retention period."""

    saved = Signal()
    loaded = Signal()
    previewed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        maintenance = ctx.services.maintenance
        self._maintenance = maintenance
        sqlite = ctx.services.db.is_sqlite

        backups = QGroupBox(self.tr("Backups"), self)
        form = QFormLayout(backups)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.keep_daily = QSpinBox(backups)
        self.keep_daily.setObjectName("keepDaily")
        self.keep_daily.setRange(1, MAX_KEEP)
        self.keep_daily.setSuffix(self.tr(" days"))
        self.keep_weekly = QSpinBox(backups)
        self.keep_weekly.setObjectName("keepWeekly")
        self.keep_weekly.setRange(0, MAX_KEEP)
        self.keep_weekly.setSuffix(self.tr(" weeks"))
        form.addRow(self.tr("Keep a daily backup for the last"), self.keep_daily)
        form.addRow(self.tr("and a weekly one for the last"), self.keep_weekly)
        where = maintenance.backups_dir
        if sqlite:
            text = self.tr(
                "LeadDesk backs up the database once a day while it is in use, before every upgrade and "
                "import, and when you choose File → Back up now. Backups are kept in %1."
            ).replace("%1", str(where))
        else:
            text = self.tr(
                "The team database lives on a PostgreSQL server: its administrator's backups protect it. "
                "File → Back up now writes a pg_dump copy to %1."
            ).replace("%1", str(where))
            self.keep_daily.setEnabled(False)
            self.keep_weekly.setEnabled(False)
        info = QLabel(text, backups)
        info.setWordWrap(True)
        info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(info)

        retention = QGroupBox(self.tr("Data retention"), self)
        rlayout = QVBoxLayout(retention)
        row = QHBoxLayout()
        self.retention_on = QCheckBox(self.tr("Anonymise leads with no activity for"), retention)
        self.retention_on.setObjectName("retentionOn")
        self.months = QSpinBox(retention)
        self.months.setObjectName("retentionMonths")
        from leaddesk.services.retention_service import MAX_MONTHS  # (with the erasure: not at start)

        self.months.setRange(1, MAX_MONTHS)
        self.months.setValue(24)
        self.months.setSuffix(self.tr(" months"))
        row.addWidget(self.retention_on)
        row.addWidget(self.months)
        row.addStretch(1)
        rlayout.addLayout(row)
        explain = QLabel(
            self.tr(
                "Anonymising removes names, contact details and notes; the lead still counts in every "
                "figure. It runs once a day when LeadDesk starts and cannot be undone."
            ),
            retention,
        )
        explain.setWordWrap(True)
        rlayout.addWidget(explain)
        self.preview = QLabel("", retention)
        self.preview.setObjectName("retentionPreview")
        rlayout.addWidget(self.preview)

        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("saveDataSafety")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("", self)
        self.status.setObjectName("dataSafetyStatus")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(backups)
        layout.addWidget(retention)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.retention_on.toggled.connect(self._refresh_preview)
        self.months.valueChanged.connect(self._refresh_preview)
        self.retention_on.toggled.connect(self.months.setEnabled)
        self.months.setEnabled(False)
        if maintenance.read_only:
            self.save_button.setEnabled(False)
            self.status.setText(self.tr("Read-only: settings cannot be changed here."))
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(300)
        self._preview_timer.timeout.connect(self._compute_preview)
        self._loading = False
        self._loaded_months = 0
        self.confirm_box: QMessageBox | None = None

    def reload(self) -> None:
        if self._loading:  # one load at a time: a late second answer would undo the user's edits
            return
        self._loading = True

        def work() -> tuple[BackupRetention, DataRetention]:
            return self._maintenance.backup_retention(), self._maintenance.retention.settings()

        run_in_background(work, on_done=self._loaded, on_error=self._failed, pool=query_pool())

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.reload()

    def _loaded(self, values: tuple[BackupRetention, DataRetention]) -> None:
        keep, data = values
        self.keep_daily.setValue(keep.keep_daily)
        self.keep_weekly.setValue(keep.keep_weekly)
        self.retention_on.setChecked(data.enabled)
        if data.enabled:
            self.months.setValue(data.months)
        self.months.setEnabled(data.enabled)
        self._loaded_months = data.months
        self._loading = False
        self._refresh_preview()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        show_error(self, exc)

    def _refresh_preview(self) -> None:
        if not self.retention_on.isChecked():
            self.preview.setText("")
            return
        self._preview_timer.start()

    def _compute_preview(self) -> None:
        months = self.months.value()
        run_in_background(
            lambda: self._maintenance.retention.count_inactive(months),
            on_done=self._show_preview,
            on_error=self._failed,
            pool=query_pool(),
        )

    def _show_preview(self, count: int) -> None:
        self.preview.setText(
            self.tr("With no activity for that long, and so to be anonymised: %Ln lead(s).", "", count)
        )
        self.previewed.emit(count)

    def chosen_months(self) -> int:
        return self.months.value() if self.retention_on.isChecked() else 0

    def save(self) -> None:
        """Save both settings; switching data retention on (or shortening it) asks for confirmation."""
        months = self.chosen_months()
        if months and (self._loaded_months == 0 or months < self._loaded_months):
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                self.tr("Anonymise inactive leads?"),
                self.tr(
                    "From the next start on, LeadDesk will anonymise every lead with no activity for %1 "
                    "months, once a day. %2 This cannot be undone."
                )
                .replace("%1", str(months))
                .replace("%2", self.preview.text()),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                self,
            )
            box.setObjectName("confirmRetention")
            box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Anonymise"))
            box.accepted.connect(self._store)
            box.open()
            self.confirm_box = box
            return
        self._store()

    def _store(self) -> None:
        daily, weekly, months = self.keep_daily.value(), self.keep_weekly.value(), self.chosen_months()
        actor = self._ctx.member_id
        sqlite = self._ctx.services.db.is_sqlite

        def work() -> None:
            if sqlite:
                self._maintenance.set_backup_retention(daily, weekly, actor_id=actor)
            self._maintenance.retention.set_months(months, actor_id=actor)

        self.save_button.setEnabled(False)
        self._loaded_months = months
        run_in_background(work, on_done=self._saved, on_error=self._save_failed)

    def _saved(self, _result: object) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(self.tr("Saved."))
        self.saved.emit()

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_error(self, exc)


def install_data_safety_menu(window: MainWindow) -> DataSafety:
    """Add File → Back up now / Restore… / Check database and the Settings → Data safety section."""
    safety = DataSafety(window)
    window.pages.when_built(
        "settings",
        lambda settings: settings.add_section(  # type: ignore[attr-defined]
            "data-safety", tr("DataSafety", "Data safety"), DataSafetySettings(window.ctx)
        ),
    )
    return safety


def data_safety_of(window: QWidget) -> DataSafety | None:
    found = window.findChild(DataSafety, "dataSafety")
    return found if isinstance(found, DataSafety) else None


def start_daily_maintenance(window: QWidget) -> None:
    """Called by the start sequence once the window is up."""
    safety = data_safety_of(window)
    if safety is not None:
        safety.start_daily()
