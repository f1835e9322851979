"""Backups of a PostgreSQL team database with ``pg_dump -Fc`` (custom format, restorable with pg_restore).

The password reaches pg_dump only through the ``PGPASSWORD`` environment variable of the child process:
never on its command line (visible to every user in ``ps``), never in a log line, never in an error
message (pg_dump's own output is scrubbed of it, just in case). ``--no-password`` keeps pg_dump from
prompting on a terminal the GUI does not have. Everything else comes from the SQLAlchemy URL:

- ``postgresql+psycopg://user:pw@host:5432/db``
- ``postgresql+psycopg://user@/db?host=/tmp/sock&port=5432`` (unix socket directory in ``host``)
- libpq options in the query (``sslmode``, ``sslrootcert``, ``connect_timeout`` …) become the matching
  ``PG*`` environment variables; unknown ones are ignored.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy.engine import URL, make_url

from leaddesk.domain.errors import UserError
from leaddesk.storage._sqlite_files import utc_stamp
from leaddesk.storage.backup import BackupReason
from leaddesk.storage.file_permissions import create_private_file, ensure_private_dir, ensure_private_file

log = logging.getLogger(__name__)

DUMP_EXTENSION: Final = ".dump"
DEFAULT_CONNECT_TIMEOUT_S: Final = "10"

#: libpq connection options that may appear in the URL query → the environment variable pg_dump reads.
QUERY_TO_ENV: Final[Mapping[str, str]] = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslcompression": "PGSSLCOMPRESSION",
    "requiressl": "PGREQUIRESSL",
    "gssencmode": "PGGSSENCMODE",
    "channel_binding": "PGCHANNELBINDING",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "krbsrvname": "PGKRBSRVNAME",
}

INSTALL_HINT: Final = (
    "pg_dump was not found; install the PostgreSQL client tools (the same major version as the server "
    "or newer: 'postgresql-client' on Debian/Ubuntu, the PostgreSQL installer's 'Command Line Tools' on "
    "Windows, 'brew install libpq' or Postgres.app on macOS) and try again."
)


class PgBackupError(UserError):
    """pg_dump is missing or failed; the message says why, without any password."""


@dataclass(frozen=True, slots=True)
class PgDumpCommand:
    """What to run: the arguments (safe to show) and the child's environment (not shown: password)."""

    args: tuple[str, ...]
    output: Path
    env: Mapping[str, str] = field(repr=False)

    def for_log(self) -> str:
        return " ".join(self.args)


def pg_dump_available() -> str | None:
    """The path of a pg_dump executable, or None. Looks on PATH, then where installers put it."""
    found = shutil.which("pg_dump")
    if found:
        return found
    if sys.platform == "win32":
        roots = [os.environ.get("PROGRAMFILES", r"C:\Program Files"), os.environ.get("PROGRAMW6432", "")]
        patterns = [os.path.join(r, "PostgreSQL", "*", "bin", "pg_dump.exe") for r in roots if r]
    elif sys.platform == "darwin":
        patterns = [
            "/Applications/Postgres.app/Contents/Versions/latest/bin/pg_dump",
            "/opt/homebrew/opt/libpq/bin/pg_dump",
            "/opt/homebrew/bin/pg_dump",
            "/usr/local/opt/libpq/bin/pg_dump",
            "/usr/local/bin/pg_dump",
        ]
    else:
        patterns = ["/usr/lib/postgresql/*/bin/pg_dump", "/usr/pgsql-*/bin/pg_dump", "/usr/local/bin/pg_dump"]
    candidates = [c for pattern in patterns for c in glob.glob(pattern) if os.access(c, os.X_OK)]
    return max(candidates, key=_version_key) if candidates else None


def _version_key(path: str) -> tuple[int, ...]:
    numbers = [int(p) for p in Path(path).parts if p.isdigit()]
    return tuple(numbers) or (0,)


