"""Online backups, retention, the daily schedule, verification and restore, on real SQLite files."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from leaddesk.domain.errors import NotFoundError, UserError
from leaddesk.storage.backup import (
    BackupError,
    BackupInfo,
    BackupReason,
    backup_name,
    backup_now,
    daily_backup_due,
    list_backups,
    parse_backup_name,
    prune,
    restore,
    select_to_keep,
    verify_backup,
)
from leaddesk.storage.integrity import IntegrityStatus
from leaddesk.storage.sqlite_pragmas import install_sqlite_pragmas
from tests.unit.test_storage_support import POSIX, child_env, count_leads, make_leads_db, mode_of, sha256

NOW = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)  # a Tuesday, ISO week 2026-W07


# --- taking a backup ---------------------------------------------------------------------------------


def test_backup_is_a_private_self_contained_copy_named_by_time_and_reason(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 500)
    backups = tmp_path / "backups"

    path = backup_now(db, backups, "manual", now=NOW)

    assert path == backups / "leads-20260210T080000Z-manual.sqlite3"
    assert count_leads(path) == 500
    assert path.read_bytes()[18:20] == b"\x01\x01", "rollback-journal mode: no -wal needed to read it"
    assert not list(backups.glob("*-wal")) and not list(backups.glob("*.partial"))
    assert verify_backup(path).ok
    if POSIX:
        assert mode_of(path) == 0o600
        assert mode_of(backups) == 0o700


def test_two_backups_in_the_same_second_do_not_collide(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 10)
    first = backup_now(db, tmp_path / "b", BackupReason.PRE_IMPORT, now=NOW)
    second = backup_now(db, tmp_path / "b", BackupReason.PRE_IMPORT, now=NOW)
    assert first.name == "leads-20260210T080000Z-pre-import.sqlite3"
    assert second.name == "leads-20260210T080000Z-pre-import-2.sqlite3"
    assert [i.path for i in list_backups(tmp_path / "b")] == [second, first]


def test_backup_of_a_missing_database_or_unknown_reason_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        backup_now(tmp_path / "nope.sqlite3", tmp_path / "b", "manual")
    db = make_leads_db(tmp_path / "leads.sqlite3", 1)
    with pytest.raises(ValueError):
        backup_now(db, tmp_path / "b", "whenever")


WRITER = r"""
import sqlite3, sys, pathlib
db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
conn = sqlite3.connect(db, isolation_level=None, timeout=10)
conn.execute("PRAGMA journal_mode = WAL")
batch = 1000
while not stop.exists() and batch < 100000:
    batch += 1
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO lead (campaign_id, batch, email) VALUES (1, ?, ?)",
        [(batch, f"w{batch}-{i}@example.com") for i in range(50)],
    )
    conn.execute("COMMIT")
