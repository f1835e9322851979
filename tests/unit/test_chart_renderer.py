"""The chart renderer: images from its worker processes are the charts drawn here, pixel for pixel; each
chart is drawn on its last figure again; a dead process costs nothing but time; a high-density screen gets
the same chart at twice the pixels."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leaddesk.services.charts.palette import DARK, LIGHT
from leaddesk.services.charts.render_processes import ChartImage, ChartInput, ChartJob, ChartRenderer
from leaddesk.services.charts.report_charts import CHART_NAMES
from tests.unit.test_charts import Data, sample_data

SIZE = (420, 280)


@pytest.fixture
def chart_data() -> Data:
    return sample_data()


@pytest.fixture
def renderer() -> ChartRenderer:
    r = ChartRenderer()
    yield r  # type: ignore[misc]
    r.close()


def _input(data: Data) -> ChartInput:
    return ChartInput(flow=data.flow, sla=data.sla)


def _pixels(image: ChartImage) -> np.ndarray:
    return np.frombuffer(image.rgba, dtype=np.uint8).reshape(image.height, image.width, 4)


def test_the_processes_draw_what_the_app_would(renderer: ChartRenderer, chart_data: Data) -> None:
    jobs = [ChartJob(name, _input(chart_data), LIGHT, SIZE) for name in CHART_NAMES]
    there = renderer.render(jobs)
    assert there is not None and len(renderer.worker_pids()) == 2
    here = ChartRenderer(processes=0).render(jobs)
    assert here is not None
    for name in CHART_NAMES:
        assert (there[name].width, there[name].height) == SIZE
        assert there[name].rgba == here[name].rgba, name
        assert there[name].texts == here[name].texts and there[name].texts, name
    # drawn again on the figures of the first round (and in the other palette, on new ones): the same
    for palette in (LIGHT, DARK, LIGHT):
        again = renderer.render([ChartJob(name, _input(chart_data), palette, SIZE) for name in CHART_NAMES])
        fresh = ChartRenderer(processes=0).render(
            [ChartJob(name, _input(chart_data), palette, SIZE) for name in CHART_NAMES]
        )
        assert again is not None and fresh is not None
        assert all(again[n].rgba == fresh[n].rgba for n in CHART_NAMES)


def test_a_killed_process_is_replaced(renderer: ChartRenderer, chart_data: Data) -> None:
    jobs = [ChartJob("funnel", _input(chart_data), LIGHT, SIZE)]
    assert renderer.render(jobs) is not None
    first = renderer.worker_pids()
    for pid in first:
        os.kill(pid, signal.SIGKILL)
    images = renderer.render(jobs)  # drawn here this time
    assert images is not None and images["funnel"].texts
    assert renderer.render(jobs) is not None
    assert renderer.worker_pids() and not set(renderer.worker_pids()) & set(first)


def test_a_process_killed_while_two_callers_wait_costs_neither_its_charts(
    renderer: ChartRenderer,
    chart_data: Data,
) -> None:
    """Both parts of a dashboard refresh wait on both processes at once; one process dies under them. Each
    caller still gets all its charts (the ones lost are drawn in the app): no call waits forever for a job
    the other caller's recovery dropped."""
    assert renderer.render([ChartJob("funnel", _input(chart_data), LIGHT, SIZE)]) is not None
    results: dict[int, Any] = {}

    def call(k: int) -> None:
        jobs = [ChartJob(name, _input(chart_data), LIGHT, (SIZE[0] + k, SIZE[1])) for name in CHART_NAMES]
        results[k] = renderer.render(jobs)

    for _attempt in range(3):
        results.clear()
        callers = [threading.Thread(target=call, args=(k,)) for k in range(2)]
        for caller in callers:
            caller.start()
        time.sleep(0.03)  # jobs queued and running in both processes
        os.kill(renderer.worker_pids()[0], signal.SIGKILL)
        for caller in callers:
            caller.join(timeout=60)
        assert not any(caller.is_alive() for caller in callers), "a caller waits forever"
        for k in range(2):
            assert results[k] is not None and set(results[k]) == set(CHART_NAMES)
            assert all(results[k][n].width == SIZE[0] + k for n in CHART_NAMES)
        renderer.render([ChartJob("funnel", _input(chart_data), LIGHT, SIZE)])  # new processes


def test_cancel_drops_the_call_and_leaves_the_processes_working(
    renderer: ChartRenderer,
    chart_data: Data,
) -> None:
    jobs = [ChartJob(name, _input(chart_data), LIGHT, SIZE) for name in CHART_NAMES]
    asked: list[bool] = []

    def cancel_after_the_first_look() -> bool:
        asked.append(True)
        return len(asked) > 1

    assert renderer.render(jobs * 3, should_cancel=cancel_after_the_first_look) is None
    pids = renderer.worker_pids()
    images = renderer.render(jobs)
    here = ChartRenderer(processes=0).render(jobs)
    assert images is not None and here is not None
    assert all(images[n].rgba == here[n].rgba for n in CHART_NAMES)
    assert renderer.worker_pids() == pids  # the same processes: cancelling broke nothing


@pytest.mark.parametrize("name", ["funnel", "mql", "campaign_results"])
def test_a_high_density_screen_gets_the_same_chart_at_twice_the_pixels(chart_data: Data, name: str) -> None:
    """Texts keep their size on a screen with two physical pixels per logical one: the image at ratio 2,
    halved, is the image at ratio 1 (up to anti-aliasing); drawn at 100 dpi it would be a chart with
    half-size texts (a difference of 24 to 33 here, against 5 to 8)."""
    here = ChartRenderer(processes=0)
    (w, h) = SIZE
    normal = here.render([ChartJob(name, _input(chart_data), LIGHT, (w, h))])
    dense = here.render([ChartJob(name, _input(chart_data), LIGHT, (2 * w, 2 * h), ratio=2.0)])
    assert normal is not None and dense is not None
    assert (dense[name].width, dense[name].height) == (2 * w, 2 * h)
    assert dense[name].texts == normal[name].texts
    halved = _pixels(dense[name])[:, :, :3].astype(float).reshape(h, 2, w, 2, 3).mean(axis=(1, 3))
    difference = np.abs(halved - _pixels(normal[name])[:, :, :3]).mean()
    assert difference < 12.0, difference


def test_the_processes_end_when_the_app_is_killed(tmp_path: Path) -> None:
    """A killed app leaves no renderer behind (they hold their task queue open, and have no time limit)."""
    code = (
        "import sys\n"
        "from leaddesk.services.charts.render_processes import ChartRenderer\n"
        "renderer = ChartRenderer()\n"
        "renderer.start()\n"
        "print(*renderer.worker_pids(), flush=True)\n"
        "sys.stdin.read()\n"
    )
    app = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert app.stdout is not None
    pids = [int(pid) for pid in app.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    app.kill()
    app.wait(10)
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its parent) counts as ended
    with contextlib.suppress(OSError):
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return True
