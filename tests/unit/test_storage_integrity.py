"""Damaged, truncated and foreign files are recognised, set aside, and a good backup is found."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leaddesk.storage.backup import backup_now
from leaddesk.storage.integrity import (
    CheckKind,
    IntegrityStatus,
    check_header,
    full_check,
    mark_clean_shutdown,
    mark_running,
    newest_good_backup,
    open_check,
    quick_check,
    running_marker_path,
    set_aside_damaged,
    was_unclean,
)
from tests.unit.test_storage_support import POSIX, count_leads, make_leads_db, mode_of, sha256

NOW = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)


def _page_size(path: Path) -> int:
    (raw,) = struct.unpack(">H", path.read_bytes()[16:18])
    return 65536 if raw == 1 else raw


def _truncate_to_half(path: Path) -> None:
    data = path.read_bytes()
    page = _page_size(path)
    path.write_bytes(data[: (len(data) // page // 2) * page])


def _garble_pages_after_first(path: Path, seed: int = 7) -> None:
    data = bytearray(path.read_bytes())
    page = _page_size(path)
    data[page:] = random.Random(seed).randbytes(len(data) - page)
    path.write_bytes(bytes(data))


def _with_backups(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    db = make_leads_db(tmp_path / "leads.sqlite3", 3000)
    backups = tmp_path / "backups"
    made = [backup_now(db, backups, "daily", now=NOW - timedelta(days=3 - k)) for k in range(3)]
    return db, backups, made


# --- healthy files -----------------------------------------------------------------------------------


def test_a_healthy_file_passes_every_check(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 1000)
    for result, kind in [(quick_check(db), CheckKind.QUICK), (full_check(db), CheckKind.FULL)]:
        assert result.ok and not result.damaged
        assert result.check is kind
        assert result.problems == ()
        assert "passed" in result.message
    assert open_check(db).check is CheckKind.QUICK
    assert check_header(db).ok


def test_results_are_frozen(tmp_path: Path) -> None:
    result = quick_check(make_leads_db(tmp_path / "leads.sqlite3", 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = IntegrityStatus.CORRUPT  # type: ignore[misc]


def test_missing_and_empty_files_are_not_damage(tmp_path: Path) -> None:
    missing = open_check(tmp_path / "none.sqlite3")
    assert missing.status is IntegrityStatus.MISSING and not missing.damaged
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    assert open_check(empty).ok


# --- damaged files -----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    path.write_text("Name,Email\nAda,ada@example.com\n" * 200)
    result = open_check(path)
    assert result.status is IntegrityStatus.NOT_A_DATABASE and result.damaged
    assert "not a SQLite database" in result.message


def test_truncated_file_is_detected_set_aside_and_a_good_backup_found(tmp_path: Path) -> None:
    db, backups, made = _with_backups(tmp_path)
    _truncate_to_half(db)
    cut = sha256(db)

    result = open_check(db)
    assert result.status is IntegrityStatus.TRUNCATED and result.damaged
    assert "cut short" in result.message

    aside = set_aside_damaged(db)
    assert aside == tmp_path / "leads.sqlite3.damaged"
    assert not db.exists() and sha256(aside) == cut
    assert newest_good_backup(backups, "leads") == made[-1]


def test_garbled_file_is_detected_set_aside_and_the_newest_good_backup_found(tmp_path: Path) -> None:
    db, backups, made = _with_backups(tmp_path)
    _garble_pages_after_first(made[-1])  # the newest backup is bad too
    (tmp_path / "leads.sqlite3.damaged").write_text("an earlier casualty")
    _garble_pages_after_first(db)

    result = open_check(db)
    assert result.status is IntegrityStatus.CORRUPT and result.damaged, result.message
    assert result.check is CheckKind.QUICK

    aside = set_aside_damaged(db)
    assert aside == tmp_path / "leads.sqlite3.damaged-2", "never overwrites an earlier .damaged"
    assert (tmp_path / "leads.sqlite3.damaged").read_text() == "an earlier casualty"
    assert newest_good_backup(backups, "leads") == made[1]
    assert count_leads(made[1]) == 3000


def test_garbled_first_page_and_header_are_detected(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 500)
    data = bytearray(db.read_bytes())
    data[100:4096] = random.Random(1).randbytes(4096 - 100)
    db.write_bytes(bytes(data))
    assert quick_check(db).damaged

    other = make_leads_db(tmp_path / "other.sqlite3", 10)
    data = bytearray(other.read_bytes())
    data[16:18] = b"\x03\x00"  # page size 768: impossible
    other.write_bytes(bytes(data))
    result = check_header(other)
    assert result.status is IntegrityStatus.CORRUPT and "garbled" in result.message


def test_size_that_is_not_whole_pages_is_truncation(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 500)
    db.write_bytes(db.read_bytes()[:-100])
    assert open_check(db).status is IntegrityStatus.TRUNCATED


def test_set_aside_moves_the_journals_with_the_file(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 10)
    (tmp_path / "leads.sqlite3-wal").write_bytes(b"wal frames")
    (tmp_path / "leads.sqlite3-shm").write_bytes(b"shm")
    aside = set_aside_damaged(db)
    assert (tmp_path / "leads.sqlite3.damaged-wal").read_bytes() == b"wal frames"
    assert (tmp_path / "leads.sqlite3.damaged-shm").read_bytes() == b"shm"
    assert not (tmp_path / "leads.sqlite3-wal").exists()
    assert aside.exists() and not db.exists()


def test_no_good_backup(tmp_path: Path) -> None:
    assert newest_good_backup(tmp_path / "nothing", "leads") is None
    _db, backups, made = _with_backups(tmp_path)
    for path in made:
        _truncate_to_half(path)
    assert newest_good_backup(backups, "leads") is None
    assert newest_good_backup(backups, "other") is None


# --- unclean shutdown and foreign keys ---------------------------------------------------------------


def test_unclean_shutdown_triggers_the_full_check(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 100)
    assert not was_unclean(db)
    marker = mark_running(db, now=NOW)
    assert marker == running_marker_path(db) and marker.exists()
    if POSIX:
        assert mode_of(marker) == 0o600
    # The app is killed here: the marker stays.
    assert was_unclean(db)
    result = open_check(db)
    assert result.ok and result.check is CheckKind.FULL
    assert "did not shut down cleanly" in result.message
    mark_clean_shutdown(db)
    assert not was_unclean(db)
    assert open_check(db).check is CheckKind.QUICK
    mark_clean_shutdown(db)  # idempotent


def test_foreign_key_violations_are_found_by_the_full_check_only(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 10)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO lead (campaign_id, email) VALUES (99, 'orphan@example.com')")
    conn.commit()
    conn.close()
    assert quick_check(db).ok
    result = full_check(db)
    assert result.status is IntegrityStatus.FOREIGN_KEY_VIOLATIONS
    assert not result.ok and not result.damaged
    assert result.problems == ("lead row 11 refers to a missing row in campaign",)
