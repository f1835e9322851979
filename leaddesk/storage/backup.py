"""Online backups of the SQLite file with SQLite's backup API, retention, verification and restore.

A backup is never a file copy of a live database: a copy taken while another connection writes (or with
committed pages still in the ``-wal`` file) can be torn or stale. ``sqlite3.Connection.backup`` copies a
consistent snapshot page by page; in WAL mode writers keep working while it runs. The copy is done in one
step (``pages=-1``): done in several steps, every write by another connection would restart it.

Names: ``<stem>-<UTC YYYYMMDDTHHMMSSZ>-<reason>.sqlite3`` (``-2``, ``-3`` … before the extension when two
backups of the same kind land in the same second). Backups are rollback-journal (DELETE) files, so each is
a single self-contained file, created 0600.

Retention (`prune`), per database stem:

- ``daily`` backups: for each of the last `keep_daily` calendar days (UTC, today included) the newest
  daily backup of that day is kept; for each of the last `keep_weekly` ISO weeks (the current one
  included) the newest daily backup of that week is kept. The newest daily backup not after "now" is
  always kept (so a long holiday never leaves none), and so is every backup dated after "now" (a clock
  that was wrong: better kept than deleted on a guess).
- every other reason (manual, pre-migration, pre-import, pre-undo, pre-restore): the newest
  `keep_per_kind` of each reason are kept.
- files whose names do not parse are never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final

from leaddesk.domain.errors import DatabaseError, NotFoundError
from leaddesk.storage._sqlite_files import (
    JOURNAL_SUFFIXES,
    connected,
    fsync_path,
    journal_files,
    parse_stamp,
    unique_aside_path,
    utc_stamp,
    with_suffix_text,
)
from leaddesk.storage.file_permissions import create_private_file, ensure_private_dir, ensure_private_file
from leaddesk.storage.integrity import IntegrityResult, check_header, full_check, is_damage_error

BACKUP_EXTENSION: Final = ".sqlite3"
PARTIAL_SUFFIX: Final = ".partial"
BEFORE_RESTORE_SUFFIX: Final = ".before-restore-"


class BackupReason(StrEnum):
    MANUAL = "manual"
    DAILY = "daily"
    PRE_MIGRATION = "pre-migration"
    PRE_IMPORT = "pre-import"
    PRE_UNDO = "pre-undo"
    PRE_RESTORE = "pre-restore"


class BackupError(DatabaseError):
    """A backup or restore that could not be made; the message says why and what to do."""


_NAME_RE: Final = re.compile(
    r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}Z)-(?P<reason>"
    + "|".join(re.escape(r.value) for r in BackupReason)
    + r")(?:-(?P<seq>[2-9]|[1-9]\d+))?"
    + re.escape(BACKUP_EXTENSION)
    + "$"
)


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    stem: str
    taken_at: datetime
    reason: BackupReason
    size_bytes: int
    seq: int = 1

    @property
    def sort_key(self) -> tuple[datetime, int, str]:
        return (self.taken_at, self.seq, self.path.name)


def backup_name(stem: str, taken_at: datetime, reason: BackupReason | str, seq: int = 1) -> str:
    tail = f"-{seq}" if seq > 1 else ""
    return f"{stem}-{utc_stamp(taken_at)}-{BackupReason(reason).value}{tail}{BACKUP_EXTENSION}"


def parse_backup_name(path: Path) -> BackupInfo | None:
    """The stem, time and reason encoded in a backup's file name, or None for any other file."""
    match = _NAME_RE.match(path.name)
    if not match:
        return None
    try:
        taken_at = parse_stamp(match["stamp"])
        size = path.stat().st_size if path.exists() else 0
    except (ValueError, OSError):
        return None
    return BackupInfo(
        path=path,
        stem=match["stem"],
        taken_at=taken_at,
        reason=BackupReason(match["reason"]),
        size_bytes=size,
        seq=int(match["seq"] or 1),
    )


# --- taking backups ----------------------------------------------------------------------------------


