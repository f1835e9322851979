"""The charts are plain matplotlib Figures (no GUI toolkit, no global state) that show the numbers they are
given, with titles, units and target lines, in the light or the dark palette."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from leaddesk.domain.enums import Stage
from leaddesk.services.charts import CHART_NAMES, DARK, LIGHT, all_charts, build_chart
from leaddesk.services.charts.report_charts import Layout
from leaddesk.services.reporting.records import (
    CampaignMql,
    CampaignResult,
    FlowData,
    FunnelStep,
    ReasonCount,
    SlaView,
    TrendPoint,
)
from leaddesk.services.reporting.reporting_service import bin_hours
from leaddesk.services.sla.figures import SlaFigures, SlaGroupFigures


def _texts(fig: Figure) -> list[str]:
    FigureCanvasAgg(fig).draw()
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def _bars(fig: Figure) -> list[Rectangle]:
    return [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle)]


class Data:
    def __init__(self, flow: FlowData, sla: SlaView) -> None:
        self.flow, self.sla = flow, sla


def _empty_group() -> SlaGroupFigures:
    return SlaGroupFigures.of([], now=None)  # type: ignore[arg-type]


@pytest.fixture
def data() -> Data:
    return sample_data()


def sample_data() -> Data:
    """A period with something in every chart."""
    funnel = tuple(
        FunnelStep(stage, stage.value, n, c)
        for stage, n, c in (
            (Stage.NEW, 120, None),
            (Stage.MQL, 60, 50.0),
            (Stage.HANDED_OFF, 50, 83.3),
            (Stage.ACCEPTED, 40, 80.0),
            (Stage.CONTACTED, 30, 75.0),
            (Stage.OPPORTUNITY, 10, 33.3),
            (Stage.WON, 4, 40.0),
        )
    )
    flow = FlowData(
        funnel,
        (ReasonCount("price", "Price", 5), ReasonCount("timing", "Timing", 2)),
        (CampaignResult(1, "Webinar", 3, 1, Decimal(30000)), CampaignResult(2, "Fiera", 1, 3, Decimal(5000))),
    )
    figures = SlaFigures(date(2026, 2, 1), date(2026, 2, 28), _empty_group(), 0, 0.0, None, 10.0, 90.0)
    sla = SlaView(
        figures=figures,
        daily=False,
        trend=(
            TrendPoint(date(2026, 2, 2), date(2026, 2, 8), 10, 90.0, 70.0),
            TrendPoint(date(2026, 2, 9), date(2026, 2, 15), 0, None, None),
            TrendPoint(date(2026, 2, 16), date(2026, 2, 22), 12, 75.0, 50.0),
        ),
        contact_hours=bin_hours([0.5, 0.5, 3, 9, 30], 8.0),
        contact_target_hours=8.0,
        reject_reasons=(ReasonCount("not_in_target", "Not in target", 3),),
        mql_per_campaign=(CampaignMql(1, "Webinar", 12, 10.0), CampaignMql(2, "Fiera", 3, 5.0)),
    )
    return Data(flow, sla)


def test_every_chart_is_a_figure_with_its_title(data: Data) -> None:
    figures = all_charts(data)
    assert list(figures) == list(CHART_NAMES)
    titles = {
        "funnel": "Funnel: leads moving through each stage",
        "mql": "MQLs per campaign against target",
        "sla_trend": "SLA compliance over time",
        "contact_hours": "Business hours from handoff to first contact",
        "reject_reasons": "Why sales returned leads",
        "lost_reasons": "Why deals were lost",
        "campaign_results": "Win rate and revenue by campaign",
    }
    for name, fig in figures.items():
        assert isinstance(fig, Figure)
        assert titles[name] in _texts(fig), name


def test_bars_carry_the_numbers_and_labels(data: Data) -> None:
    funnel = build_chart("funnel", data)
    assert [round(b.get_width()) for b in _bars(funnel)] == [120, 60, 50, 40, 30, 10, 4]
    texts = _texts(funnel)
    assert "60   (50 %)" in texts and "4   (40 %)" in texts
    hours = build_chart("contact_hours", data)
    assert [round(b.get_height()) for b in _bars(hours)] == [2, 0, 1, 0, 1, 0, 1, 0]
    colours = [to_hex(b.get_facecolor()) for b in _bars(hours)]
    assert colours[:4] == [LIGHT.good] * 4 and colours[4:] == [LIGHT.bad] * 4
    (ax,) = hours.axes
    target_lines = [line for line in ax.get_lines() if list(line.get_xdata()) == [3.5, 3.5]]
    assert target_lines, "the target line sits between the 4–8 h and 8–16 h bars"
    assert "Target 8 h" in _texts(hours)
    assert "Business hours" in _texts(hours) and "Leads" in _texts(hours)
    mql = build_chart("mql", data)
    assert [round(b.get_width()) for b in _bars(mql)] == [12, 3]
    assert "12 / 10" in _texts(mql) and "3 / 5" in _texts(mql)
    ticks = [line for line in mql.axes[0].get_lines() if len(set(line.get_xdata())) == 1]
    assert sorted(line.get_xdata()[0] for line in ticks) == [5.0, 10.0]  # one target tick per campaign
    results = build_chart("campaign_results", data)
    assert [round(b.get_width()) for b in _bars(results)] == [75, 25, 30000, 5000]
    assert "€ 30.0k" in _texts(results) and "Revenue won (€)" in _texts(results)


def test_trend_shows_both_series_in_percent_and_skips_empty_weeks(data: Data) -> None:
    fig = build_chart("sla_trend", data)
    (ax,) = fig.axes
    accept, contact = ax.get_lines()[:2]
    assert [str(v) for v in accept.get_ydata()] == ["90.0", "nan", "75.0"]
    assert [str(v) for v in contact.get_ydata()] == ["70.0", "nan", "50.0"]
    assert ax.get_ylim()[1] > 100
    texts = _texts(fig)
    assert "Answered 75 %" in texts and "1st contact 50 %" in texts
    assert "In time (%)" in texts and "2 Feb" in texts


def test_empty_data_says_so(data: Data) -> None:
    empty = Data(
        FlowData(tuple(FunnelStep(s.stage, s.label, 0, None) for s in data.flow.funnel), (), ()), data.sla
    )
    for name in ("funnel", "lost_reasons", "campaign_results"):
        assert "No data in this period" in _texts(build_chart(name, empty)), name


def test_the_dark_palette_colours_the_figure(data: Data) -> None:
    fig = build_chart("funnel", data, DARK)
    assert to_hex(fig.get_facecolor()) == DARK.background
    assert to_hex(fig.axes[0].get_facecolor()) == DARK.background
    assert to_hex(_bars(fig)[0].get_facecolor()) == DARK.primary
    light = build_chart("funnel", data, LIGHT)
    assert to_hex(light.get_facecolor()) == LIGHT.background != DARK.background


def test_a_chart_renders_to_png(data: Data, tmp_path: Path) -> None:
    fig = build_chart("mql", data)
    FigureCanvasAgg(fig)
    fig.savefig(tmp_path / "mql.png")
    assert (tmp_path / "mql.png").stat().st_size > 5_000


def test_chart_building_needs_neither_pyplot_nor_qt() -> None:
    code = (
        "import sys\n"
        "from leaddesk.services.charts import all_charts\n"
        "from leaddesk.services.export import report_pdf, report_xlsx\n"
        "bad = [m for m in sys.modules if m == 'matplotlib.pyplot' or m.startswith('PySide6')"
        " or m.startswith('matplotlib.backends.backend_qt')]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("size", [(4.6, 3.0), (5.3, 2.9), (10.6, 2.9)])
def test_fixed_margins_keep_every_text_inside_the_figure(data: Data, size: tuple[float, float]) -> None:
    """The dashboard's charts measure their margins once (no constrained layout at each draw): titles,
    tick labels and axis titles still fit in the figure, and the axes keep most of it."""
    for name in CHART_NAMES:
        fig = build_chart(name, data, LIGHT, size, layout="fixed")
        FigureCanvasAgg(fig).draw()
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        width, height = fig.bbox.width, fig.bbox.height
        for text in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_visible()):
            if not text.get_text().strip():
                continue
            box = text.get_window_extent(renderer)
            assert box.x0 >= -1 and box.y0 >= -1, (name, text.get_text())
            assert box.x1 <= width + 1 and box.y1 <= height + 1, (name, text.get_text())
        axes_area = sum(ax.bbox.width * ax.bbox.height for ax in fig.axes)
        assert axes_area > 0.35 * width * height, name


def test_the_quick_renderer_draws_the_same_pixels(data: Data) -> None:
    import numpy as np

    from leaddesk.services.charts.quick_render import gc_paused, render

    # other sizes put the texts at other fractions of a pixel (glyph bitmaps are kept per fraction)
    for size in ((5.0, 3.0), (5.37, 2.93), (5.0, 3.0)):
        for name in CHART_NAMES:
            plain = FigureCanvasAgg(build_chart(name, data, DARK, size, layout="fixed"))
            plain.draw()
            for _ in range(2):  # the second time from what the first one kept
                with gc_paused():
                    quick = render(build_chart(name, data, DARK, size, layout="fixed"))
                assert np.array_equal(np.asarray(plain.buffer_rgba()), np.asarray(quick.buffer_rgba())), name


def _variants(data: Data) -> dict[str, Data]:
    """The fixture's period, another one (other numbers, fewer bars, one trend point) and an empty one."""
    other = Data(
        FlowData(
            tuple(FunnelStep(s.stage, s.label, s.count * 3 + 1, s.conversion_pct) for s in data.flow.funnel),
            data.flow.lost_reasons[:1],
            (CampaignResult(3, "Newsletter di primavera", 7, 2, Decimal(123456)),),
        ),
        SlaView(
            figures=data.sla.figures,
            daily=True,
            trend=data.sla.trend[:1],
            contact_hours=bin_hours([0.5, 12, 12, 50, 50, 50], 4.0),
            contact_target_hours=4.0,
            reject_reasons=(*data.sla.reject_reasons, ReasonCount("bad_data", "Bad data", 9)),
            mql_per_campaign=(CampaignMql(1, "Webinar", 40, 0.0),),
        ),
    )
    empty = Data(
        FlowData(tuple(FunnelStep(s.stage, s.label, 0, None) for s in data.flow.funnel), (), ()),
        SlaView(data.sla.figures, False, (), bin_hours([], 8.0), 8.0, (), ()),
    )
    return {"period": data, "other": other, "empty": empty}


