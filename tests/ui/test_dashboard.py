"""The Dashboard driven through its real widgets on a real SQLite database (the February of
`test_reporting_support`): charts arrive from the worker, follow the period, the filters and the palette."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor, QPalette

from leaddesk.app import Services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Stage
from leaddesk.services.charts.palette import DARK, LIGHT
from leaddesk.services.charts.render_processes import ChartInput, ChartJob, ChartRenderer
from leaddesk.services.reporting.periods import PeriodKind
from leaddesk.ui.background import wait_for_all
from leaddesk.ui.charts.canvas import ChartCanvas
from leaddesk.ui.charts.chart_grid import RESIZE_SETTLE_MS
from leaddesk.ui.context import AppContext
from leaddesk.ui.pages.dashboard_page import DashboardPage
from tests.ui.fresh_app import run_in_fresh_app
from tests.unit.test_reporting_support import NOW, Scenario, build_scenario

TIMEOUT = 30_000
#: A label only February's funnel has (7 handed off, 4 accepted).
FEBRUARY_FUNNEL_LABEL = "4   (57 %)"


def _page(qtbot, ctx: AppContext, services: Services, clock: FixedClock) -> tuple[DashboardPage, Scenario]:  # type: ignore[no-untyped-def]
    sc = build_scenario(services.db)
    clock.set(NOW)
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 900)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.activate()
    return page, sc


def _bar_sizes(page: DashboardPage, name: str) -> list[int]:
    """The bars of a chart shown now, from the numbers the page shows (the images are those numbers drawn:
    `test_the_images_are_the_charts_of_the_numbers_shown`)."""
    if name == "funnel":
        steps = page.shown["flow"].funnel
        return [s.count for s in steps] if any(s.count for s in steps) else []
    return [b.count for b in page.shown["sla"].contact_hours]


def _physical_size(canvas: ChartCanvas) -> tuple[int, int]:
    ratio = canvas.devicePixelRatioF()
    return round(canvas.width() * ratio), round(canvas.height() * ratio)


def test_the_periods_charts_and_headline_figures_show(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    assert page.period.period().start == date(2026, 2, 1) and page.period.kind() == PeriodKind.THIS_MONTH
    for name, canvas in page.charts.canvases.items():
        assert canvas.image is not None, name
        assert canvas.view.isVisible(), name
        assert canvas.texts and canvas.view.accessibleName() == canvas.texts[0], name
    assert _bar_sizes(page, "funnel") == [7, 7, 7, 4, 3, 1, 1]
    assert _bar_sizes(page, "contact_hours") == [1, 0, 1, 0, 1, 0, 0, 0]
    funnel_texts = page.charts.canvases["funnel"].texts
    assert "7   (100 %)" in funnel_texts and "Won" in funnel_texts
    assert page.tiles["accept"].value.text() == "71.4 %"
    assert page.tiles["accept"].detail.text() == "5 of 7"
    assert page.tiles["mql"].value.text() == "7 of 12"
    assert page.tiles["breached"].value.text() == "2"
    # the stage strip counts the leads standing at each stage now
    qtbot.waitUntil(lambda: page.bars[Stage.WON][2].text() == "1", timeout=TIMEOUT)
    assert page.bars[Stage.REJECTED][2].text() == "2"
    assert set(page.timings) >= {"flow_data", "sla_data", "flow_figures", "sla_figures", "total"}


def test_the_images_are_the_charts_of_the_numbers_shown(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """Each image the renderer's processes sent is, pixel for pixel, that chart of the numbers the page
    shows drawn here, at the canvas's size; and no chart was drawn in the app's own process."""
    page, _sc = _page(qtbot, ctx, services, clock)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
    assert ctx.services.chart_renderer.worker_pids(), "the charts are drawn in worker processes"
    # (a late layout change, a scroll bar say, has its charts rendered again first)
    canvases = page.charts.canvases
    qtbot.waitUntil(lambda: not any(c.needs_new_image() for c in canvases.values()), timeout=TIMEOUT)
    data = ChartInput(flow=page.shown["flow"], sla=page.shown["sla"])
    jobs = [ChartJob(name, data, LIGHT, _physical_size(canvas)) for name, canvas in canvases.items()]
    here = ChartRenderer(processes=0).render(jobs)
    assert here is not None
    for name, canvas in page.charts.canvases.items():
        image = canvas.image
        assert image is not None and (image.width, image.height) == _physical_size(canvas), name
        assert image.rgba == here[name].rgba, name
        assert image.texts == here[name].texts, name


def test_a_resized_chart_gets_an_image_of_its_new_size(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    funnel = page.charts.canvases["funnel"]
    before = funnel.image
    assert before is not None and (before.width, before.height) == _physical_size(funnel)
    with qtbot.waitSignal(page.charts.rerendered, timeout=TIMEOUT):
        page.resize(800, 900)
    assert funnel.image is not None and funnel.image is not before
    assert (funnel.image.width, funnel.image.height) == _physical_size(funnel)
    assert funnel.image.width < before.width
    # meanwhile (and until the new image comes) the old one is shown stretched: paint works at any size
    assert not page.grab().isNull()


def test_charts_replaced_by_a_message_stay_away_after_a_resize(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """When the figures could not be computed the charts give way to a message; a resize then must not
    bring the previous period's charts back under the new period's title."""
    page, _sc = _page(qtbot, ctx, services, clock)
    page.charts.show_message("The figures could not be computed.")
    page.resize(760, 900)
    qtbot.wait(3 * RESIZE_SETTLE_MS)
    wait_for_all()
    qtbot.wait(20)
    for canvas in page.charts.canvases.values():
        assert canvas.image is None and canvas.message.isVisible(), canvas.name


def test_a_period_change_redraws_for_the_new_period(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    before = page.charts.canvases["funnel"].image
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
    assert page.period.period().start == date(2026, 1, 1)
    assert page.charts.canvases["funnel"].image is not before
    assert _bar_sizes(page, "funnel") == [1, 0, 0, 0, 0, 0, 0]  # only F was created in January
    assert FEBRUARY_FUNNEL_LABEL not in page.charts.canvases["funnel"].texts
    assert page.tiles["accept"].value.text() == "–"
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.CUSTOM)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.start.setDate(QDate(2026, 2, 16))  # after the end: the end follows
    assert (page.current_period().start, page.current_period().end) == (date(2026, 2, 16), date(2026, 2, 16))
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.end.setDate(QDate(2026, 2, 28))
    assert page.current_period().end == date(2026, 2, 28)
    assert _bar_sizes(page, "funnel")[:3] == [1, 1, 1]  # E only


def test_the_charts_still_show_after_a_renderer_process_died(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """A killed renderer process costs one period change its speed, not its charts: those are drawn in
    the app, and the next change has new processes."""
    page, _sc = _page(qtbot, ctx, services, clock)
    renderer = ctx.services.chart_renderer
    killed = renderer.worker_pids()
    assert killed
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
    assert _bar_sizes(page, "funnel") == [1, 0, 0, 0, 0, 0, 0]
    assert FEBRUARY_FUNNEL_LABEL not in page.charts.canvases["funnel"].texts  # January's, drawn here
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.THIS_MONTH)
    assert _bar_sizes(page, "funnel") == [7, 7, 7, 4, 3, 1, 1]
    alive = renderer.worker_pids()
    assert alive and not set(alive) & set(killed)


def test_filters_narrow_the_charts(qtbot, ctx: AppContext, services: Services, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    page, sc = _page(qtbot, ctx, services, clock)
    qtbot.waitUntil(lambda: page.filters.campaign.count() == 3, timeout=TIMEOUT)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.filters.campaign.setCurrentIndex(page.filters.campaign.findData(sc.campaigns["Fiera"]))
    assert _bar_sizes(page, "funnel") == [4, 3, 3, 0, 0, 0, 0]
    assert page.tiles["accept"].detail.text() == "2 of 3"
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.filters.owner.setCurrentIndex(page.filters.owner.findData(sc.people["marco"]))
    assert _bar_sizes(page, "funnel") == []  # Fiera's leads went to Sara: nothing to draw
    assert "No data in this period" in page.charts.canvases["funnel"].texts


def _corner_colour(canvas: ChartCanvas) -> str:
    """The colour of the image's top-left pixel: the chart's background."""
    assert canvas.image is not None
    return "#" + canvas.image.rgba[:3].hex()


def test_charts_follow_a_dark_palette(qtbot, ctx: AppContext, services: Services, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    assert _corner_colour(page.charts.canvases["funnel"]) == LIGHT.background
    dark = QPalette(page.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.setPalette(dark)
    for canvas in page.charts.canvases.values():
        assert _corner_colour(canvas) == DARK.background


def test_a_stale_result_is_dropped(qtbot, ctx: AppContext, services: Services, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
        page.period.choose(PeriodKind.THIS_MONTH)  # before the first request is back
    assert page.period.period().start == date(2026, 2, 1)
    qtbot.wait(50)  # no sleep for results: this only lets a late, stale result arrive if there were one
    assert _bar_sizes(page, "funnel") == [7, 7, 7, 4, 3, 1, 1]
    assert FEBRUARY_FUNNEL_LABEL in page.charts.canvases["funnel"].texts  # and that is what is drawn


def test_the_app_never_imports_matplotlib_even_showing_charts(tmp_path: Path) -> None:
    """The window starts without matplotlib (it takes a good part of a second to load), and the charts are
    drawn by the renderer's processes: the app itself never loads it."""
    body = (
        "from leaddesk.ui.main_window import MainWindow\n"
        "from leaddesk.ui.pages.dashboard_page import DashboardPage\n"
        "window = MainWindow(ctx)\n"
        "window.show_area('dashboard')\n"
        "window.show()\n"
        "assert wait_for_all()\n"
        "app.processEvents()\n"
        "assert window.findChild(DashboardPage).charts.canvases['funnel'].image is not None\n"
        "assert 'matplotlib' not in sys.modules, [m for m in sys.modules if 'matplotlib' in m][:5]\n"
    )
    run_in_fresh_app(tmp_path, body)


def test_a_high_density_screen_gets_charts_of_its_physical_pixels(tmp_path: Path) -> None:
    """At a pixel ratio of 2 each chart is rendered at twice its logical size (and drawn for that ratio, so
    its texts keep their size: `test_chart_renderer`), and shown at its logical size."""
    body = (
        "from leaddesk.ui.pages.dashboard_page import DashboardPage\n"
        "page = DashboardPage(ctx)\n"
        "page.resize(1000, 900)\n"
        "page.show()\n"
        "app.processEvents()\n"
        "page.activate()\n"
        "assert wait_for_all()\n"
        "app.processEvents()\n"
        "for canvas in page.charts.canvases.values():\n"
        "    image = canvas.image\n"
        "    assert canvas.devicePixelRatioF() == 2.0\n"
        "    assert image is not None and image.ratio == 2.0, canvas.name\n"
        "    assert (image.width, image.height) == (2 * canvas.width(), 2 * canvas.height()), canvas.name\n"
        "    assert not canvas.view.grab().isNull()\n"
        "services.close()\n"
    )
    run_in_fresh_app(tmp_path, body, {"QT_SCALE_FACTOR": "2"})
