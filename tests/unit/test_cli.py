"""The command line: one entry point, one-line errors, real databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaddesk import __version__
from leaddesk.cli import main


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m leaddesk` in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "leaddesk", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=240,
        check=False,
    )


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"LeadDesk {__version__}"


def test_usage_error_is_one_line() -> None:
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "invalid choice" in result.stderr


def test_foreign_database_is_one_line_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 500)
    result = run_cli("--db", str(path), "demo", "--leads", "5")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"leaddesk: {path} is not a LeadDesk database (it is not a SQLite file)."
    ]
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == b"\xff\xd8\xff\xe0" + b"\x00" * 500


def test_unreachable_server_is_one_line() -> None:
    result = run_cli("--db", "postgresql+psycopg://nobody@/nothing?host=/nonexistent-dir&port=1", "demo")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("leaddesk: Cannot connect to the database")


def test_demo_fills_an_empty_database_and_refuses_a_full_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "demo.sqlite3")
    assert main(["--db", db, "demo", "--leads", "60"]) == 0
    assert "60 leads" in capsys.readouterr().out
    assert main(["--db", db, "demo", "--leads", "60"]) == 1
    assert "already holds leads" in capsys.readouterr().err


def test_database_url_from_environment(tmp_path: Path) -> None:
    db = tmp_path / "from-env.sqlite3"
    result = run_cli("demo", "--leads", "3", env={"LEADDESK_DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_screenshot_writes_a_png_of_the_requested_area(tmp_path: Path) -> None:
    db = str(tmp_path / "shot.sqlite3")
    assert run_cli("--db", db, "demo", "--leads", "80").returncode == 0
    out = tmp_path / "sales.png"
    result = run_cli("--db", db, "screenshot", "--view", "sales", "--out", str(out), "--size", "1024x700")
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 700)


def test_screenshot_of_unknown_view_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(
        "--db",
        str(tmp_path / "x.sqlite3"),
        "screenshot",
        "--view",
        "kitchen",
        "--out",
        str(tmp_path / "k.png"),
    )
    assert result.returncode == 1
    assert "Unknown view 'kitchen'" in result.stderr