def test_a_chart_drawn_again_on_an_earlier_figure_has_the_same_pixels(data: Data) -> None:
    """The dashboard draws the next period's chart on the figure the last one replaced: its axes are kept,
    everything that shows numbers is drawn anew; the image is the one a new figure gives."""
    import numpy as np

    from leaddesk.services.charts.quick_render import render

    variants = _variants(data)
    for name in CHART_NAMES:
        for before, after in [(b, a) for b in variants for a in variants if (b, a) != ("empty", "empty")]:
            earlier = build_chart(name, variants[before], LIGHT, (5.0, 3.0), layout="fixed")
            render(earlier)
            again = build_chart(name, variants[after], LIGHT, (5.4, 2.9), layout="fixed", reuse=earlier)
            new = build_chart(name, variants[after], LIGHT, (5.4, 2.9), layout="fixed")
            if before == "empty":  # "no data" stripped its axes: a new figure
                assert again is not earlier, name
            elif after != "empty":
                assert again is earlier, (name, before, after)
            assert np.array_equal(
                np.asarray(render(again).buffer_rgba()), np.asarray(render(new).buffer_rgba())
            ), (name, before, after)


def test_only_a_figure_of_the_same_chart_and_palette_is_drawn_on_again(data: Data) -> None:
    funnel = build_chart("funnel", data, LIGHT, layout="fixed")
    assert build_chart("lost_reasons", data, LIGHT, layout="fixed", reuse=funnel) is not funnel
    assert build_chart("funnel", data, DARK, layout="fixed", reuse=funnel) is not funnel
    assert build_chart("funnel", data, LIGHT, layout="constrained", reuse=funnel) is not funnel
    printed = build_chart("funnel", data, LIGHT)  # constrained layout: the report's
    assert build_chart("funnel", data, LIGHT, layout="fixed", reuse=printed) is not printed
    assert build_chart("funnel", data, LIGHT, layout="fixed", reuse=funnel) is funnel


