"""How LeadDesk starts worker processes: import readers and preparers from a fork server where there is
one (else spawn), the long-lived chart renderers by spawn.

A fork server forks every child from a small, clean process (never from the app, whose threads and Qt
state must not be forked), with the import modules already loaded, so a child starts in milliseconds.
A chart renderer starts once and lives as long as the app: it needs none of those modules (SQLAlchemy,
the spreadsheet readers) and loads matplotlib itself, so a fresh interpreter is quicker to get ready and
smaller (`fresh_process_context`).
Entry scripts need the usual `if __name__ == "__main__":` guard, as for any multiprocessing code.

Every child calls `end_with_app` first. A pool worker holds both ends of its task queue and the fork
server's keep-alive pipe, so when the app is killed nothing tells them: the workers, the fork
server and multiprocessing's resource tracker would linger until the next reboot.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import threading
from multiprocessing.context import ForkServerContext, SpawnContext

#: Loaded once in the fork server, so that readers and preparation workers start ready.
PRELOAD = [
    "leaddesk.services.importing.safe_reader",
    "leaddesk.services.importing.prepared_rows",
    "leaddesk.services.importing.new_leads",
]


def process_context() -> ForkServerContext | SpawnContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def start_fork_server() -> None:
    """Start the fork server now instead of at the first reader or worker (which then waits about half a
    second for it to load `PRELOAD`): it loads them in its own process while the caller goes on. Returns
    at once; nothing to do where there is no fork server."""
    if isinstance(process_context(), ForkServerContext):
        from multiprocessing import forkserver

        forkserver.ensure_running()


def fresh_process_context() -> SpawnContext:
    """Children that start from a fresh interpreter, with nothing loaded but what they import."""
    return multiprocessing.get_context("spawn")


def end_with_app(app_pid: int) -> None:
    """In a child process: exit as soon as the app process `app_pid` has ended, however it ended.

    Linux: a thread waits on a pidfd of the app, which becomes readable when the app exits (also when it
    was killed and is not reaped yet). Elsewhere (no pidfd) nothing is done; spawned children there are
    ended by their own time limits.
    """
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return
    try:
        pidfd = opener(app_pid)
    except ProcessLookupError:
        os._exit(1)
    except OSError:  # a kernel without pidfds
        return

    def wait_for_the_app() -> None:
        select.select([pidfd], [], [])
        os._exit(1)

    threading.Thread(target=wait_for_the_app, name="leaddesk-end-with-app", daemon=True).start()


#: How much a helper process (import preparation, chart rendering) lowers its priority (Unix `nice`).
WORKER_NICENESS = 5


def yield_to_app() -> None:
    """In a helper process: take the processor only when the app's process does not need it.

    An import's app process writes what the workers prepare; it is the slower end of the pipeline and
    the GUI lives in it. With the workers at normal priority, two of them and the app share two cores
    three ways; lowered, they still get every cycle the app leaves idle (100,000 rows into a million
    leads: median 15.8 s against 16.4 s over six runs each, within this machine's noise). Where
    `os.nice` does not exist (Windows) nothing is done.
    """
    nice = getattr(os, "nice", None)
    if nice is not None:
        with contextlib.suppress(OSError):  # not allowed here: run at normal priority
            nice(WORKER_NICENESS)


def start_helper(app_pid: int) -> None:
    """The first thing a helper process does: end with the app, and yield the processor to it."""
    end_with_app(app_pid)
    yield_to_app()
