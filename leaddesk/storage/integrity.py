"""Is the SQLite file healthy? Header sanity, quick and full checks, unclean-shutdown marker, set-aside.

The app calls `open_check` before opening the database: a cheap header look, then ``PRAGMA quick_check``,
or the full ``integrity_check`` + ``foreign_key_check`` when the previous run did not shut down cleanly
(`mark_running` at start, `mark_clean_shutdown` at exit, `was_unclean` in between; call them while holding
the instance lock, so another live instance's marker is never mistaken for a crash). A damaged file is
moved aside with `set_aside_damaged` (never deleted, never overwritten) and the newest backup that passes
the full check is found with `newest_good_backup`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Final, Literal

from leaddesk.domain.errors import DatabaseError
from leaddesk.storage._sqlite_files import (
    JOURNAL_SUFFIXES,
    SQLITE_MAGIC,
    connected,
    unique_aside_path,
    with_suffix_text,
)
from leaddesk.storage.file_permissions import create_private_file
from leaddesk.storage.instance_lock import LockInfo

RUNNING_SUFFIX: Final = ".running"
DAMAGED_SUFFIX: Final = ".damaged"
#: How many problem lines a check collects at most (SQLite stops there too).
MAX_PROBLEMS: Final = 100
HEADER_SIZE: Final = 100

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF).
_SQLITE_CORRUPT: Final = 11
_SQLITE_NOTADB: Final = 26


class IntegrityStatus(StrEnum):
    OK = "ok"
    MISSING = "missing"
    NOT_A_DATABASE = "not_a_database"
    TRUNCATED = "truncated"
    CORRUPT = "corrupt"
    FOREIGN_KEY_VIOLATIONS = "foreign_key_violations"
    #: Could not be read (locked, permission denied, I/O error): not proof of damage.
    UNREADABLE = "unreadable"


DAMAGED_STATUSES: Final = frozenset(
    {IntegrityStatus.NOT_A_DATABASE, IntegrityStatus.TRUNCATED, IntegrityStatus.CORRUPT}
)


class CheckKind(StrEnum):
    HEADER = "header"
    QUICK = "quick"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class IntegrityResult:
    path: Path
    status: IntegrityStatus
    check: CheckKind
    message: str
    problems: tuple[str, ...] = ()
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is IntegrityStatus.OK

    @property
    def damaged(self) -> bool:
        """The file itself is broken (restore a backup); False for missing, unreadable or FK problems."""
        return self.status in DAMAGED_STATUSES


# --- header ------------------------------------------------------------------------------------------


def check_header(db_path: Path) -> IntegrityResult:
    """Look at the file without SQLite: magic bytes, page size, size a whole number of pages, and the
    page count the header records."""
    path = Path(db_path)
    started = time.perf_counter()

    def result(status: IntegrityStatus, message: str) -> IntegrityResult:
        return IntegrityResult(path, status, CheckKind.HEADER, message, (), time.perf_counter() - started)

    if not path.exists():
        return result(IntegrityStatus.MISSING, f"There is no database file at {path}.")
    if not path.is_file():
        return result(IntegrityStatus.NOT_A_DATABASE, f"{path} is not a file.")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(HEADER_SIZE)
    except OSError as exc:
        return result(IntegrityStatus.UNREADABLE, f"{path} cannot be read: {exc.strerror or exc}.")
    if size == 0:
        return result(IntegrityStatus.OK, f"{path} is empty; SQLite treats it as a new, empty database.")
    if len(header) < HEADER_SIZE:
        if SQLITE_MAGIC.startswith(header[: len(SQLITE_MAGIC)]):
            return result(
                IntegrityStatus.TRUNCATED,
                f"{path} is cut short: it holds only {size} bytes, less than a SQLite header.",
            )
        return result(IntegrityStatus.NOT_A_DATABASE, _not_a_database_message(path))
    if header[: len(SQLITE_MAGIC)] != SQLITE_MAGIC:
        return result(IntegrityStatus.NOT_A_DATABASE, _not_a_database_message(path))

    (raw_page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if raw_page_size == 1 else raw_page_size
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        return result(
            IntegrityStatus.CORRUPT,
            f"{path} is damaged: its header is garbled (page size {raw_page_size} is impossible).",
        )
    if header[18] not in (1, 2) or header[19] not in (1, 2):
        return result(
            IntegrityStatus.CORRUPT,
            f"{path} is damaged: its header is garbled (file format {header[18]}/{header[19]}).",
        )
    if size % page_size:
        return result(
            IntegrityStatus.TRUNCATED,
            f"{path} is cut short or damaged: its size ({size} bytes) is not a whole number of "
            f"{page_size}-byte pages. It was probably copied or synced incompletely.",
        )
    (change_counter,) = struct.unpack(">I", header[24:28])
    (header_pages,) = struct.unpack(">I", header[28:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    # The page count in the header is trustworthy only when written by SQLite >= 3.7.0 (valid_for ==
    # change_counter) and when no journal may still change the file (a crash in the middle of a
    # checkpoint or of a rollback-journal commit leaves the file short until recovery).
    if header_pages and valid_for == change_counter and not _has_pending_journal(path):
        file_pages = size // page_size
        if file_pages < header_pages:
            return result(
                IntegrityStatus.TRUNCATED,
                f"{path} is cut short: its header records {header_pages} pages of {page_size} bytes, "
                f"but the file holds only {file_pages}. It was probably copied or synced incompletely.",
            )
    return result(IntegrityStatus.OK, f"{path} has a valid SQLite header.")


def _has_pending_journal(path: Path) -> bool:
    for suffix in ("-wal", "-journal"):
        candidate = with_suffix_text(path, suffix)
        try:
            if candidate.stat().st_size > 0:
                return True
        except OSError:
            continue
    return False


def _not_a_database_message(path: Path) -> str:
    return (
        f"{path} is not a SQLite database (it does not start with 'SQLite format 3'). It may have been "
        "overwritten, or it is another kind of file."
    )


def is_damage_error(exc: sqlite3.Error) -> bool:
    """True for SQLite's "file is not a database" and "database disk image is malformed" errors."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def _error_result(path: Path, check: CheckKind, exc: sqlite3.Error, started: float) -> IntegrityResult:
    elapsed = time.perf_counter() - started
    code = getattr(exc, "sqlite_errorcode", None)
    if (isinstance(code, int) and (code & 0xFF) == _SQLITE_NOTADB) or "not a database" in str(exc).lower():
        return IntegrityResult(
            path, IntegrityStatus.NOT_A_DATABASE, check, _not_a_database_message(path), (str(exc),), elapsed
        )
    if is_damage_error(exc):
        return IntegrityResult(
            path,
            IntegrityStatus.CORRUPT,
            check,
            f"{path} is damaged: SQLite reports '{exc}'. Restore the newest good backup.",
            (str(exc),),
            elapsed,
        )
    return IntegrityResult(
        path,
        IntegrityStatus.UNREADABLE,
        check,
        f"{path} could not be checked: {exc}. Close other programs using it and try again.",
        (str(exc),),
        elapsed,
    )


