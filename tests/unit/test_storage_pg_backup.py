"""pg_dump invocation: arguments from the URL, password only in PGPASSWORD, clear errors.

The run against a real PostgreSQL server lives with the integration tests; here pg_dump is either a
stand-in script that records how it was called, or the real binary pointed at a server that is not there.
"""

from __future__ import annotations

import json
import logging
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leaddesk.domain.errors import UserError
from leaddesk.storage import pg_backup
from leaddesk.storage.pg_backup import (
    INSTALL_HINT,
    PgBackupError,
    backup_postgres,
    build_pg_dump_command,
    pg_dump_available,
)
from tests.unit.test_storage_support import POSIX, mode_of

NOW = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
SECRET = "s3cr@t pw"
URL = "postgresql+psycopg://alice:s3cr%40t%20pw@db.example.com:5433/leads?sslmode=require&connect_timeout=5"


def test_command_from_a_tcp_url_keeps_the_password_off_the_command_line(tmp_path: Path) -> None:
    cmd = build_pg_dump_command(URL, tmp_path / "out.dump", base_env={"PATH": "/usr/bin"})
    assert cmd.args == (
        "pg_dump",
        "--format=custom",
        "--no-password",
        f"--file={tmp_path / 'out.dump'}",
        "--host=db.example.com",
        "--port=5433",
        "--username=alice",
        "--dbname=leads",
    )
    assert all(SECRET not in arg and "s3cr" not in arg for arg in cmd.args)
    assert cmd.env["PGPASSWORD"] == SECRET
    assert cmd.env["PGSSLMODE"] == "require"
    assert cmd.env["PGCONNECT_TIMEOUT"] == "5"
    assert cmd.env["PATH"] == "/usr/bin"
    assert "s3cr" not in repr(cmd) and "s3cr" not in cmd.for_log()


def test_command_from_a_unix_socket_url(tmp_path: Path) -> None:
    url = "postgresql+psycopg://bob@/leads?host=/tmp/sock&port=5432"
    cmd = build_pg_dump_command(url, tmp_path / "o.dump", pg_dump="/opt/pg/bin/pg_dump", base_env={})
    assert cmd.args[0] == "/opt/pg/bin/pg_dump"
    assert cmd.args[4:] == ("--host=/tmp/sock", "--port=5432", "--username=bob", "--dbname=leads")
    assert "PGPASSWORD" not in cmd.env
    assert cmd.env["PGCONNECT_TIMEOUT"] == "10"


def test_explicit_password_wins_and_odd_database_names_go_through_the_environment(tmp_path: Path) -> None:
    cmd = build_pg_dump_command(
        "postgresql://carol:old@localhost/team=a", tmp_path / "o.dump", password="from-keyring", base_env={}
    )
    assert cmd.env["PGPASSWORD"] == "from-keyring"
    assert cmd.env["PGDATABASE"] == "team=a"
    assert not any(a.startswith("--dbname") for a in cmd.args)


def test_only_postgresql_urls_are_accepted(tmp_path: Path) -> None:
    with pytest.raises(PgBackupError, match="PostgreSQL databases only"):
        build_pg_dump_command("sqlite:///leads.sqlite3", tmp_path / "o.dump")
    with pytest.raises(PgBackupError, match="names no database"):
        build_pg_dump_command("postgresql://u@host", tmp_path / "o.dump")


def test_missing_pg_dump_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_backup, "pg_dump_available", lambda: None)
    with pytest.raises(UserError, match=r"^pg_dump was not found; install the PostgreSQL client tools"):
        backup_postgres(URL, tmp_path / "b")
    with pytest.raises(PgBackupError, match="pg_dump was not found"):
        backup_postgres(URL, tmp_path / "b", pg_dump=str(tmp_path / "no-such-pg_dump"))
    assert not any((tmp_path / "b").iterdir())
    assert INSTALL_HINT.startswith("pg_dump was not found; install the PostgreSQL client tools")


FAKE_PG_DUMP = """#!{python}
import json, os, sys
record = {{"argv": sys.argv[1:], "password": os.environ.get("PGPASSWORD")}}
with open({record!r}, "w") as fh:
    json.dump(record, fh)
if {fail!r}:
    pw = os.environ["PGPASSWORD"]
    sys.stderr.write("pg_dump: error: connection failed: password " + pw + " rejected\\n")
    sys.exit(1)
out = [a for a in sys.argv if a.startswith("--file=")][0][len("--file="):]
with open(out, "wb") as fh:
    fh.write(b"PGDMP fake archive")
"""


def _fake_pg_dump(tmp_path: Path, *, fail: bool) -> tuple[Path, Path]:
    record = tmp_path / "record.json"
    script = tmp_path / "pg_dump"
    script.write_text(FAKE_PG_DUMP.format(python=sys.executable, record=str(record), fail=fail))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


@pytest.mark.skipif(not POSIX, reason="shebang script as a stand-in executable")
def test_backup_runs_pg_dump_with_the_password_in_the_environment_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script, record = _fake_pg_dump(tmp_path, fail=False)
    caplog.set_level(logging.DEBUG)

    path = backup_postgres(URL, tmp_path / "b", pg_dump=str(script), reason="pre-migration", now=NOW)

    assert path == tmp_path / "b" / "leads-20260210T080000Z-pre-migration.dump"
    assert path.read_bytes() == b"PGDMP fake archive"
    assert mode_of(path) == 0o600
    called = json.loads(record.read_text())
    assert called["password"] == SECRET
    assert not any("s3cr" in a for a in called["argv"])
    assert "--format=custom" in called["argv"]
    assert "s3cr" not in caplog.text
    second = backup_postgres(URL, tmp_path / "b", pg_dump=str(script), reason="pre-migration", now=NOW)
    assert second.name == "leads-20260210T080000Z-pre-migration-2.dump"


@pytest.mark.skipif(not POSIX, reason="shebang script as a stand-in executable")
def test_a_failing_pg_dump_is_reported_without_the_password(tmp_path: Path) -> None:
    script, _record = _fake_pg_dump(tmp_path, fail=True)
    with pytest.raises(PgBackupError) as caught:
        backup_postgres(URL, tmp_path / "b", pg_dump=str(script), now=NOW)
    message = str(caught.value)
    assert "pg_dump failed (exit code 1)" in message and "connection failed" in message
    assert "s3cr" not in message and "***" in message
    assert list((tmp_path / "b").iterdir()) == [], "no partial archive is left"


@pytest.mark.skipif(pg_dump_available() is None, reason="pg_dump not installed")
def test_real_pg_dump_against_no_server_fails_clearly(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody:pw@/leads?host={tmp_path / 'no-socket-here'}&port=5432"
    with pytest.raises(PgBackupError, match=r"pg_dump failed \(exit code 1\).*no-socket-here"):
        backup_postgres(url, tmp_path / "b", now=NOW, timeout_s=30)
    assert list((tmp_path / "b").iterdir()) == []
