"""Helpers for the storage tests (no tests here): real SQLite files with a leads-like table."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

LEADS_DDL = """
CREATE TABLE IF NOT EXISTS campaign (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lead (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER REFERENCES campaign(id),
    batch INTEGER NOT NULL DEFAULT 0,
    email TEXT NOT NULL,
    company TEXT,
    score INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_lead_email ON lead(email);
CREATE INDEX IF NOT EXISTS ix_lead_batch ON lead(batch);
"""


def make_leads_db(path: Path, rows: int, *, wal: bool = True, batch: int = 0) -> Path:
    """Create (or extend) a database at `path` with `rows` more leads, then close it."""
    conn = sqlite3.connect(path)
    try:
        if wal:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(LEADS_DDL)
        conn.execute("INSERT OR IGNORE INTO campaign (id, name) VALUES (1, 'Spring webinar')")
        start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM lead").fetchone()[0]
        conn.executemany(
            "INSERT INTO lead (id, campaign_id, batch, email, company, score) VALUES (?, 1, ?, ?, ?, ?)",
            (
                (i, batch, f"lead{i}@example.com", f"Company {i % 97}", i % 100)
                for i in range(start + 1, start + rows + 1)
            ),
        )
        conn.commit()
    finally:
        conn.close()
    return path


def count_leads(path: Path) -> int:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM lead").fetchone()[0])
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def child_env() -> dict[str, str]:
    """Environment for child Python processes that import leaddesk from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


POSIX = sys.platform != "win32"