def backup_now(
    db_path: Path,
    backups_dir: Path,
    reason: BackupReason | str,
    *,
    now: datetime | None = None,
    verify: bool = False,
) -> Path:
    """Copy a consistent snapshot of `db_path` into `backups_dir` and return the new file.

    With `verify`, the copy must pass the full integrity check before it is given its final name.
    """
    db_path = Path(db_path)
    reason = BackupReason(reason)
    if not db_path.is_file():
        raise NotFoundError(f"There is no database file at {db_path} to back up.")
    ensure_private_dir(Path(backups_dir))
    taken_at = now or datetime.now(UTC)
    final = _free_backup_path(Path(backups_dir), db_path.stem, taken_at, reason)
    partial = final.with_name(final.name + PARTIAL_SUFFIX)
    create_private_file(partial)
    try:
        _copy_with_backup_api(db_path, partial, source_read_only=False)
        with connected(partial, "rw") as dst:
            # A WAL source hands its "WAL" header bytes to the copy; make the copy one plain file.
            dst.execute("PRAGMA journal_mode = DELETE")
        if verify:
            check = full_check(partial, read_only=True)
            if not check.ok:
                raise BackupError(f"The new backup failed its check: {check.message}")
        fsync_path(partial)
        os.replace(partial, final)
        fsync_path(final.parent)
    except sqlite3.Error as exc:
        _discard(partial)
        if is_damage_error(exc):
            raise BackupError(
                f"Cannot back up {db_path}: the database is damaged ({exc}). Restore a backup instead."
            ) from exc
        raise BackupError(f"Cannot back up {db_path}: {exc}.") from exc
    except BaseException:
        _discard(partial)
        raise
    ensure_private_file(final)
    return final


def _free_backup_path(backups_dir: Path, stem: str, taken_at: datetime, reason: BackupReason) -> Path:
    seq = 1
    while True:
        candidate = backups_dir / backup_name(stem, taken_at, reason, seq)
        if not candidate.exists() and not candidate.with_name(candidate.name + PARTIAL_SUFFIX).exists():
            return candidate
        seq += 1


def _copy_with_backup_api(source: Path, target: Path, *, source_read_only: bool) -> None:
    with (
        connected(source, "ro" if source_read_only else "rw") as src,
        connected(target, "rw") as dst,
    ):
        src.backup(dst, pages=-1)


def _discard(path: Path) -> None:
    for candidate in [path, *journal_files(path)]:
        candidate.unlink(missing_ok=True)


# --- listing, retention, schedule --------------------------------------------------------------------


def list_backups(backups_dir: Path, *, stem: str | None = None) -> list[BackupInfo]:
    """Backups in `backups_dir` (of database `stem` only, if given), newest first."""
    directory = Path(backups_dir)
    if not directory.is_dir():
        return []
    found = []
    for entry in directory.iterdir():
        info = parse_backup_name(entry)
        if info is not None and entry.is_file() and (stem is None or info.stem == stem):
            found.append(info)
    found.sort(key=lambda i: i.sort_key, reverse=True)
    return found


def select_to_keep(
    backups: list[BackupInfo],
    *,
    now: datetime,
    keep_daily: int = 7,
    keep_weekly: int = 4,
    keep_per_kind: int = 10,
) -> set[Path]:
    """The retention rule of the module docstring, as a pure function (one database's backups)."""
    now = now.astimezone(UTC)
    today = now.date()
    days = {today - timedelta(days=k) for k in range(keep_daily)}
    weeks = {_iso_week(today - timedelta(weeks=k)) for k in range(keep_weekly)}
    keep: set[Path] = set()
    by_reason: dict[BackupReason, list[BackupInfo]] = defaultdict(list)
    for info in sorted(backups, key=lambda i: i.sort_key, reverse=True):
        by_reason[info.reason].append(info)

    for reason, items in by_reason.items():
        if reason is not BackupReason.DAILY:
            keep.update(i.path for i in items[:keep_per_kind])
            continue
        future = [i for i in items if i.taken_at > now]
        past = items[len(future) :]
        keep.update(i.path for i in future)
        if past:
            keep.add(past[0].path)  # the newest daily backup, whatever its age
        seen_days: set[date] = set()
        seen_weeks: set[tuple[int, int]] = set()
        for info in past:
            day = info.taken_at.date()
            if day in days and day not in seen_days:
                seen_days.add(day)
                keep.add(info.path)
            week = _iso_week(day)
            if week in weeks and week not in seen_weeks:
                seen_weeks.add(week)
                keep.add(info.path)
    return keep


def _iso_week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return (iso.year, iso.week)


