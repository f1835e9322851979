"""The Dashboard driven through its real widgets on a real SQLite database (the February of
`test_reporting_support`): charts arrive from the worker, follow the period, the filters and the palette."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from PySide6.QtCore import QDate
from PySide6.QtGui import QColor, QPalette

from leaddesk.app import Services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Stage
from leaddesk.services.charts import DARK, LIGHT
from leaddesk.services.reporting.periods import PeriodKind
from leaddesk.ui.context import AppContext
from leaddesk.ui.pages.dashboard_page import DashboardPage
from tests.unit.test_reporting_support import NOW, Scenario, build_scenario

TIMEOUT = 30_000


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
    figure = page.charts.canvases[name].figure
    horizontal = name != "contact_hours"
    return [
        round(p.get_width() if horizontal else p.get_height())
        for ax in figure.axes
        for p in ax.patches
        if isinstance(p, Rectangle)
    ]


def test_the_periods_charts_and_headline_figures_show(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    assert page.period.period().start == date(2026, 2, 1) and page.period.kind() == PeriodKind.THIS_MONTH
    for name, canvas in page.charts.canvases.items():
        assert canvas.figure is not None, name
        assert canvas.canvas.isVisible(), name
    assert _bar_sizes(page, "funnel") == [7, 7, 7, 4, 3, 1, 1]
    assert _bar_sizes(page, "contact_hours") == [1, 0, 1, 0, 1, 0, 0, 0]
    assert page.tiles["accept"].value.text() == "71.4 %"
    assert page.tiles["accept"].detail.text() == "5 of 7"
    assert page.tiles["mql"].value.text() == "7 of 12"
    assert page.tiles["breached"].value.text() == "2"
    # the stage strip counts the leads standing at each stage now
    qtbot.waitUntil(lambda: page.bars[Stage.WON][2].text() == "1", timeout=TIMEOUT)
    assert page.bars[Stage.REJECTED][2].text() == "2"
    assert set(page.timings) >= {"flow_data", "sla_data", "flow_figures", "sla_figures", "total"}
    # Drawing works (the canvas renders the figure).
    page.charts.canvases["funnel"].draw_now()


def test_charts_arrive_rendered_at_the_canvas_size(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """After a period change the figures come rendered from the workers at the size of their canvas: the
    GUI thread shows the images and draws nothing (until a resize)."""
    page, _sc = _page(qtbot, ctx, services, clock)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
    qtbot.wait(20)  # let the canvases take their place
    for name, chart in page.charts.canvases.items():
        canvas = chart.canvas
        assert canvas.get_width_height() == (canvas.width(), canvas.height()), name
        assert not chart.figure.stale, name
        assert not getattr(canvas, "_draw_pending", False), name
        renderer = canvas.renderer
        assert (int(renderer.width), int(renderer.height)) == (canvas.width(), canvas.height()), name
    # a new size draws again, at that size
    page.resize(900, 900)
    qtbot.waitUntil(
        lambda: (
            page.charts.canvases["funnel"].canvas.get_width_height()
            == (page.charts.canvases["funnel"].canvas.width(), page.charts.canvases["funnel"].canvas.height())
        ),
        timeout=TIMEOUT,
    )
    funnel = page.charts.canvases["funnel"]
    funnel.draw_now()
    assert int(funnel.canvas.renderer.width) == funnel.canvas.width()


def test_a_period_change_redraws_for_the_new_period(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    before = page.charts.canvases["funnel"].figure
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
    assert page.period.period().start == date(2026, 1, 1)
    assert page.charts.canvases["funnel"].figure is not before
    assert _bar_sizes(page, "funnel") == [1, 0, 0, 0, 0, 0, 0]  # only F was created in January
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


def test_a_period_change_draws_on_the_figures_the_last_one_replaced(
    qtbot, ctx: AppContext, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """The figures a period change replaces are kept, and the next change draws its charts on them (their
    axes and ticks kept): the same numbers as new figures would show."""
    page, _sc = _page(qtbot, ctx, services, clock)
    february = {name: canvas.figure for name, canvas in page.charts.canvases.items()}
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
    january = {name: canvas.figure for name, canvas in page.charts.canvases.items()}
    assert all(january[name] is not february[name] for name in february)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.THIS_MONTH)
    assert page.charts.canvases["funnel"].figure is february["funnel"]  # drawn again, for February
    assert _bar_sizes(page, "funnel") == [7, 7, 7, 4, 3, 1, 1]
    assert _bar_sizes(page, "contact_hours") == [1, 0, 1, 0, 1, 0, 0, 0]
    qtbot.wait(20)  # let the canvases take their place
    for name, chart in page.charts.canvases.items():  # shown as rendered on the worker, at the canvas size
        size = (int(chart.canvas.renderer.width), int(chart.canvas.renderer.height))
        assert size == (chart.canvas.width(), chart.canvas.height()), name


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
    texts = [
        t.get_text() for t in page.charts.canvases["funnel"].figure.findobj(lambda a: hasattr(a, "get_text"))
    ]
    assert "No data in this period" in texts


def test_charts_follow_a_dark_palette(qtbot, ctx: AppContext, services: Services, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    assert to_hex(page.charts.canvases["funnel"].figure.get_facecolor()) == LIGHT.background
    dark = QPalette(page.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.setPalette(dark)
    for canvas in page.charts.canvases.values():
        assert to_hex(canvas.figure.get_facecolor()) == DARK.background


def test_a_stale_result_is_dropped(qtbot, ctx: AppContext, services: Services, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    page, _sc = _page(qtbot, ctx, services, clock)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.period.choose(PeriodKind.LAST_MONTH)
        page.period.choose(PeriodKind.THIS_MONTH)  # before the first request is back
    assert page.period.period().start == date(2026, 2, 1)
    qtbot.wait(50)  # no sleep for results: this only lets a late, stale result arrive if there were one
    assert _bar_sizes(page, "funnel") == [7, 7, 7, 4, 3, 1, 1]


def test_the_window_starts_without_matplotlib(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QSettings\n"
        "from leaddesk.app import build_services\n"
        "from leaddesk.models.database import open_database\n"
        "from leaddesk.ui.application import make_application\n"
        "from leaddesk.ui.context import AppContext\n"
        "from leaddesk.ui.main_window import MainWindow\n"
        "from leaddesk.ui.pc_settings import PcSettings\n"
        "app = make_application()\n"
        f"db = open_database('sqlite:///{tmp_path / 'x.sqlite3'}')\n"
        f"pc = PcSettings(QSettings('{tmp_path / 'pc.ini'}', QSettings.Format.IniFormat))\n"
        "ctx = AppContext(build_services(db), pc)\n"
        "window = MainWindow(ctx)\n"
        "assert 'matplotlib' not in sys.modules, [m for m in sys.modules if 'matplotlib' in m][:5]\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LEADDESK_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
