"""The private temporary folders that hold a read's rows, and the sweep of those a dead app left behind.

A read keeps its rows in a folder of the system's temporary directory until the table is closed (or the
app exits). An app that is killed or crashes mid-import cannot remove it, and a full sheet's rows take
hundreds of megabytes, so each folder is named after the process that owns it and the next read removes
the folders of processes that no longer run. Where a process's liveness cannot be asked cheaply
(Windows), and for folders named before the owner was part of the name, only folders untouched for a
week are removed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "leaddesk-import-"
#: Folders whose owner cannot be asked are removed once untouched for this long.
STALE_SECONDS = 7 * 24 * 3600
_OWNED = re.compile(re.escape(PREFIX) + r"(\d+)-")
_swept = False


def new_work_dir() -> str:
    """A new private folder for one read, named after this process; sweeps stale ones once per process."""
    global _swept
    if not _swept:
        _swept = True
        sweep_stale_work_dirs()
    return tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours to signal
        return True
    return True


def sweep_stale_work_dirs(root: str | Path | None = None, *, now: float | None = None) -> list[Path]:
    """Remove the read folders whose owning process has ended; returns the folders removed."""
    base = Path(root or tempfile.gettempdir())
    now = time.time() if now is None else now
    can_ask = os.name == "posix"  # on Windows, signal 0 is CTRL_C_EVENT, not a liveness check
    removed: list[Path] = []
    try:
        entries = [p for p in base.iterdir() if p.name.startswith(PREFIX)]
    except OSError:
        return removed
    for folder in entries:
        owner = _OWNED.match(folder.name)
        try:
            if not folder.is_dir() or folder.is_symlink():
                continue
            if owner is not None and can_ask:
                pid = int(owner.group(1))
                stale = pid != os.getpid() and not _alive(pid)
            else:
                stale = now - folder.stat().st_mtime > STALE_SECONDS
        except OSError:
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
