"""The GUI's data-safety paths through real widgets: the start sequence (locked, damaged, password, risky
place), File → Back up now / Restore… / Check database, the daily chores and the Settings section."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from leaddesk.app import Services, open_services
from leaddesk.ui.application import StartUp, start_window
from leaddesk.ui.background import wait_for_all
from leaddesk.ui.context import AppContext
from leaddesk.ui.data_safety_menu import DataSafety, DataSafetySettings, data_safety_of
from leaddesk.ui.dialogs.damaged_database_dialog import DamagedDatabaseDialog
from leaddesk.ui.dialogs.identity_dialog import IdentityDialog
from leaddesk.ui.dialogs.locked_database_dialog import LockedDatabaseDialog
from leaddesk.ui.dialogs.password_dialog import PasswordDialog
from leaddesk.ui.dialogs.restore_dialog import RestoreDialog
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.pc_settings import PcSettings
from tests.unit.test_opening_support import (
    PW_SECRET,
    FileKeyring,
    fill,
    garble,
    hold_open,
    lead_emails,
    make_db,
    password_database_url,
    sha256,
    stop,
)


class ModalDriver:
    """Acts on modal dialogs as they appear (their exec() runs a nested event loop)."""

    def __init__(self) -> None:
        self.handlers: list[tuple[type[QWidget], Callable[[Any], None]]] = []
        self.seen: list[QWidget] = []
        self._timer = QTimer()
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    def on(self, kind: type[QWidget], action: Callable[[Any], None]) -> None:
        self.handlers.append((kind, action))

    def _poll(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if not widget.isVisible() or widget in self.seen:
                continue
            for i, (kind, action) in enumerate(self.handlers):
                if isinstance(widget, kind):
                    self.seen.append(widget)
                    del self.handlers[i]
                    action(widget)
                    return

    def stop(self) -> None:
        self._timer.stop()


@pytest.fixture
def modals(qapp: QApplication) -> Iterator[ModalDriver]:  # type: ignore[no-untyped-def]
    driver = ModalDriver()
    yield driver
    driver.stop()


@pytest.fixture(autouse=True)
def settle(qtbot) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Before the widgets go, let the workers finish and deliver their results to live objects, so no
    late result reaches a deleted model in a later test."""
    yield
    wait_for_all()
    qtbot.wait(20)


def _close_window(window: MainWindow | None, services: Services) -> None:
    wait_for_all()
    QApplication.processEvents()
    if window is not None:
        window.close()
        window.deleteLater()
        QApplication.processEvents()
    services.close()


# --- the start sequence ------------------------------------------------------------------------------


