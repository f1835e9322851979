"""Running a few lines of the app in a fresh Python process (offscreen), for what one test process cannot
show: which modules a start loads, or a screen of another pixel ratio (fixed when Qt starts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Defines `app` (the QApplication), `services` (on a new SQLite file) and `ctx` (their AppContext).
_PREAMBLE = """\
import sys
from PySide6.QtCore import QSettings
from leaddesk.app import build_services
from leaddesk.models.database import open_database
from leaddesk.ui.application import make_application
from leaddesk.ui.background import wait_for_all
from leaddesk.ui.context import AppContext
from leaddesk.ui.pc_settings import PcSettings
app = make_application()
services = build_services(open_database({url!r}))
ctx = AppContext(services, PcSettings(QSettings({ini!r}, QSettings.Format.IniFormat)))
"""


def run_in_fresh_app(
    tmp_path: Path, body: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `body` after the preamble in a new process; asserts it exited 0 and returns what it printed."""
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    code = _PREAMBLE.format(url=url, ini=str(tmp_path / "pc.ini")) + body
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "LEADDESK_DATA_DIR": str(tmp_path),
        **(extra_env or {}),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    return result
