"""`leaddesk backup`, `restore`, `check` and `db-login`, run as a user would, on real databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaddesk.cli import main
from leaddesk.storage.backup import list_backups
from tests.pg_cluster import PostgresCluster
from tests.unit.test_opening_support import (
    PW_SECRET,
    child_env,
    garble,
    hold_open,
    lead_emails,
    make_db,
    password_database_url,
    sha256,
    stop,
)


def cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leaddesk", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env or child_env(),
        timeout=120,
        check=False,
    )


def test_backup_list_check_and_restore(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    make_db(db, 8)
    made = cli("--db", str(db), "backup")
    assert made.returncode == 0, made.stderr
    backups = list_backups(tmp_path / "backups")
    assert len(backups) == 1 and str(backups[0].path) in made.stdout and "checked" in made.stdout
    listed = cli("--db", str(db), "backup", "--list")
    assert backups[0].path.name in listed.stdout and "manual" in listed.stdout

    checked = cli("--db", str(db), "check")
    assert checked.returncode == 0, checked.stderr
    assert "passed the full integrity check" in checked.stdout

    make_db(db, 2, prefix="later")  # a change after the backup
    before = lead_emails(db)
    restored = cli("--db", str(db), "restore", backups[0].path.name)  # a name in the backups folder works
    assert restored.returncode == 0, restored.stderr
    assert lead_emails(db) == {f"lead{i}@example.it" for i in range(8)}
    aside = next(tmp_path.glob("leads.sqlite3.before-restore-*"))
    assert str(aside) in restored.stdout and lead_emails(aside) == before


def test_a_damaged_file_fails_the_check_and_every_command_in_one_line_then_restores(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    make_db(db, 8)
    assert cli("--db", str(db), "backup").returncode == 0
    garble(db)
    damaged = sha256(db)

    checked = cli("--db", str(db), "check")
    assert checked.returncode == 1
    assert len(checked.stderr.strip().splitlines()) == 1
    assert "damaged" in checked.stderr and "leaddesk restore" in checked.stderr

    demo = cli("--db", str(db), "demo", "--leads", "3")
    assert demo.returncode == 1 and len(demo.stderr.strip().splitlines()) == 1
    assert "did not open it" in demo.stderr and "Traceback" not in demo.stderr
    assert sha256(db) == damaged

    restored = cli("--db", str(db), "restore", "--latest")
    assert restored.returncode == 0, restored.stderr
    assert "damaged file is kept" in restored.stdout
    assert sha256(db.with_name("leads.sqlite3.damaged")) == damaged
    assert len(lead_emails(db)) == 8
    assert cli("--db", str(db), "check").returncode == 0


def test_backup_works_while_the_app_is_open_and_restore_waits_for_it_to_close(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    make_db(db, 5)
    holder = hold_open(db)
    try:
        made = cli("--db", str(db), "backup")
        assert made.returncode == 0, made.stderr
        path = list_backups(tmp_path / "backups")[0].path
        refused = cli("--db", str(db), "restore", str(path))
        assert refused.returncode == 1
        assert "already open" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
        assert not list(tmp_path.glob("*.before-restore-*"))
    finally:
        stop(holder)
    assert cli("--db", str(db), "restore", str(path)).returncode == 0


def test_restore_of_a_missing_or_foreign_file_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "leads.sqlite3"
    make_db(db, 2)
    missing = cli("--db", str(db), "restore", str(tmp_path / "nope.sqlite3"))
    assert missing.returncode == 1 and "no backup file" in missing.stderr
    photo = tmp_path / "photo.sqlite3"
    photo.write_bytes(b"\xff\xd8\xff" + b"\0" * 200)
    foreign = cli("--db", str(db), "restore", str(photo))
    assert foreign.returncode == 1 and len(foreign.stderr.strip().splitlines()) == 1


@pytest.mark.postgres
def test_postgresql_backup_uses_pg_dump_or_says_what_to_install(
    pg_cluster: PostgresCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = pg_cluster.new_database_url()
    out = tmp_path / "dumps"
    made = cli("--db", url, "backup", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "with pg_dump" in made.stdout
    (dump,) = out.glob("*.dump")
    assert dump.read_bytes().startswith(b"PGDMP")

    import leaddesk.storage.pg_backup as pg_backup

    monkeypatch.setattr(pg_backup, "pg_dump_available", lambda: None)
    assert main(["--db", url, "backup", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "No backup was made" in err and "pg_dump was not found" in err and "postgresql-client" in err

    refused = cli("--db", url, "restore", str(dump))
    assert refused.returncode == 1 and "pg_restore" in refused.stderr


@pytest.mark.postgres
def test_db_login_keeps_the_password_in_the_keyring_only(pg_cluster: PostgresCluster, tmp_path: Path) -> None:
    url = password_database_url(pg_cluster, "ld_pw_cli")
    store = tmp_path / "keyring.json"
    env = child_env(
        LEADDESK_TEST_KEYRING=str(store),
        PYTHON_KEYRING_BACKEND="tests.unit.test_opening_support.FileKeyring",
    )
    without = cli("--db", url, "check", env=env)
    assert without.returncode == 1 and "leaddesk db-login" in without.stderr

    wrong = cli("db-login", url, "--password-stdin", env=env, stdin="not-it\n")
    assert wrong.returncode == 1 and "Nothing was stored" in wrong.stderr
    assert not store.exists()

    stored = cli("db-login", url, "--password-stdin", env=env, stdin=PW_SECRET + "\n")
    assert stored.returncode == 0, stored.stderr
    assert PW_SECRET not in stored.stdout + stored.stderr
    assert PW_SECRET in store.read_text(encoding="utf-8")  # in the (test) keyring

    checked = cli("--db", url, "check", env=env)
    assert checked.returncode == 0, checked.stderr
    dumped = cli("--db", url, "backup", "--out", str(tmp_path / "dumps"), env=env)
    assert dumped.returncode == 0, dumped.stderr

    data = Path(os.environ["LEADDESK_DATA_DIR"])
    for path in [*data.rglob("*"), *(tmp_path / "dumps").rglob("*.log")]:
        if path.is_file():
            assert PW_SECRET.encode() not in path.read_bytes(), path

    forgot = cli("db-login", url, "--forget", env=env)
    assert forgot.returncode == 0 and "Removed" in forgot.stdout
    assert cli("--db", url, "check", env=env).returncode == 1