def test_the_window_brings_the_planner_statistics_up_to_date_once_the_file_is_checked(
    qtbot, modals: ModalDriver, tmp_path: Path, pc_settings: PcSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from leaddesk.storage import planner_statistics

    monkeypatch.setattr(planner_statistics, "MIN_ROWS", 10)
    path = tmp_path / "leads.sqlite3"
    make_db(path, 30)

    def leads_analysed() -> bool:
        conn = sqlite3.connect(path)
        try:
            return "leads" in planner_statistics.analysed_rows(conn)
        finally:
            conn.close()

    assert not leads_analysed()
    modals.on(IdentityDialog, lambda d: d.reject())
    startup = StartUp(str(path), pc=pc_settings)
    services = startup.open()
    assert services is not None and services.opened is not None and services.opened.pending_check
    window = start_window(services, startup, pc_settings, first_start=False)
    try:
        qtbot.waitUntil(leads_analysed, timeout=10_000)
    finally:
        _close_window(window, services)


def test_a_locked_database_offers_to_open_read_only(
    qtbot, modals: ModalDriver, tmp_path: Path, pc_settings: PcSettings
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "leads.sqlite3"
    make_db(path, 6)
    holder = hold_open(path)
    try:
        texts: list[str] = []

        def choose_read_only(box: LockedDatabaseDialog) -> None:
            texts.append(box.text())
            box.read_only_button.click()

        modals.on(LockedDatabaseDialog, choose_read_only)
        modals.on(IdentityDialog, lambda d: d.reject())
        startup = StartUp(str(path), pc=pc_settings)
        services = startup.open()
        assert services is not None and startup.read_only
        assert str(holder.pid) in texts[0]
        window = start_window(services, startup, pc_settings, first_start=False)
        try:
            assert "read-only" in window.windowTitle()
            safety = data_safety_of(window)
            assert safety is not None
            assert not safety.restore_action.isEnabled()
            assert safety.backup_action.isEnabled()
            assert "read-only" in window.statusBar().currentMessage().lower()
        finally:
            _close_window(window, services)
    finally:
        stop(holder)


def test_a_locked_database_and_quit_opens_nothing(
    qtbot, modals: ModalDriver, tmp_path: Path, pc_settings: PcSettings
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "leads.sqlite3"
    make_db(path, 2)
    holder = hold_open(path)
    try:
        modals.on(LockedDatabaseDialog, lambda box: box.quit_button.click())
        assert StartUp(str(path), pc=pc_settings).open() is None
    finally:
        stop(holder)


def test_a_garbled_file_shows_what_is_wrong_and_restores_the_offered_backup(
    qtbot, modals: ModalDriver, tmp_path: Path, pc_settings: PcSettings
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "leads.sqlite3"
    make_db(path, 30)
    services = open_services(str(path))
    backup = services.maintenance.run_daily().backup
    services.close()
    garble(path)
    damaged = sha256(path)
    shown: dict[str, Any] = {}

    def restore(dialog: DamagedDatabaseDialog) -> None:
        shown["what"] = dialog.findChild(QWidget, "whatIsWrong").text()  # type: ignore[union-attr]
        shown["offer"] = dialog.restore_button is not None
        shown["backup"] = dialog.error.backup
        assert dialog.restore_button is not None
        dialog.restore_button.click()

    modals.on(DamagedDatabaseDialog, restore)
    startup = StartUp(str(path), pc=pc_settings)
    services = startup.open()
    assert services is not None
    try:
        assert "damaged" in shown["what"] and shown["offer"] and shown["backup"] == backup
        assert startup.recovered is not None and startup.recovered.was_damaged
        assert sha256(path.with_name("leads.sqlite3.damaged")) == damaged
        assert len(lead_emails(path)) == 30
        assert "damaged file is kept" in startup.status_text(services)
    finally:
        services.close()


def test_a_garbled_file_without_backup_can_be_left_alone(
    qtbot, modals: ModalDriver, tmp_path: Path, pc_settings: PcSettings
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "leads.sqlite3"
    make_db(path, 5)
    garble(path)
    damaged = sha256(path)
    seen: list[bool] = []

    def quit_(dialog: DamagedDatabaseDialog) -> None:
        seen.append(dialog.restore_button is None and dialog.findChild(QWidget, "noBackup") is not None)
        dialog.quit_button.click()

    modals.on(DamagedDatabaseDialog, quit_)
    assert StartUp(str(path), pc=pc_settings).open() is None
    assert seen == [True]
    assert sha256(path) == damaged and not path.with_name("leads.sqlite3.damaged").exists()


def test_a_risky_location_warns_once_and_points_to_postgresql(
    qtbot, modals: ModalDriver, tmp_path: Path, pc_settings: PcSettings
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "OneDrive - Acme" / "leads.sqlite3"
    path.parent.mkdir()
    services = open_services(str(path))
    try:
        texts: list[str] = []

        def acknowledge(box: QMessageBox) -> None:
            if box.objectName() != "riskyLocationWarning":
                return
            texts.append(box.text())
            box.checkBox().setChecked(True)
            box.accept()

        modals.on(QMessageBox, acknowledge)
        startup = StartUp(str(path), pc=pc_settings)
        startup.warn_about_location(services)
        assert len(texts) == 1 and "OneDrive" in texts[0] and "PostgreSQL" in texts[0]
        modals.on(QMessageBox, lambda box: texts.append("shown again") or box.accept())
        startup.warn_about_location(services)  # acknowledged for this file: no second warning
        assert texts == texts[:1]
    finally:
        services.close()


@pytest.fixture
def test_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    # The backend in use before, read while the test keyring is not viable yet: asked first with the
    # variable set, keyring would pick the test keyring as "the previous one" and leave it behind.
    previous = keyring.get_keyring()
    monkeypatch.setenv("LEADDESK_TEST_KEYRING", str(tmp_path / "keyring.json"))
    backend = FileKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.mark.postgres
def test_the_server_asks_for_a_password_and_it_is_remembered_in_the_keyring(
    qtbot, modals: ModalDriver, pg_cluster: Any, test_keyring: FileKeyring, pc_settings: PcSettings
) -> None:  # type: ignore[no-untyped-def]
    url = password_database_url(pg_cluster, "ld_pw_gui")
    asked: list[bool] = []

    def wrong(dialog: PasswordDialog) -> None:
        asked.append(dialog.findChild(QWidget, "refused") is not None)
        dialog.password_edit.setText("wrong")
        dialog.accept()

    def right(dialog: PasswordDialog) -> None:
        asked.append(dialog.findChild(QWidget, "refused") is not None)
        assert dialog.remember.isChecked()
        dialog.password_edit.setText(PW_SECRET)
        dialog.accept()

    modals.on(PasswordDialog, wrong)
    modals.on(PasswordDialog, right)
    services = StartUp(url, pc=pc_settings).open()
    assert services is not None
    try:
        assert asked == [False, True]  # first asked, then told the password was refused
        assert PW_SECRET in (Path(test_keyring._path()).read_text(encoding="utf-8"))
    finally:
        services.close()
    remembered = open_services(url)  # next start: no question, the keyring answers
    remembered.close()


# --- the File menu and the daily chores --------------------------------------------------------------


def _window(qtbot, ctx: AppContext) -> tuple[MainWindow, DataSafety]:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    safety = data_safety_of(window)
    assert safety is not None
    return window, safety


def test_file_menu_has_the_data_safety_actions(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window, _safety = _window(qtbot, ctx)
    names = [a.objectName() for a in window.file_menu.actions()]
    start = names.index("backupNowAction")
    assert names[start : start + 3] == ["backupNowAction", "restoreAction", "checkDatabaseAction"]
    assert names[-1] == "" or window.file_menu.actions()[-1].text().replace("&", "") == "Quit"


def test_back_up_now_check_and_restore_from_the_menu(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    fill(services, 8)
    safety = _window(qtbot, ctx)[1]
    with qtbot.waitSignal(safety.backup_done, timeout=20_000) as done:
        safety.backup_action.trigger()
    backup: Path = done.args[0]
    assert backup.exists() and len(lead_emails(backup)) == 8
    assert safety.last_box is not None and str(backup) in safety.last_box.text()
    safety.last_box.close()

    with qtbot.waitSignal(safety.check_done, timeout=20_000) as checked:
        safety.check_action.trigger()
    assert checked.args[0].ok
    assert "passed the full integrity check" in safety.last_box.text()  # type: ignore[union-attr]
    safety.last_box.close()  # type: ignore[union-attr]

    fill(services, 2, prefix="later")
    dialog = safety.choose_restore()
    assert isinstance(dialog, RestoreDialog)
    assert dialog.selected_path() == backup  # the newest is preselected
    refreshed: list[bool] = []
    ctx.data_changed.connect(lambda: refreshed.append(True))
    with qtbot.waitSignal(safety.restore_done, timeout=20_000) as restored:
        dialog.accept()
    report = restored.args[0]
    assert report.restored_from == backup and report.kept_aside is not None
    assert refreshed  # the views are told to reload
    assert services.leads.detail(1).profile.email == "lead0@example.it"  # the same services keep working
    db_path = services.db.sqlite_path
    assert db_path is not None and len(lead_emails(db_path)) == 8
    assert len(lead_emails(report.kept_aside)) == 10


def test_a_failing_job_is_shown_as_an_error(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    safety = _window(qtbot, ctx)[1]
    db_path = services.db.sqlite_path
    assert db_path is not None
    with qtbot.waitSignal(safety.failed, timeout=20_000):
        safety.restore(db_path.with_name("missing.sqlite3"))
    assert safety.last_box is not None and "no backup file" in safety.last_box.text()
    assert safety.restore_action.isEnabled()
    safety.last_box.close()


def test_the_daily_chores_run_in_the_background(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    window, safety = _window(qtbot, ctx)
    with qtbot.waitSignal(safety.daily_done, timeout=20_000) as ran:
        safety.start_daily()
    assert ran.args[0].backup is not None and ran.args[0].backup.exists()
    assert "backup" in window.statusBar().currentMessage()


def test_the_settings_section_saves_backup_and_data_retention(
    qtbot, ctx: AppContext, services: Services
) -> None:  # type: ignore[no-untyped-def]
    window, _safety = _window(qtbot, ctx)
    page = window.pages["settings"]
    section = page.section("data-safety")  # type: ignore[attr-defined]
    assert isinstance(section, DataSafetySettings)
    with qtbot.waitSignal(section.loaded, timeout=10_000):
        window.show_area("settings")
        page.show_section("data-safety")  # type: ignore[attr-defined]
    assert section.keep_daily.value() == 7 and not section.retention_on.isChecked()
    section.keep_daily.setValue(3)
    section.keep_weekly.setValue(2)
    with qtbot.waitSignal(section.previewed, timeout=10_000) as preview:
        section.retention_on.setChecked(True)
        section.months.setValue(6)
    assert preview.args[0] == 0
    section.save_button.click()
    box = section.confirm_box
    assert box is not None and "cannot be undone" in box.text()
    with qtbot.waitSignal(section.saved, timeout=10_000):
        box.button(QMessageBox.StandardButton.Yes).click()
    keep = services.maintenance.backup_retention()
    assert (keep.keep_daily, keep.keep_weekly) == (3, 2)
    assert services.maintenance.retention.settings().months == 6


def test_a_damaged_database_found_by_the_check_offers_a_restore(
    qtbot, ctx: AppContext, services: Services
) -> None:  # type: ignore[no-untyped-def]
    fill(services, 20)
    safety = _window(qtbot, ctx)[1]
    good = services.maintenance.backup_now()
    db_path = services.db.sqlite_path
    assert db_path is not None
    services.db.dispose()
    with services.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    services.db.dispose()
    garble(db_path)
    with qtbot.waitSignal(safety.check_done, timeout=20_000) as checked:
        safety.check_action.trigger()
    report = checked.args[0]
    assert report.damaged and report.newest_good_backup == good
    box = safety.last_box
    assert box is not None and box.icon() == QMessageBox.Icon.Critical
    restore_button = box.findChild(QWidget, "restoreFromCheck")
    assert restore_button is not None and restore_button.isEnabled()
    restore_button.click()  # type: ignore[attr-defined]
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, RestoreDialog) and w.isVisible()]
    deadline = time.monotonic() + 5
    while not dialogs and time.monotonic() < deadline:
        qtbot.wait(20)
        dialogs = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, RestoreDialog) and w.isVisible()
        ]
    assert dialogs and dialogs[0].selected_path() == good
    with qtbot.waitSignal(safety.restore_done, timeout=20_000) as restored:
        dialogs[0].accept()
    assert restored.args[0].was_damaged
    assert len(lead_emails(db_path)) == 20
    assert isinstance(dialogs[0], QDialog)