# --- SQLite checks -----------------------------------------------------------------------------------


def _run_check(
    path: Path, check: Literal[CheckKind.QUICK, CheckKind.FULL], *, read_only: bool
) -> IntegrityResult:
    header = check_header(path)
    if not header.ok:
        return IntegrityResult(path, header.status, check, header.message, header.problems, header.elapsed_s)
    started = time.perf_counter()
    pragma = "quick_check" if check is CheckKind.QUICK else "integrity_check"
    try:
        with connected(path, "ro" if read_only else "rw") as conn:
            rows = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})")]
            fk_rows = []
            if check is CheckKind.FULL and rows == ["ok"]:
                fk_rows = conn.execute("PRAGMA foreign_key_check").fetchmany(MAX_PROBLEMS)
    except sqlite3.Error as exc:
        return _error_result(path, check, exc, started)
    elapsed = time.perf_counter() - started
    what = "quick check" if check is CheckKind.QUICK else "full integrity check"
    if rows != ["ok"]:
        first = rows[0] if rows else "no answer"
        return IntegrityResult(
            path,
            IntegrityStatus.CORRUPT,
            check,
            f"{path} is damaged: the {what} found {len(rows)} problem(s), first: {first}. "
            "Restore the newest good backup.",
            tuple(rows),
            elapsed,
        )
    if fk_rows:
        problems = tuple(
            f"{table} row {rowid} refers to a missing row in {parent}"
            for table, rowid, parent, _fk in fk_rows
        )
        return IntegrityResult(
            path,
            IntegrityStatus.FOREIGN_KEY_VIOLATIONS,
            check,
            f"{path} is readable, but {len(problems)} row(s) refer to rows that do not exist "
            f"(first: {problems[0]}).",
            problems,
            elapsed,
        )
    return IntegrityResult(path, IntegrityStatus.OK, check, f"{path} passed the {what}.", (), elapsed)


