"""A throwaway PostgreSQL cluster in a temporary folder, reached over a unix socket.

initdb refuses to run as root, so as root every server command runs as the `postgres` user.
Each test gets its own database cloned from a migrated template, which is much faster than migrating.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "leaddesk"


def find_pg_bin() -> Path | None:
    override = os.environ.get("LEADDESK_PG_BIN")
    if override:
        return Path(override)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


class PostgresCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="leaddesk-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.port = 5432
        self._as_postgres = os.geteuid() == 0
        self._counter = itertools.count(1)
        self._template_ready = False

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}\n{tail}")

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -p {self.port} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def execute_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def empty_database_url(self) -> str:
        name = f"ld_empty_{next(self._counter)}"
        self.execute_admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def new_database_url(self) -> str:
        """A fresh migrated LeadDesk database (a copy of the template)."""
        if not self._template_ready:
            from leaddesk.models.database import open_database

            self.execute_admin('CREATE DATABASE "ld_template"')
            open_database(self.url("ld_template")).dispose()
            self._template_ready = True
        name = f"ld_test_{next(self._counter)}"
        self.execute_admin(f'CREATE DATABASE "{name}" TEMPLATE "ld_template"')
        return self.url(name)
