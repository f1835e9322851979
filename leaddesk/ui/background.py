"""Running service calls off the GUI thread and getting the result (or the error) back on it.

Workers never touch widgets: they run a plain function and the result travels back through a queued
signal to a relay object that lives in the GUI thread, which then calls the callbacks there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from leaddesk.domain.errors import UserError


class Cancelled(UserError):
    """Raised inside a task when the user pressed Cancel."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class TaskControl:
    """Handed to a task function that wants to report progress or notice Cancel."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._cancel = threading.Event()

    def progress(self, done: int, total: int) -> None:
        self._relay.progressed.emit(int(done), int(total))

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if the user asked to stop."""
        if self._cancel.is_set():
            raise Cancelled()


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    #: 64-bit: a step may count bytes (a CSV's size), and Qt's int is 32-bit.
    progressed = Signal("qlonglong", "qlonglong")

    def __init__(self) -> None:
        super().__init__()
        self.on_done: Callable[[Any], None] | None = None
        self.on_error: Callable[[BaseException], None] | None = None
        self.on_progress: Callable[[int, int], None] | None = None
        self.succeeded.connect(self._done)
        self.failed.connect(self._failed)
        self.progressed.connect(self._progress)

    @Slot(object)
    def _done(self, result: Any) -> None:
        _active.discard(self)
        if self.on_done:
            _deliver(self.on_done, result)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        _active.discard(self)
        if self.on_error:
            _deliver(self.on_error, exc)
        else:
            from leaddesk.ui.errors import show_error

            show_error(None, exc)

    @Slot("qlonglong", "qlonglong")
    def _progress(self, done: int, total: int) -> None:
        if self.on_progress:
            self.on_progress(done, total)


def _deliver(callback: Callable[[Any], None], value: Any) -> None:
    """Call back, unless the widget that asked was closed meanwhile (its C++ side is gone)."""
    try:
        callback(value)
    except RuntimeError as exc:
        if "already deleted" not in str(exc):
            raise


class _Runnable(QRunnable):
    def __init__(self, relay: _Relay, work: Callable[[], Any]) -> None:
        super().__init__()
        self._relay = relay
        self._work = work

    def run(self) -> None:
        try:
            try:
                result = self._work()
            except BaseException as exc:
                self._relay.failed.emit(exc)
            else:
                self._relay.succeeded.emit(result)
        except RuntimeError:
            # The application is shutting down and the relay is gone: nobody waits for this answer.
            _active.discard(self._relay)


#: Relays waiting for their task; keeps them alive until the result is delivered.
_active: set[_Relay] = set()
_query_pool: QThreadPool | None = None


def query_pool() -> QThreadPool:
    """One worker thread for view queries, so they never race each other."""
    global _query_pool
    if _query_pool is None:
        _query_pool = QThreadPool()
        _query_pool.setMaxThreadCount(1)
    return _query_pool


def run_task(
    work: Callable[[TaskControl], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    pool: QThreadPool | None = None,
) -> TaskControl:
    """Run `work(control)` on a worker thread; callbacks run on the GUI thread."""
    relay = _Relay()
    relay.on_done, relay.on_error, relay.on_progress = on_done, on_error, on_progress
    control = TaskControl(relay)
    _active.add(relay)
    (pool or QThreadPool.globalInstance()).start(_Runnable(relay, lambda: work(control)))
    return control


def run_in_background(
    work: Callable[[], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    pool: QThreadPool | None = None,
) -> TaskControl:
    """Run a plain call (no progress, no cancel) on a worker thread."""
    return run_task(lambda _control: work(), on_done=on_done, on_error=on_error, pool=pool)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until background tasks finish (at exit and in `leaddesk screenshot`)."""
    ok = QThreadPool.globalInstance().waitForDone(timeout_ms)
    if _query_pool is not None:
        ok = _query_pool.waitForDone(timeout_ms) and ok
    return ok