def quick_check(db_path: Path, *, read_only: bool = False) -> IntegrityResult:
    """Header sanity, then ``PRAGMA quick_check`` (B-tree structure, no index-content cross-check)."""
    return _run_check(Path(db_path), CheckKind.QUICK, read_only=read_only)


def full_check(db_path: Path, *, read_only: bool = False) -> IntegrityResult:
    """Header sanity, ``PRAGMA integrity_check``, then ``PRAGMA foreign_key_check``."""
    return _run_check(Path(db_path), CheckKind.FULL, read_only=read_only)


# --- clean-shutdown marker ---------------------------------------------------------------------------


def running_marker_path(db_path: Path) -> Path:
    return with_suffix_text(Path(db_path), RUNNING_SUFFIX)


def mark_running(db_path: Path, *, now: datetime | None = None) -> Path:
    """Write ``<db>.running`` (pid, host, user, start time, as in the lock file); it stays behind if the
    app crashes or is killed."""
    marker = running_marker_path(db_path)
    tmp = marker.with_name(f"{marker.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    create_private_file(tmp)
    tmp.write_text(json.dumps(asdict(LockInfo.for_this_process(now))), encoding="utf-8")
    os.replace(tmp, marker)
    return marker


def mark_clean_shutdown(db_path: Path) -> None:
    running_marker_path(db_path).unlink(missing_ok=True)


def was_unclean(db_path: Path) -> bool:
    """True when the previous run left its marker behind (crash, power loss, killed)."""
    return running_marker_path(db_path).exists()


# --- the decision at open ----------------------------------------------------------------------------


def open_check(db_path: Path) -> IntegrityResult:
    """What the app runs before opening the file: the full check after an unclean shutdown, else the
    quick check. A missing file is reported as MISSING (the app then creates a new database)."""
    path = Path(db_path)
    header = check_header(path)
    if not header.ok or path.stat().st_size == 0:
        return header
    if was_unclean(path):
        result = full_check(path)
        note = " (full check, because LeadDesk did not shut down cleanly last time)"
        return IntegrityResult(
            result.path,
            result.status,
            result.check,
            result.message.rstrip(".") + note + ".",
            result.problems,
            result.elapsed_s,
        )
    return quick_check(path)


# --- damaged files and backups -----------------------------------------------------------------------


def set_aside_damaged(db_path: Path) -> Path:
    """Move the file and its -wal/-shm/-journal to ``<name>.damaged`` (or ``.damaged-2`` …); never
    overwrites, never deletes. Returns the new path of the database file."""
    path = Path(db_path)
    target = unique_aside_path(path.with_name(path.name + DAMAGED_SUFFIX))
    journals = [s for s in JOURNAL_SUFFIXES if with_suffix_text(path, s).exists()]
    try:
        os.replace(path, target)
        for suffix in journals:
            os.replace(with_suffix_text(path, suffix), with_suffix_text(target, suffix))
    except OSError as exc:
        raise DatabaseError(
            f"Could not move the damaged database {path} aside: {exc.strerror or exc}. "
            "Close every program that uses it and try again."
        ) from exc
    return target


def newest_good_backup(backups_dir: Path, stem: str) -> Path | None:
    """The newest backup of database `stem` that passes the full check (read-only), or None."""
    # backup.py builds on this module (verify_backup), so import it here to keep the graph acyclic.
    from leaddesk.storage.backup import list_backups

    for info in list_backups(backups_dir, stem=stem):
        if full_check(info.path, read_only=True).status in (
            IntegrityStatus.OK,
            IntegrityStatus.FOREIGN_KEY_VIOLATIONS,
        ):
            return info.path
    return None