conn.close()
"""


def test_backup_while_another_process_writes_is_a_committed_state(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 20_000)
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(stop)], env=child_env())
    try:
        deadline = time.monotonic() + 15
        while count_leads(db) < 20_000 + 50 * 20:  # the writer is well under way
            assert time.monotonic() < deadline, "the writer never started"
            assert writer.poll() is None, "the writer died"
            time.sleep(0.01)
        counts = []
        for n in range(3):
            before = count_leads(db)
            path = backup_now(db, tmp_path / "b", "manual", now=NOW + timedelta(seconds=n))
            after = count_leads(db)
            check = verify_backup(path)
            assert check.ok, check.message
            with sqlite3.connect(path) as conn:
                total = conn.execute("SELECT COUNT(*) FROM lead").fetchone()[0]
                torn = conn.execute(
                    "SELECT batch, COUNT(*) FROM lead WHERE batch > 0 GROUP BY batch HAVING COUNT(*) != 50"
                ).fetchall()
            conn.close()
            assert torn == [], "no half-committed batch in the copy"
            assert (total - 20_000) % 50 == 0
            assert before <= total <= after
            counts.append(total)
        assert count_leads(db) > counts[0], "writes went on while backups ran"
    finally:
        stop.touch()
        writer.wait(timeout=20)
    assert writer.returncode == 0


def test_backup_of_a_damaged_database_fails_cleanly(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 2000)
    data = bytearray(db.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)
    db.write_bytes(bytes(data))
    with pytest.raises(BackupError) as caught:
        backup_now(db, tmp_path / "b", "manual", now=NOW)
    assert isinstance(caught.value, UserError)
    assert list((tmp_path / "b").iterdir()) == [], "no partial file is left behind"


# --- names, listing, retention ---------------------------------------------------------------------


def _touch_backup(directory: Path, stem: str, at: datetime, reason: str, seq: int = 1) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / backup_name(stem, at, reason, seq)
    path.write_bytes(b"x" * 10)
    return path


def test_names_round_trip_and_foreign_files_are_ignored(tmp_path: Path) -> None:
    b = tmp_path / "b"
    old = _touch_backup(b, "my-leads", NOW - timedelta(days=1), "pre-migration")
    new = _touch_backup(b, "my-leads", NOW, "daily")
    other = _touch_backup(b, "team", NOW - timedelta(hours=1), "manual")
    for name in ["notes.txt", "my-leads-garbage-manual.sqlite3", new.name + ".partial", "leads.sqlite3"]:
        (b / name).write_text("not a backup")

    infos = list_backups(b)
    assert [i.path for i in infos] == [new, other, old]
    assert infos[2] == BackupInfo(old, "my-leads", NOW - timedelta(days=1), BackupReason.PRE_MIGRATION, 10)
    assert [i.path for i in list_backups(b, stem="my-leads")] == [new, old]
    assert parse_backup_name(b / "notes.txt") is None
    assert list_backups(tmp_path / "missing") == []


def test_retention_keeps_days_weeks_and_the_newest_of_each_kind(tmp_path: Path) -> None:
    b = tmp_path / "b"
    dailies = {}
    for days_ago in range(60):  # one daily a day at 09:00, plus an earlier one at 07:00
        day = (NOW - timedelta(days=days_ago)).replace(hour=9)
        if days_ago == 0:
            day = NOW.replace(hour=7, minute=30)
        dailies[day.date()] = _touch_backup(b, "leads", day, "daily")
        _touch_backup(b, "leads", day.replace(hour=6), "daily")
    manuals = [_touch_backup(b, "leads", NOW - timedelta(hours=h), "manual") for h in range(12)]
    pre_migration = [
        _touch_backup(b, "leads", NOW - timedelta(days=90 + d), "pre-migration") for d in range(3)
    ]
    other_db = _touch_backup(b, "other", NOW - timedelta(days=40), "daily")
    (b / "keep-me.txt").write_text("not a backup")

    removed = prune(b, keep_daily=7, keep_weekly=4, now=NOW)

    left = {p for p in b.iterdir()}

    def d(month: int, day: int) -> Path:
        return dailies[datetime(2026, month, day).date()]

    expected_dailies = {
        # the last 7 days (Feb 4 … Feb 10), newest of each day
        *(d(2, day) for day in range(4, 11)),
        # the newest of ISO weeks W07 (Feb 10), W06 (Feb 8), W05 (Feb 1), W04 (Jan 25)
        d(2, 1),
        d(1, 25),
    }
    assert {p for p in left if p.name.startswith("leads-") and "daily" in p.name} == expected_dailies
    assert {p for p in left if "manual" in p.name} == set(manuals[:10])
    assert {p for p in left if "pre-migration" in p.name} == set(pre_migration)
    assert other_db in left, "another database's only backup is its newest"
    assert b / "keep-me.txt" in left
    assert set(removed).isdisjoint(left) and len(removed) == 120 - 9 + 2
    assert prune(b, now=NOW) == [], "pruning again removes nothing"


def test_retention_after_a_long_absence_keeps_the_newest_daily_and_future_ones(tmp_path: Path) -> None:
    b = tmp_path / "b"
    old = [_touch_backup(b, "leads", NOW - timedelta(days=90 + k), "daily") for k in range(5)]
    future = _touch_backup(b, "leads", NOW + timedelta(days=3), "daily")  # a clock that was wrong
    prune(b, now=NOW)
    assert {p for p in b.iterdir()} == {old[0], future}


def test_prune_dry_run_deletes_nothing(tmp_path: Path) -> None:
    b = tmp_path / "b"
    paths = [_touch_backup(b, "leads", NOW - timedelta(hours=h), "manual") for h in range(12)]
    assert prune(b, now=NOW, dry_run=True) == [paths[11], paths[10]]
    assert all(p.exists() for p in paths)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offsets=st.lists(st.integers(min_value=-3 * 24, max_value=120 * 24), min_size=1, max_size=60),
    reasons=st.lists(st.sampled_from(list(BackupReason)), min_size=60, max_size=60),
    keep_daily=st.integers(min_value=1, max_value=10),
    keep_weekly=st.integers(min_value=0, max_value=6),
)
def test_retention_invariants(
    offsets: list[int], reasons: list[BackupReason], keep_daily: int, keep_weekly: int
) -> None:
    infos = [
        BackupInfo(Path(f"/b/{i}"), "leads", NOW - timedelta(hours=h), reasons[i], 1)
        for i, h in enumerate(offsets)
    ]
    keep = select_to_keep(infos, now=NOW, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_per_kind=3)
    for reason in BackupReason:
        of_kind = sorted((i for i in infos if i.reason is reason), key=lambda i: i.sort_key)
        if of_kind:
            assert of_kind[-1].path in keep, f"the newest {reason} backup is always kept"
        kept = [i for i in of_kind if i.path in keep]
        if reason is BackupReason.DAILY:
            future = [i for i in of_kind if i.taken_at > NOW]
            assert len(kept) <= keep_daily + keep_weekly + 1 + len(future)
            assert len({i.taken_at.date() for i in kept if i.taken_at <= NOW}) == len(
                [i for i in kept if i.taken_at <= NOW]
            ), "at most one daily backup per day"
        else:
            assert len(kept) == min(3, len(of_kind))
    kept_infos = [i for i in infos if i.path in keep]
    again = select_to_keep(
        kept_infos, now=NOW, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_per_kind=3
    )
    assert again == keep, "retention is idempotent"


def test_daily_backup_is_due_once_per_utc_day(tmp_path: Path) -> None:
    b = tmp_path / "b"
    assert daily_backup_due(b, NOW)
    _touch_backup(b, "leads", NOW - timedelta(days=1), "daily")
    _touch_backup(b, "leads", NOW - timedelta(hours=1), "manual")
    assert daily_backup_due(b, NOW), "yesterday's daily and today's manual backup do not count"
    _touch_backup(b, "leads", NOW.replace(hour=0, minute=5), "daily")
    assert not daily_backup_due(b, NOW)
    assert not daily_backup_due(b, NOW.replace(hour=23, minute=59))
    assert daily_backup_due(b, NOW + timedelta(days=1))
    assert daily_backup_due(b, NOW, stem="other")


def test_verify_backup_reports_damage(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 3000)
    path = backup_now(db, tmp_path / "b", "manual", now=NOW)
    assert verify_backup(path).status is IntegrityStatus.OK
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 4 * page] = os.urandom(page)
    path.write_bytes(bytes(data))
    result = verify_backup(path)
    assert result.damaged and not result.ok


# --- restore -----------------------------------------------------------------------------------------


def test_restore_keeps_the_old_file_aside_byte_for_byte(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 100)
    backup = backup_now(db, tmp_path / "b", "manual", now=NOW)
    make_leads_db(db, 50)  # work done after the backup
    before = sha256(db)

    aside = restore(backup, db, now=NOW + timedelta(hours=1))

    assert aside == tmp_path / "leads.sqlite3.before-restore-20260210T090000Z"
    assert aside is not None and sha256(aside) == before
    assert count_leads(aside) == 150
    assert count_leads(db) == 100
    assert verify_backup(db).ok
    if POSIX:
        assert mode_of(db) == 0o600 and mode_of(aside) == 0o600
    # A second restore in the same second keeps both old files.
    again = restore(backup, db, now=NOW + timedelta(hours=1))
    assert again == tmp_path / "leads.sqlite3.before-restore-20260210T090000Z-2"
    assert aside.exists()


def test_restore_under_an_open_wal_connection_stays_consistent(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 100)
    backup = backup_now(db, tmp_path / "b", "manual", now=NOW)
    engine = create_engine(f"sqlite:///{db}")
    install_sqlite_pragmas(engine)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO lead (campaign_id, email) VALUES (1, 'late@example.com')")
        assert (tmp_path / "leads.sqlite3-wal").exists(), "the pool keeps the WAL open"
        aside = restore(backup, db, now=NOW)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM lead").scalar() == 100
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()
    assert aside is not None and count_leads(aside) == 101, "the checkpointed copy has the late row"


def test_restore_over_a_damaged_file_keeps_the_damage_aside(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 100)
    backup = backup_now(db, tmp_path / "b", "manual", now=NOW)
    db.write_bytes(b"this is no longer a database" * 100)
    damaged = db.read_bytes()

    aside = restore(backup, db, now=NOW)

    assert aside is not None and aside.read_bytes() == damaged
    assert count_leads(db) == 100 and verify_backup(db).ok


def test_restore_refuses_a_damaged_backup_and_touches_nothing(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 10)
    bad = tmp_path / "b" / "leads-20260210T080000Z-manual.sqlite3"
    bad.parent.mkdir()
    bad.write_bytes(b"garbage" * 1000)
    before = sha256(db)
    with pytest.raises(BackupError, match="cannot be restored"):
        restore(bad, db)
    assert sha256(db) == before
    assert [p.name for p in tmp_path.iterdir() if "before-restore" in p.name] == []


def test_restore_into_a_missing_file_or_without_keeping_aside(tmp_path: Path) -> None:
    db = make_leads_db(tmp_path / "leads.sqlite3", 10)
    backup = backup_now(db, tmp_path / "b", "manual", now=NOW)
    target = tmp_path / "new" / "leads.sqlite3"
    assert restore(backup, target) is None
    assert count_leads(target) == 10
    assert restore(backup, db, keep_aside=False) is None
    assert not [p for p in tmp_path.iterdir() if re.search(r"before-restore", p.name)]
