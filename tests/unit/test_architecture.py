"""The layering rules of the design notes, checked on every run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    """Core never imports Qt; the UI never imports the ORM or SQL; ui → services → models → domain."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_ruff_is_clean() -> None:
    exe = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run(
        [exe, "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_builds_charts_without_pyplot_or_qt_backends() -> None:
    """Charts are matplotlib Figures built by Qt-free code; pyplot's global state never enters the core."""
    offenders = []
    for package in ("domain", "models", "services", "storage"):
        for path in (ROOT / "leaddesk" / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "pyplot" in text or "backend_qt" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