def _first(value: str | tuple[str, ...] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return ",".join(value) if value else None  # libpq accepts comma-separated host lists
    return value


def build_pg_dump_command(
    url: str | URL,
    output: Path,
    *,
    pg_dump: str = "pg_dump",
    password: str | None = None,
    base_env: Mapping[str, str] | None = None,
) -> PgDumpCommand:
    """The pg_dump invocation for `url`, writing a custom-format archive to `output`.

    `password` (else the URL's) goes to ``PGPASSWORD`` in the returned env only.
    """
    u = make_url(url) if isinstance(url, str) else url
    if u.get_backend_name() != "postgresql":
        raise PgBackupError(f"pg_dump backs up PostgreSQL databases only, not {u.get_backend_name()}.")
    if not u.database:
        raise PgBackupError("The PostgreSQL URL names no database.")
    query = dict(u.query)
    host = u.host or _first(query.get("host"))
    port = str(u.port) if u.port else _first(query.get("port"))
    user = u.username or _first(query.get("user"))
    secret = password if password is not None else u.password

    env = dict(os.environ if base_env is None else base_env)
    args = [pg_dump, "--format=custom", "--no-password", f"--file={output}"]
    if host:
        args.append(f"--host={host}")
    if port:
        args.append(f"--port={port}")
    if user:
        args.append(f"--username={user}")
    if "=" in u.database or u.database.startswith(("postgres://", "postgresql://")):
        env["PGDATABASE"] = u.database  # would be read as a connection string on the command line
    else:
        args.append(f"--dbname={u.database}")
    for key, value in query.items():
        name = QUERY_TO_ENV.get(key)
        text = _first(value)
        if name and text is not None:
            env[name] = text
    env.setdefault("PGCONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_S)
    if secret:
        env["PGPASSWORD"] = str(secret)
    return PgDumpCommand(tuple(args), Path(output), env)


def dump_file_name(database: str, taken_at: datetime, reason: BackupReason | str, seq: int = 1) -> str:
    """``<db>-<UTC stamp>-<reason>[-<seq>].dump``, like the SQLite backups' names."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in database) or "database"
    tail = f"-{seq}" if seq > 1 else ""
    return f"{safe}-{utc_stamp(taken_at)}-{BackupReason(reason).value}{tail}{DUMP_EXTENSION}"


def backup_postgres(
    url: str | URL,
    out_dir: Path,
    *,
    password: str | None = None,
    reason: BackupReason | str = BackupReason.MANUAL,
    now: datetime | None = None,
    pg_dump: str | None = None,
    timeout_s: float | None = None,
) -> Path:
    """Dump the database at `url` into `out_dir` and return the archive's path (0600).

    Pass the password from the keyring as `password` (or a URL that carries it, e.g. from
    `secrets.url_with_password_from_keyring`).
    """
    exe = pg_dump or pg_dump_available()
    if not exe:
        raise PgBackupError(INSTALL_HINT)
    u = make_url(url) if isinstance(url, str) else url
    out_dir = ensure_private_dir(Path(out_dir))
    taken_at = now or datetime.now(UTC)
    seq = 1
    while (final := out_dir / dump_file_name(u.database or "database", taken_at, reason, seq)).exists():
        seq += 1
    partial = final.with_name(final.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)
    command = build_pg_dump_command(u, partial, pg_dump=exe, password=password)
    secret = password if password is not None else u.password
    log.info("Backing up %s with: %s", u.render_as_string(hide_password=True), command.for_log())
    try:
        completed = subprocess.run(
            command.args,
            env=dict(command.env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except FileNotFoundError as exc:
        partial.unlink(missing_ok=True)
        raise PgBackupError(INSTALL_HINT) from exc
    except subprocess.TimeoutExpired as exc:
        partial.unlink(missing_ok=True)
        raise PgBackupError(
            f"pg_dump did not finish within {timeout_s:g} s; the backup was abandoned."
        ) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        detail = _scrub(completed.stderr, secret)
        hint = ""
        if "version mismatch" in detail:
            hint = " Install PostgreSQL client tools of the server's major version or newer."
        raise PgBackupError(f"pg_dump failed (exit code {completed.returncode}): {detail}{hint}")
    os.replace(partial, final)
    ensure_private_file(final)
    return final


def _scrub(stderr: str, secret: str | None) -> str:
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    text = " ".join(lines[-3:]) or "no message"
    if secret:
        text = text.replace(secret, "***")
    return text
