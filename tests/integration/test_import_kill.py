"""All or nothing, the hard way: `leaddesk import` killed with SIGKILL in the middle of writing leaves the
SQLite database exactly as before (no batch, no lead, no event of it) and undamaged."""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leaddesk.app import build_services
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import open_database

ROWS = 60_000


def _big_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Nome", "Cognome", "Email", "Telefono", "Azienda", "Città"])
        for i in range(ROWS):
            writer.writerow(
                [f"Nome{i}", f"Cognome{i}", f"p{i}@example.it", f"+39 333 {i:07d}", f"Ditta {i}", "Milano"]
            )
    return path


def _snapshot(db: Path) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    try:
        return (
            conn.execute("PRAGMA integrity_check").fetchone()[0],
            conn.execute("SELECT count(*) FROM import_batches").fetchone()[0],
            conn.execute("SELECT group_concat(id) FROM (SELECT id FROM leads ORDER BY id)").fetchone()[0],
            conn.execute("SELECT count(*) FROM lead_events").fetchone()[0],
            conn.execute("SELECT count(*) FROM lead_events WHERE import_batch_id IS NOT NULL").fetchone()[0],
            conn.execute("SELECT count(*) FROM campaign_touches").fetchone()[0],
            conn.execute("SELECT count(*) FROM campaigns").fetchone()[0],
            conn.execute("SELECT count(*) FROM leads_fts WHERE leads_fts MATCH 'example'").fetchone()[0],
            # The schema itself: an import this large sets the leads' indexes aside after its first rows.
            conn.execute(
                "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(10)) "
                "FROM (SELECT * FROM sqlite_master ORDER BY type, name)"
            ).fetchone()[0],
            conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'leads_fts_ai'").fetchone()[0],
        )
    finally:
        conn.close()


def _live_in_group(pgid: int) -> set[int]:
    """Processes of a process group that are still running (not zombies waiting to be reaped)."""
    live = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # pid (comm) state ppid pgrp …; comm may hold spaces, so split after its closing parenthesis.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                live.add(int(stat.parent.name))
    return live


@pytest.mark.slow
def test_a_killed_import_leaves_the_database_as_before(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    services = build_services(open_database(f"sqlite:///{db}"))
    for who in ("anna", "bruno"):
        services.lifecycle.create_lead(LeadDraft(first_name=who, email=f"{who}@example.it"))
    services.db.dispose()
    before = _snapshot(db)
    assert before[0] == "ok" and before[-1] == 1
    source = _big_csv(tmp_path / "BIG.csv")
    temp = tmp_path / "temp"  # the app's temporary directory, where a read keeps its rows
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leaddesk",
            "--db",
            str(db),
            "import",
            str(source),
            "--campaign",
            "Kill",
            "--progress",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )
    written = None
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 180
        for line in proc.stderr:
            phase, _, counts = line.strip().partition(" ")
            if phase == "importing" and int(counts.split("/")[0]) > 0:
                written = counts
                break
            assert time.monotonic() < deadline, "the import never started writing"
        assert written is not None, "the import ended before writing: " + (
            proc.stdout.read() if proc.stdout else ""
        )
        assert int(written.split("/")[0]) < ROWS  # killed midway, not at the end
        helpers = _live_in_group(proc.pid) - {proc.pid}
        assert helpers, "the import runs its reader and workers in other processes"
        os.kill(proc.pid, signal.SIGKILL)
        # The helpers end with the app: the workers, the fork server and the resource tracker.
        deadline = time.monotonic() + 20
        while _live_in_group(proc.pid) - {proc.pid} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _live_in_group(proc.pid) - {proc.pid}, "helper processes outlived the killed import"
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        # Whatever still runs in the import's own session (only if the test failed): end it too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    # A WAL with the killed transaction's pages, never committed: the database is as it was.
    assert _snapshot(db) == before
    # And LeadDesk opens it again (the crashed run's lock is recognised) and can import into it.
    services = build_services(open_database(f"sqlite:///{db}"))
    try:
        assert services.imports.batches() == []
    finally:
        services.db.dispose()
    # The killed app could not remove its rows' folder; the next read does.
    assert list(temp.glob(f"leaddesk-import-{proc.pid}-*")), "the killed import's rows are still on disk"
    small = tmp_path / "small.csv"
    small.write_text("Email\nnew@example.it\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "leaddesk", "--db", str(db), "import", str(small), "--dry-run"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert not list(temp.glob(f"leaddesk-import-{proc.pid}-*"))
    assert not list(temp.glob("leaddesk-import-*")), "the dry run's own folder is removed when it ends"
