"""One writer per SQLite file, across real processes; stale locks from dead processes are cleared."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leaddesk.domain.errors import UserError
from leaddesk.storage import instance_lock
from leaddesk.storage.instance_lock import AlreadyOpenError, acquire, lock_path_for, read_holder
from tests.unit.test_storage_support import POSIX, child_env, mode_of

HOLD = r"""
import sys
from pathlib import Path
from leaddesk.storage.instance_lock import acquire
lock = acquire(Path(sys.argv[1]))
print("locked", flush=True)
sys.stdin.read()  # hold the lock until stdin closes or the process is killed
"""

TRY = r"""
import json, sys
from pathlib import Path
from leaddesk.storage.instance_lock import AlreadyOpenError, acquire
try:
    lock = acquire(Path(sys.argv[1]))
except AlreadyOpenError as exc:
    print(json.dumps({"result": "already-open", "pid": exc.holder.pid, "message": str(exc)}))
else:
    stale = lock.stale.pid if lock.stale else None
    print(json.dumps({"result": "acquired", "stale_pid": stale}))
    lock.release()
"""


def _try_in_child(db: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", TRY, str(db)], env=child_env(), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _wait_for_holder(db: Path, pid: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 15
    while True:
        holder = read_holder(db)
        if holder is not None and holder.pid == pid:
            return
        assert proc.poll() is None, "the holder process died"
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.01)


def test_lock_file_says_who_and_is_removed_on_release(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    with acquire(db) as lock:
        content = json.loads(lock_path_for(db).read_text())
        assert content["pid"] == os.getpid()
        assert content["host"] == socket.gethostname()
        assert content["user"] and content["started_at"].endswith("+00:00")
        assert lock.held and not lock.stale_cleared
        if POSIX:
            assert mode_of(lock_path_for(db)) == 0o600
    assert not lock.held
    assert not lock_path_for(db).exists()
    lock.release()  # idempotent


def test_a_second_acquire_in_the_same_process_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    with acquire(db), pytest.raises(AlreadyOpenError) as caught:
        acquire(db)
    error = caught.value
    assert isinstance(error, UserError)
    assert error.holder is not None and error.holder.pid == os.getpid()
    assert socket.gethostname() in str(error) and f"process {os.getpid()}" in str(error)
    assert "PostgreSQL team mode" in str(error)
    with acquire(db):  # released properly the first time
        pass


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
def test_across_processes_then_stale_after_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_holder(db, holder.pid, holder)

        with pytest.raises(AlreadyOpenError) as caught:
            acquire(db)
        assert caught.value.holder is not None and caught.value.holder.pid == holder.pid

        second = _try_in_child(db)
        assert second["result"] == "already-open"
        assert second["pid"] == holder.pid
        assert f"process {holder.pid}" in str(second["message"])

        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.stdout.close()

    assert lock_path_for(db).exists(), "SIGKILL left the lock file behind"
    third = _try_in_child(db)
    assert third == {"result": "acquired", "stale_pid": holder.pid}, "the stale lock was cleared"


def test_entry_from_another_host_without_os_lock_is_stale(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    entry = {"pid": 4242, "host": "reception-pc", "user": "anna", "started_at": "2026-02-09T08:00:00+00:00"}
    lock_path_for(db).write_text(json.dumps(entry))
    with acquire(db) as lock:
        assert lock.stale is not None and lock.stale.host == "reception-pc" and lock.stale.user == "anna"
        assert read_holder(db) == lock.info


def test_garbage_lock_file_is_stale(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    lock_path_for(db).write_bytes(b"\x00\x00{not json")
    with acquire(db) as lock:
        assert lock.stale_cleared and lock.stale is not None and lock.stale.host == "unknown"


def test_without_os_locks_the_pid_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """File systems where flock fails with ENOLCK: fall back to host + PID."""
    monkeypatch.setattr(instance_lock, "_try_lock", lambda fd: None)
    db = tmp_path / "leads.sqlite3"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    here = socket.gethostname()

    def write(pid: int, host: str) -> None:
        entry = {"pid": pid, "host": host, "user": "u", "started_at": "2026-02-09T08:00:00+00:00"}
        lock_path_for(db).write_text(json.dumps(entry))

    write(dead_pid, here)
    with acquire(db) as lock:
        assert lock.stale is not None and lock.stale.pid == dead_pid

    write(os.getppid(), here)  # alive
    with pytest.raises(AlreadyOpenError):
        acquire(db)

    write(4242, "reception-pc")  # cannot tell: refuse unless forced
    with pytest.raises(AlreadyOpenError, match="reception-pc"):
        acquire(db)
    with acquire(db, force=True) as lock:
        assert lock.stale is not None and lock.stale.host == "reception-pc"


@pytest.mark.skipif(not POSIX, reason="unlink of an open file")
def test_a_newcomer_holding_the_deleted_lock_file_notices(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    first = acquire(db)
    stale_fd = os.open(lock_path_for(db), os.O_RDWR)  # opened just before the holder releases
    try:
        first.release()
        with acquire(db) as second:
            assert instance_lock._try_lock(stale_fd) is True, "the old inode is free to lock…"
            assert not instance_lock._same_file(stale_fd, lock_path_for(db)), "…but is no longer the lock"
            assert second.held
    finally:
        os.close(stale_fd)


def test_acquire_starts_over_when_the_file_was_replaced_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = instance_lock._same_file
    calls: list[bool] = []

    def replaced_once(fd: int, path: Path) -> bool:
        calls.append(True)
        return len(calls) > 1 and real(fd, path)

    monkeypatch.setattr(instance_lock, "_same_file", replaced_once)
    with acquire(tmp_path / "leads.sqlite3") as lock:
        assert lock.held and not lock.stale_cleared
    assert len(calls) == 2
