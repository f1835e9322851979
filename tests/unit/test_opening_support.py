"""Helpers for the data-safety tests (no tests here): real LeadDesk files, damage, child processes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from leaddesk.app import Services, open_services
from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import Role
from leaddesk.domain.records import LeadDraft

REPO_ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    """Environment for child Python processes that import leaddesk from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


def fill(services: Services, leads: int, *, prefix: str = "lead") -> list[int]:
    """Add a marketing and a sales member (once) and `leads` new leads in one transaction."""
    if services.team.find_by_name("Giulia Marketing") is None:
        services.team.add_member("Giulia Marketing", Role.MARKETING)
        services.team.add_member("Marco Vendite", Role.SALES)
    ids = []
    with services.lifecycle.batch() as life:
        for i in range(leads):
            ids.append(
                life.create_lead(
                    LeadDraft(
                        first_name=f"Nome{i}",
                        last_name=f"{prefix.title()}{i}",
                        email=f"{prefix}{i}@example.it",
                        company=f"Azienda {i % 7}",
                    )
                )
            )
    return ids


def make_db(path: Path, leads: int = 20, *, clock: Clock = system_clock, prefix: str = "lead") -> list[int]:
    """A real LeadDesk SQLite file with `leads` leads, opened and closed through the app's own path."""
    services = open_services(str(path), clock)
    try:
        return fill(services, leads, prefix=prefix)
    finally:
        services.close()


def lead_emails(path: Path) -> set[str]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT email FROM leads WHERE email IS NOT NULL")}
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def garble(path: Path, offset: int = 4096, length: int = 65536) -> None:
    """Overwrite a run of pages in the middle of the file with junk (as a bad disk or sync would)."""
    data = bytearray(path.read_bytes())
    length = min(length, len(data) - offset)
    data[offset : offset + length] = b"\x5a" * length
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    """Cut the file to half its pages (an interrupted copy)."""
    size = path.stat().st_size
    os.truncate(path, (size // 2) // 4096 * 4096)


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    """Bounded polling instead of sleeping."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


HOLD_OPEN = r"""
import sys
from leaddesk.app import open_services
services = open_services(sys.argv[1])
print("open", flush=True)
sys.stdin.read()  # keep the database open until stdin closes or the process is killed
services.close()
"""


def hold_open(path: Path) -> subprocess.Popen[str]:
    """A child LeadDesk process that has `path` open (through open_services) until killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "open":
        proc.kill()
        raise AssertionError(f"the child did not open the database: {line!r} {proc.stderr.read()}")  # type: ignore[union-attr]
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- PostgreSQL with a password, and a keyring for tests ------------------------------------------------

PW_USER = "ld_pw"
PW_SECRET = "S3cret-pw-%41!"


def password_database_url(cluster: object, name: str) -> str:
    """A new empty database owned by a role that must give a password (scram), on the test cluster.

    The first call adds one pg_hba.conf line for that role only; every other role keeps trust.
    """
    data: Path = cluster.data  # type: ignore[attr-defined]
    hba = data / "pg_hba.conf"
    line = f"local all {PW_USER} scram-sha-256\n"
    text = hba.read_text(encoding="utf-8")
    if line not in text:
        hba.write_text(line + text, encoding="utf-8")
        cluster.execute_admin(  # type: ignore[attr-defined]
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PW_USER}') THEN "
            f"CREATE ROLE {PW_USER} LOGIN PASSWORD '{PW_SECRET}'; END IF; END $$"
        )
        cluster.execute_admin("SELECT pg_reload_conf()")  # type: ignore[attr-defined]
    cluster.execute_admin(f'CREATE DATABASE "{name}" OWNER {PW_USER}')  # type: ignore[attr-defined]
    socket_dir = cluster.socket_dir  # type: ignore[attr-defined]
    port = cluster.port  # type: ignore[attr-defined]
    return f"postgresql+psycopg://{PW_USER}@/{name}?host={socket_dir}&port={port}"


class FileKeyring(KeyringBackend):
    """A keyring backend kept in a JSON file (LEADDESK_TEST_KEYRING), usable by child processes through
    PYTHON_KEYRING_BACKEND=tests.unit.test_opening_support.FileKeyring."""

    @properties.classproperty
    def priority(cls) -> float:
        # Viable only where a test asked for it, so keyring never picks it on its own elsewhere.
        if "LEADDESK_TEST_KEYRING" not in os.environ:
            raise RuntimeError("the test keyring needs LEADDESK_TEST_KEYRING")
        return 1

    def _path(self) -> Path:
        return Path(os.environ["LEADDESK_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}  # type: ignore[no-any-return]

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}|{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}|{username}"] = password
        self._path().write_text(json.dumps(entries), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if entries.pop(f"{service}|{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._path().write_text(json.dumps(entries), encoding="utf-8")
