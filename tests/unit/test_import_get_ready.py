"""The import's fork server can be started ahead of the first read (the wizard does it as it opens, the
CLI before it opens the database), so the first reader does not wait for it to load its modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")

#: Prints the command lines of this process's children once the work is done (a fresh interpreter, so
#: that no earlier test's fork server counts).
CHILD = """
import os, sys, time
if sys.argv[1] == "ready":
    from leaddesk.services.importing.import_service import ImportService
    ImportService.get_ready()
else:
    import leaddesk.services.importing.import_service
def children():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = open(f"/proc/{pid}/status").read()
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
        except OSError:
            continue
        if f"PPid:\\t{os.getpid()}\\n" in status:
            found.append(cmdline)
    return found
def started():
    return any("forkserver" in c for c in children())
deadline = time.monotonic() + 10
while sys.argv[1] == "ready" and not started() and time.monotonic() < deadline:
    time.sleep(0.05)
print("forkserver" if started() else "none")
"""


def _children_after(mode: str) -> str:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_get_ready_starts_the_fork_server_at_once() -> None:
    assert _children_after("ready") == "forkserver"


def test_nothing_starts_it_before_that() -> None:
    assert _children_after("idle") == "none"
