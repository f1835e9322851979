"""One LeadDesk writing to a SQLite file at a time: ``<db>.lock`` plus an OS-level advisory lock.

The lock file holds JSON ``{pid, host, user, started_at, app}`` so a second instance can say who has the
file open; the *truth* is the OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) held on
that file for the app's lifetime. The kernel drops it when the process ends in any way, SIGKILL and power
loss included, so:

- OS lock taken by someone else → another instance is alive → `AlreadyOpenError` (who, where, since).
  We never break a held OS lock, whatever the JSON says: a dead PID with the lock still held means a
  child process inherited the descriptor and may still write; PIDs are per host and per PID namespace.
- OS lock free but the file has content → the previous holder died without cleaning up → stale; it is
  overwritten and `InstanceLock.stale` tells what was cleared.
- Another host in the file and the OS lock free → also stale. flock/locking state lives in the kernel of
  the host that took it; on a network share the other PC's lock may be invisible here, so a free lock
  proves nothing about a *live* instance on another PC, but the file on a network share is already a
  risk that `risky_location` warns about (use the PostgreSQL team mode). On a local disk, the only way to
  see another host's name is a copied/synced folder or a renamed PC, where the entry is stale.
- File systems without locking support (flock fails with ENOLCK/EOPNOTSUPP): fall back to the JSON:
  same host and the PID alive → held; same host and the PID gone → stale; another host → held (we cannot
  tell), unless `force=True` (the user said the other PC is off).

Race between release and a newcomer: the holder deletes the file while still locked; a newcomer that
opened the old file just before may then lock that deleted inode. After locking, the newcomer checks that
its descriptor is still the file at the path (same device/inode) and starts over if not.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import logging
import os
import socket
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Final, Self

from leaddesk.domain.errors import UserError
from leaddesk.storage.file_permissions import PRIVATE_FILE_MODE

log = logging.getLogger(__name__)

LOCK_SUFFIX: Final = ".lock"
_MAX_ATTEMPTS: Final = 5
#: Windows locks a byte range; lock one byte far beyond the JSON so readers can still read the file.
_WINDOWS_LOCK_OFFSET: Final = 0x7FFF_FFF0
_NO_LOCK_SUPPORT: Final = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, getattr(errno, "ENOTSUP", -1)}


@dataclass(frozen=True, slots=True)
class LockInfo:
    pid: int
    host: str
    user: str
    started_at: str
    app: str = "LeadDesk"

    @classmethod
    def for_this_process(cls, now: datetime | None = None) -> LockInfo:
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        return cls(os.getpid(), socket.gethostname(), _user(), moment.isoformat(timespec="seconds"))

    @classmethod
    def parse(cls, text: str) -> LockInfo | None:
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                host=str(data["host"]),
                user=str(data.get("user", "unknown")),
                started_at=str(data.get("started_at", "")),
                app=str(data.get("app", "LeadDesk")),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        since = self.started_at.replace("T", " ").replace("+00:00", " UTC") or "an unknown time"
        return f"{self.user} on {self.host} (process {self.pid}) since {since}"


class AlreadyOpenError(UserError):
    """Another live LeadDesk has this database file open."""

    def __init__(self, db_path: Path, holder: LockInfo | None) -> None:
        who = holder.describe() if holder else "another LeadDesk (details unavailable)"
        super().__init__(
            f"The database {db_path} is already open in LeadDesk: {who}. Close it there first. "
            "To work on the same leads from several PCs, use the PostgreSQL team mode."
        )
        self.db_path = db_path
        self.holder = holder


class InstanceLock:
    """A held lock; release it (or leave the `with` block) when the app closes the database."""

    def __init__(self, db_path: Path, lock_path: Path, fd: int, info: LockInfo, stale: LockInfo | None):
        self.db_path = db_path
        self.lock_path = lock_path
        self.info = info
        #: What the previous, dead holder had written, when acquiring cleared a stale lock (an entry with
        #: pid 0 and host "unknown" when its content was unreadable).
        self.stale = stale
        self._fd: int | None = fd

    @property
    def stale_cleared(self) -> bool:
        return self.stale is not None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Delete the lock file and drop the OS lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform == "win32":
            _unlock(fd)
            os.close(fd)
            with contextlib.suppress(OSError):  # another instance may have it open already
                self.lock_path.unlink()
        else:
            # Unlink while still locked; a newcomer holding the old inode notices (see module docs).
            with contextlib.suppress(OSError):
                self.lock_path.unlink()
            _unlock(fd)
            os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def __del__(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)


def lock_path_for(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


def read_holder(db_path: Path) -> LockInfo | None:
    """Who the lock file says holds the database (may be stale); None when there is no readable entry."""
    try:
        return LockInfo.parse(lock_path_for(db_path).read_text(encoding="utf-8"))
    except OSError:
        return None


def acquire(db_path: Path, *, force: bool = False, now: datetime | None = None) -> InstanceLock:
    """Take the single-writer lock for `db_path`, clearing a stale one; AlreadyOpenError if held.

    `force` only matters on file systems without OS locks, where another host's entry cannot be proven
    stale: it takes the lock anyway (after the user confirmed the other PC is closed).
    """
    db_path = Path(db_path)
    path = lock_path_for(db_path)
    me = LockInfo.for_this_process(now)
    for _attempt in range(_MAX_ATTEMPTS):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE)
        try:
            locked = _try_lock(fd)
        except OSError:
            os.close(fd)
            raise
        had_content, previous = _read_fd(fd)
        if locked is False:
            os.close(fd)
            raise AlreadyOpenError(db_path, previous)
        if locked is None and previous is not None and not force and _looks_alive(previous):
            os.close(fd)
            raise AlreadyOpenError(db_path, previous)
        if not _same_file(fd, path):
            _unlock(fd)
            os.close(fd)
            continue
        _write_fd(fd, me)
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                os.fchmod(fd, PRIVATE_FILE_MODE)
        stale = (previous or LockInfo(0, "unknown", "unknown", "")) if had_content else None
        if stale is not None:
            log.info("Cleared a stale lock on %s left by %s", db_path, stale.describe())
        return InstanceLock(db_path, path, fd, me, stale)
    raise AlreadyOpenError(db_path, read_holder(db_path))


def _looks_alive(holder: LockInfo) -> bool:
    """Without OS locks: is the recorded holder plausibly still running?"""
    if holder.host != socket.gethostname():
        return True
    return pid_alive(holder.pid)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


# --- OS locks ------------------------------------------------------------------------------------------


if sys.platform == "win32":
    import ctypes
    import msvcrt

    def _try_lock(fd: int) -> bool | None:
        """True: locked. False: held by someone else. None: locking unsupported here."""
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _same_file(fd: int, path: Path) -> bool:
        return True  # an open file cannot be deleted on Windows, so the unlink race does not exist

    def _windows_pid_alive(pid: int) -> bool:
        process_query_limited_information = 0x1000
        still_active = 259
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == still_active
        finally:
            kernel32.CloseHandle(handle)

else:
    import fcntl

    def _try_lock(fd: int) -> bool | None:
        """True: locked. False: held by someone else. None: locking unsupported here."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return False
            if exc.errno in _NO_LOCK_SUPPORT:
                return None
            raise
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _same_file(fd: int, path: Path) -> bool:
        try:
            now_there = os.stat(path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (mine.st_dev, mine.st_ino) == (now_there.st_dev, now_there.st_ino)


# --- lock file content ---------------------------------------------------------------------------------


def _read_fd(fd: int) -> tuple[bool, LockInfo | None]:
    """(whether the file had any content, the entry if it parses)."""
    os.lseek(fd, 0, os.SEEK_SET)
    data = os.read(fd, 65536)
    text = data.decode("utf-8", errors="replace").strip().strip("\x00")
    return bool(text), (LockInfo.parse(text) if text else None)


def _write_fd(fd: int, info: LockInfo) -> None:
    data = json.dumps(asdict(info)).encode("utf-8")
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, data)
    with contextlib.suppress(OSError):
        os.fsync(fd)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
