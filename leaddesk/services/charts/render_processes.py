"""Rendering charts to images in worker processes, so that drawing them uses the other core.

The dashboard's numbers are computed in the app (SQL and Python, on worker threads); building and
drawing seven matplotlib figures takes as long again, and in the app's process it would compete with those
threads for the one interpreter lock. Here two long-lived processes (started once, matplotlib loaded once)
render the charts: each gets a small picklable `ChartJob` (the period's figures, the palette, the size in
pixels) and sends back a `ChartImage` (RGBA pixels and the chart's texts). Each chart always goes to the
same process, which keeps its last figure and draws the next one on it (`build_chart(reuse=…)`).

If the processes cannot be started, or one dies (killed, out of memory), the charts of that call are
rendered in the calling thread instead, and the next call starts new processes.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from leaddesk.services.charts.palette import Palette
from leaddesk.services.reporting.records import FlowData, SlaView

log = logging.getLogger(__name__)

#: Worker processes (the machine has at least two cores to give them; the app's threads wait meanwhile).
PROCESSES = 2

#: Which process draws a chart, balanced by the time each takes: the two slowest charts (the campaign
#: results' two panels, MQLs per campaign) on the first, the five quick ones on the second.
_SLOT = {"campaign_results": 0, "mql": 0}

#: How often a waiting call looks at its cancel flag, in seconds.
_POLL_S = 0.05

#: Pools in a row whose processes died before the renderer gives up on processes.
_MAX_BREAKS = 3


@dataclass(frozen=True, slots=True)
class ChartInput:
    """What the charts of a period read (`report_charts.ChartData`): either part may be missing when only
    the other part's charts are drawn."""

    flow: FlowData | None
    sla: SlaView | None


@dataclass(frozen=True, slots=True)
class ChartJob:
    name: str
    data: ChartInput
    palette: Palette
    #: Width and height in physical pixels.
    pixels: tuple[int, int]
    #: Physical pixels per logical pixel of the screen (2 on a high-density one): the figure is built at
    #: 100 dpi × `ratio`, so that its texts have the same size on every screen.
    ratio: float = 1.0


@dataclass(frozen=True, slots=True)
class ChartImage:
    name: str
    width: int
    height: int
    #: Straight (not premultiplied) RGBA, row after row from the top: matplotlib's Agg buffer.
    rgba: bytes
    #: The chart's visible texts in drawing order (title, labels, values): what a screen reader says.
    texts: tuple[str, ...]
    #: The screen pixel ratio it was drawn for (`ChartJob.ratio`).
    ratio: float = 1.0


class ChartRenderer:
    """Renders `ChartJob`s into `ChartImage`s in `processes` worker processes (0: in the calling thread).

    `render` may be called from several threads at once; it blocks until its images are ready. `close`
    ends the processes (they also end by themselves when the app ends)."""

    def __init__(self, processes: int = PROCESSES) -> None:
        self._wanted = processes
        self._lock = threading.Lock()
        self._executors: list[concurrent.futures.ProcessPoolExecutor] = []
        self._unavailable = processes <= 0
        self._closed = False
        #: Pools that broke in a row: after `_MAX_BREAKS`, processes are given up on (they die at start).
        self._breaks = 0

    def start(self) -> None:
        """Start the processes now (matplotlib loads in them while the app computes the first figures)."""
        self._pool()

    def render(
        self, jobs: Sequence[ChartJob], should_cancel: Callable[[], bool] | None = None
    ) -> dict[str, ChartImage] | None:
        """The images of `jobs`, by chart name; None when `should_cancel()` became true meanwhile (the
        charts not started yet are then dropped) or the renderer was closed."""
        pool = self._pool()
        if self._closed:
            return None
        futures: dict[str, concurrent.futures.Future[ChartImage]] = {}
        broken = False
        try:
            for job in jobs if pool else ():
                futures[job.name] = pool[_SLOT.get(job.name, 1) % len(pool)].submit(render_job, job)
        except BrokenProcessPool:
            broken = True
        if not _wait(futures.values(), should_cancel):
            return None
        images: dict[str, ChartImage] = {}
        for job in jobs:
            future = futures.get(job.name)
            try:
                if future is not None:
                    images[job.name] = future.result()
                    continue
            except (BrokenProcessPool, concurrent.futures.CancelledError):
                broken = True  # (cancelled: dropped by the recovery from a broken pool, or by `close`)
            if self._closed:
                return None
            images[job.name] = render_job(job)  # no process for it: drawn here
        if broken:
            log.warning("A chart renderer process ended; its charts were drawn in the app.")
            self._discard(pool)
        elif pool:
            self._breaks = 0
        return images

    def worker_pids(self) -> list[int]:
        """The worker processes running now (to watch or, in tests, to kill)."""
        with self._lock:
            return [pid for ex in self._executors for pid in (getattr(ex, "_processes", None) or {})]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executors, self._executors = self._executors, []
        for executor in executors:
            # Waiting is quick (the processes are idle or finishing one chart), and an executor left to
            # shut down at interpreter exit writes to its closed wake-up pipe there (CPython 3.11).
            executor.shutdown(wait=True, cancel_futures=True)

    def _pool(self) -> list[concurrent.futures.ProcessPoolExecutor]:
        with self._lock:
            if self._executors or self._unavailable or self._closed:
                return list(self._executors)
            from leaddesk.services.processes import fresh_process_context

            try:
                context = fresh_process_context()
                self._executors = [
                    concurrent.futures.ProcessPoolExecutor(
                        max_workers=1, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
                    )
                    for _ in range(self._wanted)
                ]
                for executor in self._executors:
                    executor.submit(int)  # starts the process (an executor starts it on first use)
            except (OSError, RuntimeError) as exc:  # no processes here (a sandbox, a frozen app…)
                log.warning("No chart renderer processes (%s); charts are drawn in the app.", exc)
                self._unavailable = True
                self._executors = []
            return list(self._executors)

    def _discard(self, pool: list[concurrent.futures.ProcessPoolExecutor]) -> None:
        """Stop using `pool` (one of its processes died); the next call starts new processes."""
        with self._lock:
            if self._executors != pool:
                return  # another caller did it already
            self._executors = []
            self._breaks += 1
            if self._breaks >= _MAX_BREAKS:
                log.warning("Chart renderer processes keep ending; charts are drawn in the app from now on.")
                self._unavailable = True

        def shut_down() -> None:
            # Not cancelling: other callers may still wait for their jobs in the process that works. Not
            # in the caller's thread: that process finishes those jobs first.
            for executor in pool:
                executor.shutdown(wait=True)

        threading.Thread(target=shut_down, name="leaddesk-chart-renderer-shutdown", daemon=True).start()


