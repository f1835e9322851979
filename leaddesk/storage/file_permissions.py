"""Owner-only permissions for the data folder and the files in it (POSIX; no-ops on Windows).

Leads are personal data. The folder is 0700 and the database, its ``-wal``/``-shm`` journals, the lock
and marker files and the backups are 0600. SQLite creates ``-wal``/``-shm``/``-journal`` files with the
permissions of the database file, so tightening the database before opening it covers its journals too.

Failing to tighten (a file owned by someone else, a file system without modes) is logged, never raised:
the permissions are a second line of defence and must not keep the app from starting.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE: Final = 0o700
PRIVATE_FILE_MODE: Final = 0o600
#: Files that live next to a SQLite database and hold (parts of) its data or state.
DATABASE_SIDECARS: Final = ("-wal", "-shm", "-journal", ".lock", ".running")

_POSIX: Final = sys.platform != "win32"


def _tighten(path: Path, mode: int) -> bool:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current != mode:
            os.chmod(path, mode)
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("Could not restrict the permissions of %s to %o: %s", path, mode, exc)
        return False


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) and make `path` itself 0700; parents keep their modes."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if _POSIX:
        _tighten(path, PRIVATE_DIR_MODE)
    return path


def ensure_private_file(path: Path) -> bool:
    """Make an existing file 0600. Returns False when it does not exist (nothing is created)."""
    path = Path(path)
    if not _POSIX:
        return path.exists()
    return _tighten(path, PRIVATE_FILE_MODE)


def ensure_private_database(db_path: Path) -> list[Path]:
    """Make the database file and those of its sidecars that exist 0600; returns the files handled."""
    db_path = Path(db_path)
    handled = []
    for candidate in [db_path, *(db_path.with_name(db_path.name + s) for s in DATABASE_SIDECARS)]:
        if ensure_private_file(candidate):
            handled.append(candidate)
    return handled


def create_private_file(path: Path) -> Path:
    """Create a new empty file readable by its owner only; FileExistsError if it exists.

    The mode is set at creation (no window where the file is world-readable) and again with chmod,
    because the process umask can only remove bits.
    """
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE)
    os.close(fd)
    if _POSIX:
        _tighten(path, PRIVATE_FILE_MODE)
    return path
