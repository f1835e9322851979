"""Opening the database through the app's composition root: settings, lock, checks, damage, places."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from leaddesk.app import open_services
from leaddesk.domain.errors import DatabaseError, NotLeadDeskDatabaseError, UserError
from leaddesk.domain.records import LeadDraft
from leaddesk.opening import (
    DamagedDatabaseError,
    IncompleteSchemaError,
    NoticeKind,
    ReadOnlyDatabase,
    open_database_safely,
    recover_damaged,
)
from leaddesk.services.maintenance_service import ReadOnlyError, RestoreReport
from leaddesk.storage.instance_lock import AlreadyOpenError, lock_path_for
from leaddesk.storage.integrity import CheckKind, running_marker_path
from leaddesk.storage.sqlite_pragmas import read_pragmas
from tests.unit.test_opening_support import (
    fill,
    garble,
    hold_open,
    lead_emails,
    make_db,
    sha256,
    stop,
    truncate,
)

POSIX = sys.platform != "win32"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- 1. connection settings --------------------------------------------------------------------------


def test_every_pooled_connection_of_the_apps_engine_has_the_safety_settings(tmp_path: Path) -> None:
    services = open_services(str(tmp_path / "leads.sqlite3"))
    try:
        engine = services.db.engine
        connections = [engine.connect() for _ in range(4)]  # four distinct pooled connections
        try:
            raw = {id(c.connection.dbapi_connection) for c in connections}
            assert len(raw) == 4
            for conn in connections:
                values = read_pragmas(conn)
                assert int(values["busy_timeout"]) >= 5000
                assert values["journal_mode"] == "wal"
                assert values["synchronous"] == 2  # FULL
                assert values["foreign_keys"] == 1
        finally:
            for conn in connections:
                conn.close()
        # The sessions the services use (reads, and writes that BEGIN IMMEDIATE) see the same settings.
        with services.db.reading() as s:
            assert s.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with services.db.writing() as s:
            assert s.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        services.close()


# --- 7. permissions ----------------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_data_folder_database_journals_and_backups_are_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    monkeypatch.setenv("LEADDESK_DATA_DIR", str(data))
    old = os.umask(0o022)
    try:
        services = open_services(None)  # the default file in the data folder
        try:
            db = data / "leaddesk.sqlite3"
            fill(services, 3)
            assert services.db.sqlite_path == db
            assert _mode(data) == 0o700
            for path in (
                db,
                Path(f"{db}-wal"),
                Path(f"{db}-shm"),
                lock_path_for(db),
                running_marker_path(db),
            ):
                assert path.exists(), path
                assert _mode(path) == 0o600, path
            backup = services.maintenance.backup_now()
            assert _mode(backup) == 0o600
            assert _mode(backup.parent) == 0o700
        finally:
            services.close()
    finally:
        os.umask(old)


# --- 4. one writer per file --------------------------------------------------------------------------


def test_a_second_open_is_refused_and_read_only_refuses_every_write(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    first = open_services(str(path))
    try:
        fill(first, 5)
        with pytest.raises(AlreadyOpenError) as refused:
            open_services(str(path))
        assert str(os.getpid()) in str(refused.value)
        assert "PostgreSQL" in str(refused.value)

        viewer = open_services(str(path), read_only=True)
        try:
            assert isinstance(viewer.db, ReadOnlyDatabase)
            assert viewer.opened is not None and viewer.opened.read_only
            assert any(n.kind is NoticeKind.READ_ONLY for n in viewer.opened.notices)
            assert viewer.leads.detail(1).profile.email == "lead0@example.it"
            with pytest.raises(ReadOnlyError):
                viewer.lifecycle.create_lead(LeadDraft(email="new@example.it"))
            with pytest.raises(ReadOnlyError):
                viewer.maintenance.restore(tmp_path / "whatever.sqlite3")
            assert viewer.maintenance.run_daily().backup is None
            # Writes by the owner are seen by the viewer.
            fill(first, 1, prefix="later")
            assert "later0@example.it" in {viewer.leads.detail(i).profile.email for i in (6,)}
        finally:
            viewer.close()
        # Closing the viewer left the owner's lock and marker alone.
        assert lock_path_for(path).exists() and running_marker_path(path).exists()
    finally:
        first.close()
    assert not lock_path_for(path).exists()
    assert not running_marker_path(path).exists()
    open_services(str(path)).close()


def test_clean_shutdown_means_a_quick_check_next_time(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    make_db(path, 3)
    services = open_services(str(path))
    try:
        assert services.opened is not None and services.opened.integrity is not None
        assert services.opened.integrity.check is CheckKind.QUICK
        assert running_marker_path(path).exists()
    finally:
        services.close()
    assert not running_marker_path(path).exists()


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
def test_a_killed_instance_leaves_a_stale_lock_that_is_cleared_and_a_full_check(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    make_db(path, 5)
    child = hold_open(path)
    try:
        with pytest.raises(AlreadyOpenError) as refused:
            open_services(str(path))
        assert refused.value.holder is not None and refused.value.holder.pid == child.pid
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
    finally:
        stop(child)
    assert lock_path_for(path).exists() and running_marker_path(path).exists()  # left behind
    services = open_services(str(path))
    try:
        opened = services.opened
        assert opened is not None and opened.integrity is not None
        kinds = {n.kind for n in opened.notices}
        assert NoticeKind.STALE_LOCK_CLEARED in kinds
        assert NoticeKind.UNCLEAN_SHUTDOWN in kinds
        assert opened.integrity.check is CheckKind.FULL
        assert len(lead_emails(path)) == 5
    finally:
        services.close()


# --- 3. damage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", [garble, truncate])
def test_a_damaged_file_is_never_opened_and_the_newest_good_backup_is_offered(
    tmp_path: Path, damage: object
) -> None:
    path = tmp_path / "leads.sqlite3"
    make_db(path, 40)
    services = open_services(str(path))
    backup = services.maintenance.run_daily().backup
    services.close()
    assert backup is not None
    fill_later = open_services(str(path))
    fill(fill_later, 5, prefix="after")
    fill_later.close()
    damage(path)  # type: ignore[operator]
    before = sha256(path)

    with pytest.raises(DamagedDatabaseError) as caught:
        open_services(str(path))
    error = caught.value
    assert isinstance(error, UserError)
    assert error.backup == backup
    assert "leaddesk restore" in str(error) and "\n" not in str(error)
    assert sha256(path) == before  # untouched
    assert not lock_path_for(path).exists() and not running_marker_path(path).exists()

    report = recover_damaged(error, backup=error.backup)
    assert isinstance(report, RestoreReport) and report.was_damaged
    damaged = path.with_name(path.name + ".damaged")
    assert report.kept_aside == damaged and sha256(damaged) == before  # kept, byte for byte
    assert lead_emails(path) == {f"lead{i}@example.it" for i in range(40)}
    open_services(str(path)).close()


def test_starting_empty_moves_the_damaged_file_aside(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    make_db(path, 10)
    garble(path)
    before = sha256(path)
    with pytest.raises(DamagedDatabaseError) as caught:
        open_services(str(path))
    assert caught.value.backup is None
    assert "No backup" in str(caught.value)
    aside = recover_damaged(caught.value, backup=None)
    assert isinstance(aside, Path) and sha256(aside) == before
    services = open_services(str(path))
    try:
        assert services.opened is not None and services.opened.created
        assert lead_emails(path) == set()
    finally:
        services.close()


def test_a_damaged_file_seen_read_only_is_reported_not_recovered(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    make_db(path, 10)
    garble(path)
    with pytest.raises(DamagedDatabaseError) as caught:
        open_services(str(path), read_only=True)
    assert not caught.value.recoverable
    with pytest.raises(DatabaseError):
        recover_damaged(caught.value, backup=None)


# --- half-migrated schemas ---------------------------------------------------------------------------


def test_a_schema_with_missing_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    make_db(path, 3)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE saved_filters")
    conn.commit()
    conn.close()
    before = sha256(path)
    with pytest.raises(IncompleteSchemaError) as caught:
        open_services(str(path))
    assert "saved_filters" in str(caught.value)
    assert sha256(path) == before
    assert not lock_path_for(path).exists()


def test_a_database_without_a_revision_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    make_db(path, 3)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM alembic_version")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="half-created"):
        open_services(str(path))


# --- 5. risky places ---------------------------------------------------------------------------------


def test_a_cloud_sync_folder_is_a_warning_that_points_to_postgresql(tmp_path: Path) -> None:
    folder = tmp_path / "Dropbox" / "work"
    folder.mkdir(parents=True)
    services = open_services(str(folder / "leads.sqlite3"))
    try:
        assert services.opened is not None
        risks = services.opened.risks
        assert [r.detail for r in risks] == ["Dropbox"]
        assert "PostgreSQL" in risks[0].message
    finally:
        services.close()


def test_a_network_file_system_is_a_warning(tmp_path: Path) -> None:
    mounts = tmp_path / "mountinfo"
    mounts.write_text(
        f"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n40 22 0:50 / {tmp_path / 'share'} rw - cifs //nas/leads rw\n",
        encoding="utf-8",
    )
    (tmp_path / "share").mkdir()
    opened = open_database_safely(
        "sqlite:///" + str(tmp_path / "share" / "leads.sqlite3"), mount_table=mounts
    )
    try:
        assert [n.detail for n in opened.risks] == [f"cifs at {tmp_path / 'share'}"]
        assert "network" in opened.risks[0].message
    finally:
        opened.close()
    local = open_database_safely("sqlite:///" + str(tmp_path / "local.sqlite3"), mount_table=mounts)
    try:
        assert local.risks == []
    finally:
        local.close()


def test_a_foreign_file_is_refused_as_such_but_an_overwritten_database_is_damage(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 500)
    with pytest.raises(NotLeadDeskDatabaseError):
        open_services(str(photo))
    assert photo.read_bytes() == b"\xff\xd8\xff\xe0" + b"\x00" * 500

    path = tmp_path / "leads.sqlite3"
    make_db(path, 5)
    services = open_services(str(path))
    services.maintenance.backup_now()
    services.close()
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 8192)  # LeadDesk's own file, overwritten
    with pytest.raises(DamagedDatabaseError) as caught:
        open_services(str(path))
    assert caught.value.backup is not None


def test_a_path_in_a_folder_that_does_not_exist_is_refused_not_created(tmp_path: Path) -> None:
    """A mistyped --db would otherwise open a new, empty database, as if the leads were gone."""
    wrong = tmp_path / "Documneti" / "leads.sqlite3"
    with pytest.raises(DatabaseError, match="does not exist: check the database path"):
        open_database_safely("sqlite:///" + str(wrong))
    assert not wrong.parent.exists()


@pytest.mark.parametrize("url", ["mysql://me@server/leads", "notaurl://x"])
def test_an_address_of_another_kind_of_database_is_one_clear_error(url: str) -> None:
    with pytest.raises(DatabaseError, match="SQLite file or a PostgreSQL server"):
        open_database_safely(url)


@pytest.mark.parametrize("url", ["://x", "postgresql://[::1"])
def test_an_address_that_does_not_parse_is_one_clear_error(url: str) -> None:
    with pytest.raises(DatabaseError, match="is not a database address"):
        open_database_safely(url)