def _wait(futures: Any, should_cancel: Callable[[], bool] | None) -> bool:
    """Wait for `futures`; False (and the ones not started cancelled) if `should_cancel()` turns true."""
    pending = {future for future in futures if not future.done()}
    while pending:
        if should_cancel is not None and should_cancel():
            for future in pending:
                future.cancel()
            return False
        concurrent.futures.wait(pending, timeout=_POLL_S)
        # `done()`, not `wait`'s answer: `wait` never counts a future cancelled by an executor's shutdown.
        pending = {future for future in pending if not future.done()}
    return True


# --- in the worker process (or the calling thread when there is none) ---------------------------------------

#: The last figure of each chart drawn here, drawn on again by the next job for that chart.
_figures: dict[str, Any] = {}
_figures_lock = threading.Lock()


def _start_worker(app_pid: int) -> None:
    import multiprocessing

    from leaddesk.services.processes import start_helper

    # The app's own threads (the window, the numbers the charts wait for) go first when both want a core.
    start_helper(app_pid)
    parent = multiprocessing.parent_process()
    if parent is not None:
        # Everywhere (also where `end_with_app` cannot watch the app: macOS, Windows): a renderer has no
        # time limit, and its task queue's pipe stays open in it, so it would outlive a killed app.
        threading.Thread(target=_end_with, args=(parent,), name="leaddesk-end-with-app", daemon=True).start()
    # matplotlib and the chart code now, not in the first job.
    import leaddesk.services.charts.quick_render
    import leaddesk.services.charts.report_charts  # noqa: F401


def _end_with(parent: Any) -> None:
    parent.join()  # returns when the app's process has ended
    os._exit(1)


def render_job(job: ChartJob) -> ChartImage:
    """Build and render one chart (in a worker process, or here when there is none)."""
    from matplotlib.text import Text

    from leaddesk.services.charts.quick_render import gc_paused, render
    from leaddesk.services.charts.report_charts import DPI, build_chart

    width, height = max(job.pixels[0], 10), max(job.pixels[1], 10)
    dpi = DPI * max(job.ratio, 0.5)
    with _figures_lock:
        spare = _figures.pop(job.name, None)  # a figure is drawn by one job at a time
    with gc_paused():
        figure = build_chart(
            job.name, job.data, job.palette, (width / dpi, height / dpi), layout="fixed", reuse=spare, dpi=dpi
        )
        canvas = render(figure)
        w, h = canvas.get_width_height(physical=True)
        texts = tuple(_visible_texts(figure, Text))
        image = ChartImage(job.name, int(w), int(h), bytes(canvas.buffer_rgba()), texts, job.ratio)
    canvas.renderer = None  # the pixels are copied: the next draw makes its own
    with _figures_lock:
        _figures[job.name] = figure
    return image


def _visible_texts(artist: Any, text_type: type) -> Any:
    """The non-empty texts drawn in `artist` and its children (a hidden artist hides its children)."""
    if not artist.get_visible():
        return
    if isinstance(artist, text_type) and (text := artist.get_text().strip()):
        yield text
    for child in artist.get_children():
        yield from _visible_texts(child, text_type)
