"""The one way this package starts processes: a fork server where there is one, else spawn.

A fork server forks every child from a small, clean process (never from the app, whose threads and Qt
state must not be forked), with the import modules already loaded, so a child starts in milliseconds.
Entry scripts need the usual `if __name__ == "__main__":` guard, as for any multiprocessing code.
"""

from __future__ import annotations

import multiprocessing
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
