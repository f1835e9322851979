"""Fault tests: processes killed in the middle of a transaction, many writers at once, damaged files, and a
migration that fails halfway. Each prints its figures."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaddesk.app import open_services
from leaddesk.cli import build_parser, main
from leaddesk.domain.enums import Role
from leaddesk.domain.errors import DatabaseTooNewError
from leaddesk.models.migrations import MIGRATIONS_DIR
from leaddesk.opening import DamagedDatabaseError, IncompleteSchemaError, MigrationFailedError
from leaddesk.storage.backup import BackupReason, list_backups
from leaddesk.storage.instance_lock import lock_path_for
from leaddesk.storage.integrity import full_check, running_marker_path
from tests.integration.test_faults_support import ForkServer, status_lines, wait_dead, wait_for_line
from tests.unit.test_opening_support import fill, garble, lead_emails, make_db, sha256, truncate

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL")

TRIALS = 50
HANDOFF_BATCH = 150


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    srv = ForkServer()
    yield srv
    srv.close()


def _say(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n[fault figures] {text}")


def _query(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)  # read-write, so a WAL left by the killed process is recovered
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


# --- kill -9 in the middle of a bulk handoff ---------------------------------------------------------


@pytest.fixture(scope="module")
def handoff_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int], int]:
    """A database with HANDOFF_BATCH marketing-qualified leads, ready to be handed off in one go."""
    path = tmp_path_factory.mktemp("handoff") / "template.sqlite3"
    services = open_services(str(path))
    try:
        ids = fill(services, HANDOFF_BATCH)
        services.lifecycle.qualify(ids)
        owner = services.team.find_by_name("Marco Vendite")
        assert owner is not None and owner.role is Role.SALES
    finally:
        services.close()
    return path, ids, owner.id


def test_kill_9_during_a_bulk_handoff(
    server: ForkServer,
    handoff_template: tuple[Path, list[int], int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    template, ids, owner = handoff_template
    status = tmp_path / "status"
    db = tmp_path / "trial.sqlite3"

    def run_trial(delay: float | None) -> tuple[str, float]:
        for stale in tmp_path.glob("trial.sqlite3*"):
            stale.unlink()
        shutil.copy(template, db)
        pid = server.start(kind="handoff", db=str(db), status=str(status), lead_ids=ids, owner_id=owner)
        wait_for_line(status, "began", pid)
        began = time.monotonic()
        if delay is None:
            wait_for_line(status, "committed", pid)
            took = time.monotonic() - began
            wait_dead(pid)
            return "committed", took
        while time.monotonic() - began < delay:
            pass
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        return ("committed" if "committed" in status_lines(status) else "killed"), delay

    # Calibrate: how long does the transaction take here, from BEGIN to commit?
    durations = []
    for _ in range(3):
        outcome, took = run_trial(None)
        assert outcome == "committed" and "committed" in status_lines(status)
        assert _query(db, "SELECT count(*) FROM leads WHERE stage = 'handed_off'") == HANDOFF_BATCH
        durations.append(took)
    duration = max(durations)

    rng = random.Random(8)
    partial = orphans = integrity_failures = committed = killed = not_reopened = 0
    for _trial in range(TRIALS):
        outcome, _delay = run_trial(rng.uniform(0, duration * 1.2))
        committed += outcome == "committed"
        killed += outcome == "killed"
        check = full_check(db)
        if not check.ok:
            integrity_failures += 1
            continue
        handed = _query(db, "SELECT count(*) FROM leads WHERE stage = 'handed_off'")
        events = _query(db, "SELECT count(*) FROM lead_events WHERE kind = 'handed_off'")
        owned = _query(db, f"SELECT count(*) FROM leads WHERE sales_owner_id = {owner}")
        missing = _query(
            db, "SELECT count(*) FROM lead_events e LEFT JOIN leads l ON l.id = e.lead_id WHERE l.id IS NULL"
        )
        if handed not in (0, HANDOFF_BATCH) or owned != handed:
            partial += 1
        orphans += abs(events - handed) + missing
        # The next start finds the stale lock and the unclean marker, clears it and checks in full.
        crashed = outcome == "killed"
        if crashed:
            assert lock_path_for(db).exists() and running_marker_path(db).exists()
        try:
            services = open_services(str(db))
        except Exception:
            not_reopened += 1
        else:
            assert services.opened is not None and services.opened.integrity is not None
            if crashed:
                assert services.opened.integrity.check.value == "full"
            services.close()
    _say(
        capsys,
        f"kill -9 during a bulk handoff of {HANDOFF_BATCH} leads, {TRIALS} trials "
        f"(transaction ~{duration * 1000:.0f} ms; {killed} killed before commit, {committed} after): "
        f"partial batches {partial}, orphan events {orphans}, integrity failures {integrity_failures}, "
        f"failed re-opens {not_reopened}",
    )
    assert killed >= 10, "the kills should mostly land inside the transaction"
    assert (partial, orphans, integrity_failures, not_reopened) == (0, 0, 0, 0)


# --- kill -9 in the middle of an import --------------------------------------------------------------


def _import_command_exists() -> bool:
    import argparse

    return any(
        isinstance(action, argparse._SubParsersAction) and "import" in action.choices
        for action in build_parser()._actions
    )


def test_kill_9_during_an_import(
    server: ForkServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not _import_command_exists():
        pytest.skip(
            "`leaddesk import` does not exist yet (the importer lands later); this harness kills it "
            "mid-import 50 times as soon as the command is there"
        )
    rows = 150
    source = tmp_path / "campaign.csv"
    source.write_text(
        "first_name,last_name,email,company\n"
        + "".join(f"Nome{i},Cognome{i},imp{i}@example.it,Azienda {i % 9}\n" for i in range(rows)),
        encoding="utf-8",
    )
    template = tmp_path / "template.sqlite3"
    make_db(template, 5)
    db = tmp_path / "trial.sqlite3"
    status = tmp_path / "status"

    def run_trial(delay: float | None) -> tuple[str, float]:
        for stale in tmp_path.glob("trial.sqlite3*"):
            stale.unlink()
        shutil.copy(template, db)
        pid = server.start(kind="cli", argv=["--db", str(db), "import", str(source)], status=str(status))
        wait_for_line(status, "began", pid)
        began = time.monotonic()
        if delay is None:
            wait_for_line(status, "exit", pid, timeout=120)
            took = time.monotonic() - began
            wait_dead(pid)
            return "done", took
        while time.monotonic() - began < delay:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        return ("done" if any(x.startswith("exit") for x in status_lines(status)) else "killed"), delay

    outcome, duration = run_trial(None)
    assert "exit 0" in status_lines(status), (tmp_path / "status.out").read_text(errors="replace")
    assert _query(db, "SELECT count(*) FROM leads") == 5 + rows

    rng = random.Random(9)
    partial = orphans = integrity_failures = killed = 0
    for _trial in range(TRIALS):
        outcome, _delay = run_trial(rng.uniform(0, duration * 1.2))
        killed += outcome == "killed"
        if not full_check(db).ok:
            integrity_failures += 1
            continue
        imported = _query(db, "SELECT count(*) FROM leads") - 5
        batches = _query(db, "SELECT count(*) FROM import_batches")
        if imported not in (0, rows) or (imported == rows) != (batches >= 1):
            partial += 1
        orphans += _query(
            db,
            "SELECT count(*) FROM lead_events e LEFT JOIN leads l ON l.id = e.lead_id WHERE l.id IS NULL",
        ) + _query(
            db,
            "SELECT count(*) FROM leads WHERE import_batch_id IS NOT NULL AND import_batch_id NOT IN "
            "(SELECT id FROM import_batches)",
        )
    _say(
        capsys,
        f"kill -9 during an import of {rows} rows, {TRIALS} trials ({killed} killed mid-import): "
        f"partial batches {partial}, orphan events {orphans}, integrity failures {integrity_failures}",
    )
    assert (partial, orphans, integrity_failures) == (0, 0, 0)


def test_the_import_harness_runs_and_kills_a_real_command(server: ForkServer, tmp_path: Path) -> None:
    """Until `leaddesk import` lands, prove the harness on another writing command (`demo`)."""
    db = tmp_path / "trial.sqlite3"
    status = tmp_path / "status"
    pid = server.start(kind="cli", argv=["--db", str(db), "demo", "--leads", "30"], status=str(status))
    lines = wait_for_line(status, "exit", pid, timeout=120)
    assert "began" in lines and "exit 0" in lines
    db.unlink()
    pid = server.start(kind="cli", argv=["--db", str(db), "demo", "--leads", "300"], status=str(status))
    wait_for_line(status, "began", pid)
    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)
    assert not any(line.startswith("exit") for line in status_lines(status))
    assert full_check(db).ok
    open_services(str(db)).close()  # the stale lock is cleared, the full check passes


# --- four processes writing at once ------------------------------------------------------------------


def _writers(
    server: ForkServer, tmp_path: Path, url: str, shared: int, *, bypass_lock: bool, count: int
) -> list[str]:
    go = tmp_path / "go"
    go.unlink(missing_ok=True)
    jobs = []
    for n in range(4):
        status = tmp_path / f"writer{n}"
        pid = server.start(
            kind="writer",
            db=url,
            status=str(status),
            go=str(go),
            n=n,
            count=count,
            shared=shared,
            bypass_lock=bypass_lock,
        )
        jobs.append((pid, status))
    for pid, status in jobs:
        wait_for_line(status, "ready", pid)
    go.touch()  # all four start writing at the same moment
    errors = []
    for pid, status in jobs:
        wait_dead(pid, timeout=120)
        lines = status_lines(status)
        errors += [line for line in lines if line.startswith("error")]
        if "committed" not in lines and not any(line.startswith("error") for line in lines):
            errors.append(f"writer {pid} ended without finishing: {lines}")
    return errors


def test_four_processes_writing_at_once_on_sqlite(
    server: ForkServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The instance lock keeps a second LeadDesk away from a file; underneath it, the database layer
    (busy_timeout, BEGIN IMMEDIATE) still neither fails nor loses writes when four processes write."""
    db = tmp_path / "leads.sqlite3"
    services = open_services(str(db))
    try:
        (shared,) = fill(services, 1, prefix="shared")
        sales = services.team.find_by_name("Marco Vendite")
        assert sales is not None
        services.lifecycle.handoff([shared], owner_id=sales.id)
    finally:
        services.close()
    count = 40
    errors = _writers(server, tmp_path, "sqlite:///" + str(db), shared, bypass_lock=True, count=count)
    created = _query(db, "SELECT count(*) FROM leads WHERE company = 'Parallela'")
    activities = _query(db, f"SELECT count(*) FROM activities WHERE lead_id = {shared}")
    attempts = _query(db, f"SELECT attempts FROM leads WHERE id = {shared}")
    expected = 4 * count
    lost = (expected - created) + (expected - activities) + (expected - attempts)
    _say(
        capsys,
        f"4 processes x {count} (new lead + activity on one shared lead) on SQLite: errors reaching the "
        f"user {len(errors)}, writes lost {lost} (leads {created}/{expected}, activities "
        f"{activities}/{expected}, attempts counter {attempts}/{expected})",
    )
    assert errors == []
    assert lost == 0
    assert full_check(db).ok


