"""The read folders a dead app left behind are removed; the folders of running processes are kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leaddesk.services.importing.work_dirs import PREFIX, STALE_SECONDS, sweep_stale_work_dirs

pytestmark = pytest.mark.skipif(os.name != "posix", reason="liveness by pid is asked on POSIX only")


def _folder(root: Path, name: str, *, age: float = 0.0) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "rows.bin").write_bytes(b"x" * 100)
    if age:
        then = time.time() - age
        os.utime(folder, (then, then))
    return folder


def test_only_the_folders_of_ended_processes_and_old_unowned_ones_go(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(ended.stdout)
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _folder(tmp_path, f"{PREFIX}{dead_pid}-abc123")
        mine = _folder(tmp_path, f"{PREFIX}{os.getpid()}-def456")
        other = _folder(tmp_path, f"{PREFIX}{running.pid}-ghi789")
        old_unowned = _folder(tmp_path, f"{PREFIX}k2j4_x9q", age=STALE_SECONDS + 3600)
        new_unowned = _folder(tmp_path, f"{PREFIX}p0q1r2s3")
        unrelated = _folder(tmp_path, "someone-else-123-x", age=STALE_SECONDS * 2)
        removed = sweep_stale_work_dirs(tmp_path)
    finally:
        running.kill()
        running.wait()
    assert sorted(removed) == sorted([dead, old_unowned])
    assert not dead.exists() and not old_unowned.exists()
    assert mine.exists() and other.exists() and new_unowned.exists() and unrelated.exists()


def test_a_file_or_a_link_with_the_prefix_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / f"{PREFIX}1-file").write_text("not a folder")
    (tmp_path / f"{PREFIX}1-link").symlink_to(target)
    assert sweep_stale_work_dirs(tmp_path) == []
    assert target.exists()
