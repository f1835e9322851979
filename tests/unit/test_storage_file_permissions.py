"""Owner-only permissions for the data folder, the database, its journals, lock and backups (POSIX)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaddesk.storage.file_permissions import (
    create_private_file,
    ensure_private_database,
    ensure_private_dir,
    ensure_private_file,
)
from tests.unit.test_storage_support import POSIX, mode_of

pytestmark = pytest.mark.skipif(not POSIX, reason="POSIX permissions; no-ops on Windows")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A permissive umask, so the modes below come from the code, not from the environment."""
    old = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(old)


def test_new_data_dir_is_0700_and_parents_are_left_alone(tmp_path: Path, open_umask: None) -> None:
    parent = tmp_path / "share"
    parent.mkdir(mode=0o755)
    os.chmod(parent, 0o755)
    target = ensure_private_dir(parent / "LeadDesk" / "backups")
    assert target == parent / "LeadDesk" / "backups"
    assert mode_of(target) == 0o700
    assert mode_of(parent) == 0o755


def test_existing_dir_is_tightened(tmp_path: Path) -> None:
    target = tmp_path / "LeadDesk"
    target.mkdir()
    os.chmod(target, 0o777)
    ensure_private_dir(target)
    assert mode_of(target) == 0o700


def test_files_are_tightened_and_never_created(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    assert ensure_private_file(db) is False and not db.exists()
    db.write_bytes(b"")
    os.chmod(db, 0o664)
    assert ensure_private_file(db) is True
    assert mode_of(db) == 0o600


def test_database_with_journals_and_lock(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "leads.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    lock = tmp_path / "leads.sqlite3.lock"
    lock.write_text("{}")
    os.chmod(lock, 0o666)
    assert mode_of(db) == 0o644 and mode_of(tmp_path / "leads.sqlite3-wal") == 0o644  # SQLite's default
    handled = ensure_private_database(db)
    conn.close()
    assert set(handled) == {db, tmp_path / "leads.sqlite3-wal", tmp_path / "leads.sqlite3-shm", lock}
    assert all(mode_of(p) == 0o600 for p in handled if p.exists())


def test_sqlite_journals_follow_a_private_database(tmp_path: Path, open_umask: None) -> None:
    db = create_private_file(tmp_path / "leads.sqlite3")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    try:
        assert mode_of(db) == 0o600
        assert mode_of(tmp_path / "leads.sqlite3-wal") == 0o600
        assert mode_of(tmp_path / "leads.sqlite3-shm") == 0o600
    finally:
        conn.close()


def test_create_private_file_is_exclusive(tmp_path: Path, open_umask: None) -> None:
    path = create_private_file(tmp_path / "x")
    assert mode_of(path) == 0o600 and path.read_bytes() == b""
    with pytest.raises(FileExistsError):
        create_private_file(path)
