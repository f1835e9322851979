"""The chart renderer: images from its worker processes are the charts drawn here, pixel for pixel; each
chart is drawn on its last figure again; a dead process costs nothing but time; a high-density screen gets
the same chart at twice the pixels."""

from __future__ import annotations

import os
import signal

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


def test_a_cancelled_call_returns_none(renderer: ChartRenderer, chart_data: Data) -> None:
    jobs = [ChartJob(name, _input(chart_data), LIGHT, SIZE) for name in CHART_NAMES]
    assert renderer.render(jobs, should_cancel=lambda: True) is None


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
