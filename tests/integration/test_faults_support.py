"""A fork server for the fault tests (no tests here).

Fifty trials that each start Python and import LeadDesk would take a minute of imports alone. The server
imports LeadDesk once, then forks a fresh child process per job; each child runs the real code path
(`open_services`, the lifecycle service, the CLI) and reports its progress by appending lines to a status
file: ``began`` when its write transaction begins, ``committed`` after it, ``error <message>`` on a
failure. The test kills the child with SIGKILL whenever it likes. Children never share a connection
with the server: the server opens no database before forking.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.unit.test_opening_support import child_env

SERVER = r"""
import json, os, signal, sys, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel

import leaddesk.app, leaddesk.cli, leaddesk.opening  # noqa: F401  (imported once, shared by every fork)
from sqlalchemy import Engine, event

# Warm up what the commands load lazily, so that each fork starts working at once: every command module,
# and the calendars' holiday tables. Best effort: what is missing is simply loaded later.
leaddesk.cli.build_parser()
try:
    import holidays
    holidays.country_holidays("IT")
except Exception:
    pass


def report(status, text):
    with open(status, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def on_begin(status):
    def _begin(conn):
        if conn.get_execution_options().get("leaddesk_write"):
            report(status, "began")
    event.listen(Engine, "begin", _begin)


def handoff(job):
    from leaddesk.app import open_services
    services = open_services(job["db"])
    on_begin(job["status"])
    services.lifecycle.handoff(job["lead_ids"], owner_id=job["owner_id"], note="bulk")
    report(job["status"], "committed")
    services.close()


def cli(job):
    from leaddesk.cli import main
    on_begin(job["status"])
    code = main(job["argv"])
    report(job["status"], f"exit {code}")


def writer(job):
    # One of several processes writing at once, each through its own engine and services.
    from leaddesk.app import build_services, open_services
    from leaddesk.domain.enums import ActivityKind, Outcome
    from leaddesk.domain.records import LeadDraft
    from leaddesk.models.database import open_database
    if job.get("bypass_lock"):
        services = build_services(open_database(job["db"]))
    else:
        services = open_services(job["db"])
    report(job["status"], "ready")
    while not os.path.exists(job["go"]):
        time.sleep(0.0005)
    for i in range(job["count"]):
        services.lifecycle.create_lead(LeadDraft(email=f"w{job['n']}-{i}@example.it", company="Parallela"))
        services.lifecycle.log_activity(
            job["shared"], kind=ActivityKind.CALL, outcome=Outcome.NO_ANSWER, note=f"w{job['n']}-{i}"
        )
    report(job["status"], "committed")
    services.close()


def edit(job):
    # Edit one lead from the version read earlier; report the outcome (a conflict says who and when).
    from leaddesk.app import build_services, open_services
    from leaddesk.domain.errors import ConflictError
    from leaddesk.models.database import open_database
    if job.get("bypass_lock"):
        services = build_services(open_database(job["db"]))
    else:
        services = open_services(job["db"])
    member = services.team.find_by_name(job["actor"])
    report(job["status"], "ready")
    while not os.path.exists(job["go"]):
        time.sleep(0.0005)
    try:
        version = services.lifecycle.update_lead(
            job["lead_id"], {"city": job["city"]}, expected_version=job["version"], actor_id=member.id
        )
    except ConflictError as exc:
        report(job["status"], json.dumps(
            {"result": "conflict", "by": exc.changed_by, "at": exc.changed_at.isoformat(), "text": str(exc)}
        ))
    else:
        report(job["status"], json.dumps({"result": "ok", "version": version}))
    report(job["status"], "committed")
    services.close()


JOBS = {"handoff": handoff, "cli": cli, "writer": writer, "edit": edit}

for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the job's own subprocesses are its to reap
            sys.stdin.close()
            out = os.open(job["status"] + ".out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, 1)
            os.dup2(out, 2)
            JOBS[job["kind"]](job)
        except BaseException as exc:
            report(job["status"], "error " + " ".join(f"{type(exc).__name__}: {exc}".split()))
            code = 1
        finally:
            os._exit(code)
    print(pid, flush=True)
"""


class ForkServer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )

    def start(self, **job: Any) -> int:
        """Fork a child running `job`; returns its pid."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        Path(job["status"]).unlink(missing_ok=True)
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the fork server died: {self.proc.stderr.read()}")  # type: ignore[union-attr]
        return int(line)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_dead(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"child {pid} did not finish in time")
        time.sleep(0.002)


def status_lines(status: Path) -> list[str]:
    try:
        return status.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def wait_for_line(status: Path, prefix: str, pid: int, timeout: float = 30.0) -> list[str]:
    """Poll until the child wrote a line starting with `prefix` (or died / wrote an error)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = status_lines(status)
        if any(line.startswith(prefix) for line in lines):
            return lines
        errors = [line for line in lines if line.startswith("error")]
        if errors:
            raise AssertionError(f"the child failed: {errors[0]}")
        if not alive(pid):
            lines = status_lines(status)
            if any(line.startswith(prefix) for line in lines):
                return lines
            raise AssertionError(f"the child ended without '{prefix}': {lines}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for '{prefix}' from {pid}: {lines}")
        time.sleep(0.0005)