@pytest.mark.postgres
def test_four_processes_writing_at_once_on_postgresql(
    server: ForkServer, pg_cluster: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_cluster.new_database_url()  # type: ignore[attr-defined]
    services = open_services(url)
    try:
        (shared,) = fill(services, 1, prefix="shared")
        sales = services.team.find_by_name("Marco Vendite")
        assert sales is not None
        services.lifecycle.handoff([shared], owner_id=sales.id)
    finally:
        services.close()
    count = 40
    errors = _writers(server, tmp_path, url, shared, bypass_lock=False, count=count)
    services = open_services(url)
    try:
        from sqlalchemy import text

        with services.db.reading() as s:
            created = s.execute(text("SELECT count(*) FROM leads WHERE company = 'Parallela'")).scalar_one()
            activities = s.execute(
                text("SELECT count(*) FROM activities WHERE lead_id = :i"), {"i": shared}
            ).scalar_one()
            attempts = s.execute(text("SELECT attempts FROM leads WHERE id = :i"), {"i": shared}).scalar_one()
    finally:
        services.close()
    expected = 4 * count
    lost = (expected - created) + (expected - activities) + (expected - attempts)
    _say(
        capsys,
        f"4 processes x {count} (new lead + activity on one shared lead) on PostgreSQL: errors reaching "
        f"the user {len(errors)}, writes lost {lost} (leads {created}/{expected}, activities "
        f"{activities}/{expected}, attempts counter {attempts}/{expected})"
        + (f"; first error: {errors[0]}" if errors else ""),
    )
    assert errors == []
    assert lost == 0


# --- damaged files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", [truncate, garble], ids=["truncated", "garbled"])
def test_a_damaged_file_is_never_opened_silently_and_a_restore_is_offered(
    tmp_path: Path, damage: object, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "leads.sqlite3"
    make_db(db, 60)
    services = open_services(str(db))
    services.maintenance.run_daily()
    services.close()
    damage(db)  # type: ignore[operator]
    damaged = sha256(db)
    opened_silently = restore_offered = 0
    # Every way in: a command, the app's composition root (the GUI's start goes through it too).
    for attempt in ("cli", "services"):
        if attempt == "cli":
            code = main(["--db", str(db), "lifecycle"])  # a command that does not open the file
            assert code == 0
            code = main(["--db", str(db), "demo", "--leads", "1"])
            err = capsys.readouterr().err
            opened_silently += code == 0
            restore_offered += "leaddesk restore" in err
            continue
        try:
            open_services(str(db)).close()
        except DamagedDatabaseError as exc:
            restore_offered += exc.backup is not None
        else:
            opened_silently += 1
    assert sha256(db) == damaged
    name = damage.__name__  # type: ignore[attr-defined]
    _say(
        capsys,
        f"{name} database file: opened silently {opened_silently}, restore offered "
        f"{min(restore_offered, 1)} (by the command and by the app: {restore_offered} of 2)",
    )
    assert opened_silently == 0
    assert restore_offered == 2


# --- a migration that fails halfway ------------------------------------------------------------------

FAILING_REVISION = '''"""A test revision that changes things and then fails halfway."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("half_done_flag", sa.Integer(), nullable=True))
    op.execute("UPDATE leads SET company = 'CHANGED BY A BROKEN MIGRATION'")
    raise RuntimeError("simulated failure halfway through revision 0002")


def downgrade() -> None:
    pass
'''


def test_a_migration_that_fails_halfway_leaves_a_backup_and_the_data_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "leads.sqlite3"
    make_db(db, 30)
    emails = lead_emails(db)
    companies = _query(db, "SELECT count(DISTINCT company) FROM leads")

    # A copy of the real migrations folder plus a revision 0002 that fails halfway; the app's real
    # opening code runs against it.
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "0002_half_done.py").write_text(FAILING_REVISION, encoding="utf-8")
    import leaddesk.models.database as database
    import leaddesk.models.migrations as migrations
    import leaddesk.opening as opening

    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS_DIR", folder)
        patch.setattr(database, "MIGRATIONS_DIR", folder)
        patch.setattr(database, "HEAD", "0002")
        patch.setattr(opening, "HEAD", "0002")

        with pytest.raises(MigrationFailedError) as failed:
            open_services(str(db))
        message = str(failed.value)
        assert "simulated failure halfway" in message and "left as it was (schema 0001)" in message
        backups = list_backups(tmp_path / "backups")
        assert [b.reason for b in backups] == [BackupReason.PRE_MIGRATION]
        assert failed.value.backup == backups[0].path and str(backups[0].path) in message
        # The command line says it in one line and exits 1.
        assert main(["--db", str(db), "demo", "--leads", "1"]) == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "could not upgrade" in err

        # Every later start refuses again, the same way, and never opens a half-upgraded file.
        with pytest.raises(MigrationFailedError):
            open_services(str(db))

    # A half-migrated schema (the revision says current, a change is missing) is refused, untouched.
    half = tmp_path / "half.sqlite3"
    shutil.copy(db, half)
    conn = sqlite3.connect(half)
    conn.execute("ALTER TABLE leads DROP COLUMN handoff_note")
    conn.commit()
    conn.close()
    half_digest = sha256(half)
    with pytest.raises(IncompleteSchemaError, match=r"leads\.handoff_note"):
        open_services(str(half))
    assert sha256(half) == half_digest
    # A file stamped with the failed revision is refused by this release as well.
    stamped = tmp_path / "stamped.sqlite3"
    shutil.copy(db, stamped)
    conn = sqlite3.connect(stamped)
    conn.execute("UPDATE alembic_version SET version_num = '0002'")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseTooNewError):
        open_services(str(stamped))

    data_intact = (
        lead_emails(db) == emails and _query(db, "SELECT count(DISTINCT company) FROM leads") == companies
    )
    schema_intact = _query(db, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'") == 0
    backup_ok = lead_emails(backups[0].path) == emails
    assert not lock_path_for(db).exists() and not running_marker_path(db).exists()
    # This release (schema 0001) opens the untouched file as before.
    open_services(str(db)).close()
    _say(
        capsys,
        "migration failing halfway: backup present "
        f"{int(backup_ok)}, data intact {int(data_intact and schema_intact)}, half-migrated schema "
        "refused 1",
    )
    assert data_intact and schema_intact and backup_ok
