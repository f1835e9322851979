"""Small helpers shared by the storage modules: URIs, journal files, timestamps, unique names, fsync."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
#: Files SQLite keeps next to a database while it is in use (WAL mode, or rollback journal mode).
JOURNAL_SUFFIXES: Final = ("-wal", "-shm", "-journal")
#: UTC timestamps in file names: sortable, no characters that Windows forbids.
STAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"
CHECK_TIMEOUT_S: Final = 10.0


def utc_stamp(moment: datetime | None = None) -> str:
    moment = datetime.now(UTC) if moment is None else moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)


def sqlite_uri(path: Path, mode: Literal["ro", "rw", "rwc"]) -> str:
    """A ``file:`` URI for sqlite3.connect(uri=True); percent-encodes '?', '#', '%' and spaces."""
    return f"{Path(path).absolute().as_uri()}?mode={mode}"


def connect(path: Path, mode: Literal["ro", "rw", "rwc"]) -> sqlite3.Connection:
    """A plain sqlite3 connection in driver autocommit (no implicit BEGIN), waiting on locks."""
    conn = sqlite3.connect(sqlite_uri(path, mode), uri=True, timeout=CHECK_TIMEOUT_S, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(CHECK_TIMEOUT_S * 1000)}")
    return conn


@contextlib.contextmanager
def connected(path: Path, mode: Literal["ro", "rw", "rwc"]) -> Iterator[sqlite3.Connection]:
    conn = connect(path, mode)
    try:
        yield conn
    finally:
        conn.close()


def journal_files(db_path: Path) -> list[Path]:
    """The ``-wal``/``-shm``/``-journal`` files of `db_path` that exist."""
    return [p for s in JOURNAL_SUFFIXES if (p := db_path.with_name(db_path.name + s)).exists()]


def with_suffix_text(path: Path, suffix: str) -> Path:
    """`path` with `suffix` appended to the whole name (``leads.sqlite3`` → ``leads.sqlite3-wal``)."""
    return path.with_name(path.name + suffix)


def unique_aside_path(base: Path) -> Path:
    """`base`, or `base`-2, -3 … : the first name where neither the file nor its journals exist."""
    candidate = base
    n = 1
    while candidate.exists() or any(with_suffix_text(candidate, s).exists() for s in JOURNAL_SUFFIXES):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def fsync_path(path: Path) -> None:
    """Flush a file (or, on POSIX, a directory entry) to disk; best effort for directories."""
    if path.is_dir():
        if os.name == "nt":
            return
        flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
        try:
            fd = os.open(path, flags)
        except OSError:
            return
        try:
            with contextlib.suppress(OSError):
                os.fsync(fd)
        finally:
            os.close(fd)
        return
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