def prune(
    backups_dir: Path,
    keep_daily: int = 7,
    keep_weekly: int = 4,
    *,
    keep_per_kind: int = 10,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[Path]:
    """Delete the backups the retention rule does not keep; returns them (oldest first)."""
    now = now or datetime.now(UTC)
    by_stem: dict[str, list[BackupInfo]] = defaultdict(list)
    for info in list_backups(backups_dir):
        by_stem[info.stem].append(info)
    doomed: list[BackupInfo] = []
    for items in by_stem.values():
        keep = select_to_keep(
            items, now=now, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_per_kind=keep_per_kind
        )
        doomed.extend(i for i in items if i.path not in keep)
    doomed.sort(key=lambda i: i.sort_key)
    if not dry_run:
        for info in doomed:
            info.path.unlink(missing_ok=True)
    return [i.path for i in doomed]


def daily_backup_due(backups_dir: Path, now: datetime, *, stem: str | None = None) -> bool:
    """True when there is no daily backup dated today (UTC)."""
    today = now.astimezone(UTC).date()
    return not any(
        i.reason is BackupReason.DAILY and i.taken_at.date() == today
        for i in list_backups(backups_dir, stem=stem)
    )


def verify_backup(path: Path) -> IntegrityResult:
    """Open the backup read-only and run the full integrity check (and foreign_key_check)."""
    return full_check(Path(path), read_only=True)


# --- restore -----------------------------------------------------------------------------------------


def restore(
    backup_path: Path,
    db_path: Path,
    *,
    keep_aside: bool = True,
    now: datetime | None = None,
) -> Path | None:
    """Replace the contents of `db_path` with `backup_path`; returns where the old file was kept.

    Call it while holding the instance lock, best with the app's engine disposed (idle pooled
    connections are tolerated: they see the restored data afterwards). Steps:

    1. the backup must pass the full check, else nothing is touched;
    2. the current file is checkpointed (best effort: a damaged file cannot be) and copied, byte for
       byte and with any remaining -wal/-shm/-journal, to ``<name>.before-restore-<UTC stamp>`` (never
       deleted by LeadDesk);
    3. the backup is written into `db_path` with the backup API, so SQLite rewrites the file and its WAL
       consistently under its own locks. If the current file is too damaged for SQLite to write into,
       it (already copied aside) is removed with its journals and the backup goes into a new file.

    With `keep_aside=False` nothing is copied and a damaged current file is simply replaced.
    Returns the path of the copy, or None when `keep_aside` is False or there was no current file.
    """
    backup_path = Path(backup_path)
    db_path = Path(db_path)
    check = full_check(backup_path, read_only=True)
    if not check.ok:
        raise BackupError(f"The backup {backup_path.name} cannot be restored: {check.message}")

    aside: Path | None = None
    if db_path.exists():
        _checkpoint(db_path)
        if keep_aside:
            aside = _copy_aside(db_path, now or datetime.now(UTC))
        _write_backup_into(backup_path, db_path, existing=check_header(db_path).ok)
    else:
        if not db_path.parent.exists():  # never re-mode an existing folder such as Documents
            ensure_private_dir(db_path.parent)
        _write_backup_into(backup_path, db_path, existing=False)
    ensure_private_file(db_path)
    return aside


def _checkpoint(db_path: Path) -> None:
    if not check_header(db_path).ok:
        return
    try:
        with connected(db_path, "rw") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.Error:
        pass  # damaged or locked: the journals are copied aside as they are


def _copy_aside(db_path: Path, now: datetime) -> Path:
    target = unique_aside_path(db_path.with_name(f"{db_path.name}{BEFORE_RESTORE_SUFFIX}{utc_stamp(now)}"))
    pairs = [(db_path, target)] + [
        (with_suffix_text(db_path, s), with_suffix_text(target, s))
        for s in JOURNAL_SUFFIXES
        if with_suffix_text(db_path, s).exists()
    ]
    try:
        for source, dest in pairs:
            create_private_file(dest)
            shutil.copyfile(source, dest)
            fsync_path(dest)
        fsync_path(target.parent)
    except OSError as exc:
        raise BackupError(
            f"Could not keep a copy of {db_path} before restoring: {exc.strerror or exc}. Nothing was "
            "restored; free some disk space and try again."
        ) from exc
    return target


def _write_backup_into(backup_path: Path, db_path: Path, *, existing: bool) -> None:
    if existing:
        try:
            with connected(backup_path, "ro") as src, connected(db_path, "rw") as dst:
                dst.execute("PRAGMA synchronous = FULL")
                src.backup(dst, pages=-1)
            return
        except sqlite3.Error as exc:
            if not is_damage_error(exc):
                raise BackupError(f"Could not restore into {db_path}: {exc}.") from exc
    # No usable file there: start a fresh one (any damaged file and journals were copied aside).
    for stale in [db_path, *journal_files(db_path)]:
        stale.unlink(missing_ok=True)
    create_private_file(db_path)
    try:
        _copy_with_backup_api(backup_path, db_path, source_read_only=True)
    except sqlite3.Error as exc:
        raise BackupError(f"Could not restore into {db_path}: {exc}.") from exc