@pytest.mark.parametrize("width", [3.2, 4.05, 4.2, 5.4, 9.0])
@pytest.mark.parametrize("n_weeks", [5, 14])
def test_the_trend_dates_never_touch(data: Data, width: float, n_weeks: int) -> None:
    monday = date(2026, 9, 28)
    weeks = tuple(
        TrendPoint(monday + timedelta(weeks=k), monday + timedelta(weeks=k, days=6), 10, 80.0, 50.0)
        for k in range(n_weeks)
    )
    fig = build_chart("sla_trend", Data(data.flow, replace(data.sla, trend=weeks)), LIGHT, (width, 2.9))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    shown = [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(shown) >= 2
    boxes = sorted((t.get_window_extent(canvas.get_renderer()) for t in shown), key=lambda b: b.x0)
    for left, right in pairwise(boxes):
        assert left.x1 + 12 <= right.x0, [t.get_text() for t in shown]  # a clear gap, in pixels


@pytest.mark.parametrize("width", [3.2, 4.05, 5.4, 9.0])
@pytest.mark.parametrize("layout", ["fixed", "constrained"])
@pytest.mark.parametrize("n_weeks", [2, 5, 14])
def test_the_trend_end_labels_stay_inside_the_chart(
    data: Data, width: float, layout: Layout, n_weeks: int
) -> None:
    """The labels at the end of the lines ('1st contact 46 %') are whole at any width (the Reports page's
    narrow chart cut them off), and right of the lines' last points."""
    monday = date(2026, 9, 28)
    weeks = tuple(
        TrendPoint(monday + timedelta(weeks=k), monday + timedelta(weeks=k, days=6), 10, 100.0, 46.0)
        for k in range(n_weeks)
    )
    fig = build_chart(
        "sla_trend", Data(data.flow, replace(data.sla, trend=weeks)), LIGHT, (width, 2.9), layout
    )
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    ax = fig.axes[0]
    ends = [t for t in ax.texts if t.get_text().endswith("%")]
    assert len(ends) == 2
    last_x = ax.transData.transform((n_weeks - 1, 0))[0]
    for label in ends:
        box = label.get_window_extent(canvas.get_renderer())
        assert box.x1 <= fig.bbox.width - 2, (label.get_text(), box.x1, fig.bbox.width)
        assert box.x0 >= last_x, label.get_text()


@pytest.mark.parametrize("width", [2.6, 3.9, 6.0])
@pytest.mark.parametrize("name", CHART_NAMES)
def test_titles_fit_a_narrow_chart(data: Data, name: str, width: float) -> None:
    """A title wider than its chart is set smaller, and what still does not fit ends with '…': no title
    runs off the chart's right edge."""
    fig = build_chart(name, data, LIGHT, (width, 2.9), layout="fixed")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    titles = [  # the title and subtitle, placed from the figure's left edge
        t for ax in fig.axes for t in ax.texts if getattr(t, "xycoords", ("",))[0] == "subfigure fraction"
    ]
    assert titles, name
    for title in titles:
        box = title.get_window_extent(canvas.get_renderer())
        assert box.x1 <= fig.bbox.width, (title.get_text(), box.x1, fig.bbox.width)
    if width >= 6.0:
        assert not any(t.get_text().endswith("…") for t in titles)
