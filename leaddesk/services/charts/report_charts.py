"""The report's charts as matplotlib `Figure` objects, built without any GUI toolkit.

The window puts them on a canvas, the PDF writer prints them. Every text comes from
`leaddesk.services.reporting.labels`. The style is plain on purpose: a title that says what the chart shows,
units in the axis titles, values written on the bars instead of extra gridlines, target lines where there is
a target, no frames, no 3-D, no legends that the labels make unnecessary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any, Literal, Protocol

from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure, FigureBase
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import LayoutEngine
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import ScaledTranslation

from leaddesk.services.charts.palette import LIGHT, Palette
from leaddesk.services.reporting import labels as L
from leaddesk.services.reporting.records import (
    CampaignMql,
    CampaignResult,
    FlowData,
    FunnelStep,
    HoursBin,
    ReasonCount,
    SlaView,
    TrendPoint,
)

DEFAULT_SIZE = (6.4, 3.8)
DPI = 100
TITLE_SIZE = 11.0
TEXT_SIZE = 8.5
NAME_WIDTH = 24
#: Charts per campaign show at most this many campaigns (the largest), so bars stay readable.
MAX_BARS = 12


def short(text: str, width: int = NAME_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


#: How a figure's axes are placed: "constrained" (matplotlib's constrained layout, measured at every draw:
#: the printed report) or "fixed" (margins measured once from the chart's labels when it is built and kept
#: in inches at any size: the dashboard, which redraws often and must be quick).
Layout = Literal["constrained", "fixed"]


def new_figure(
    palette: Palette,
    size: tuple[float, float] = DEFAULT_SIZE,
    dpi: float = DPI,
    layout: Layout = "constrained",
) -> Figure:
    if layout == "fixed":
        return Figure(figsize=size, dpi=dpi, facecolor=palette.background)
    fig = Figure(figsize=size, dpi=dpi, facecolor=palette.background, layout="constrained")
    engine: Any = fig.get_layout_engine()
    engine.set(h_pad=0.06, w_pad=0.08)
    return fig


class FixedMargins(LayoutEngine):
    """Margins in inches (so they stay right when the canvas resizes the figure), applied at each draw by a
    plain `subplots_adjust`: no measuring of texts while drawing."""

    _adjust_compatible = True
    _colorbar_gridspec = True

    def __init__(self, left: float, bottom: float, right: float, top: float, wspace: float = 0.0) -> None:
        super().__init__()
        self.margins = (left, bottom, right, top, wspace)

    def execute(self, fig: Any) -> None:
        left, bottom, right, top, wspace = self.margins
        width, height = fig.get_size_inches()
        width, height = max(width, 0.1), max(height, 0.1)
        x0 = min(left / width, 0.6)
        x1 = max(1 - right / width, x0 + 0.05)
        y0 = min(bottom / height, 0.6)
        y1 = max(1 - top / height, y0 + 0.05)
        columns = max(
            (ax.get_subplotspec().get_gridspec().ncols for ax in fig.axes if ax.get_subplotspec()), default=1
        )
        axis_width = ((x1 - x0) * width - wspace * (columns - 1)) / columns
        fig.subplots_adjust(
            left=x0, right=x1, bottom=y0, top=y1, wspace=wspace / axis_width if axis_width > 0 else 0.2
        )


@cache
def _measuring_renderer(dpi: float = 72) -> Any:
    from matplotlib.backends import backend_agg

    agg: Any = backend_agg
    return agg.RendererAgg(1, 1, dpi)


@lru_cache(maxsize=8192)
def text_width(text: str, size: float = TEXT_SIZE, weight: str = "normal", dpi: float = 72) -> float:
    """How wide `text` is at font size `size`, in points (FreeType metrics; no figure needed), drawn at
    `dpi` (hinting makes a text a few per cent wider or narrower at one resolution than at another)."""
    if not text:
        return 0.0
    width, _height, _descent = _measuring_renderer(dpi).get_text_width_height_descent(
        text, FontProperties(size=size, weight=weight), ismath=False
    )
    return float(width) * 72 / dpi


def _tick_texts(axis: Any) -> list[str]:
    """The tick labels `axis` will show, from its locator and formatter (without making its ticks)."""
    shown = "labelleft" if axis.axis_name == "y" else "labelbottom"
    if not axis.get_tick_params(which="major").get(shown, True):
        return []
    low, high = sorted(axis.get_view_interval())
    locs = [v for v in axis.get_major_locator()() if low - 1e-9 <= v <= high + 1e-9]
    return [t for t in axis.get_major_formatter().format_ticks(locs) if t]


def fix_layout(fig: Figure) -> FixedMargins:
    """Fixed margins for a built chart, measured from its texts (tick labels, axis titles, title), and its
    axis titles pinned at fixed offsets from the axes: drawing then measures nothing to place them. Returns
    the layout engine (already set on `fig`)."""
    line = TEXT_SIZE * 1.3
    left = bottom = 6.0
    top = 8.0
    right = 12.0
    offset = fig.dpi_scale_trans
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        labels = _tick_texts(ax.yaxis)
        label_width = max(map(text_width, labels)) + 5 if labels else 0.0
        if ax.get_ylabel():
            # the rotated title's bottom (its right side) just left of the tick labels
            away = (label_width + 3) / 72
            ax.yaxis.set_label_coords(0, 0.5, ax.transAxes + ScaledTranslation(-away, 0, offset))
        if spec is None or spec.is_first_col():
            left = max(left, 6.0 + label_width + (line + 4 if ax.get_ylabel() else 0))
        labels = _tick_texts(ax.xaxis)
        label_height = line + 4 if labels else 0.0
        if ax.get_xlabel():
            away = (label_height + 2) / 72
            ax.xaxis.set_label_coords(0.5, 0, ax.transAxes + ScaledTranslation(0, -away, offset))
        bottom = max(bottom, 6.0 + label_height + (line + 4 if ax.get_xlabel() else 0))
        for text in ax.texts:  # the title and subtitle (`_title`) stand above the axes
            coords = getattr(text, "xycoords", None)
            if (
                isinstance(text, Annotation)
                and isinstance(coords, tuple)
                and coords[0] == "subfigure fraction"
            ):
                top = max(top, text.xyann[1] + float(text.get_fontsize()) * 1.25 + 4)
        for text in ax.texts:  # labels at the lines' ends, right of the axes (`draw_sla_trend`)
            if text.get_gid() == END_LABEL:
                room = END_LABEL_GAP + text_width(text.get_text(), TEXT_SIZE, "bold") + 6
                right = max(right, room)
        # The blank axes title only keeps the title's room in a constrained layout; without it the axes do
        # not measure their ticks to place it at each draw.
        ax.set_title("", loc="left")
    engine = FixedMargins(left / 72, bottom / 72, right / 72, top / 72, wspace=18 / 72)
    fig.set_layout_engine(engine)
    return engine


def _title(ax: Axes, palette: Palette, title: str, subtitle: str = "") -> None:
    """A bold title and an optional lighter subtitle, from the left edge of the figure (not of the axes,
    so long campaign names at the left do not push them out of view). They stay out of the layout
    computation; the axes title's padding keeps their room. On a narrow chart the title is set smaller,
    and what still does not fit ends with '…'."""
    ax.set_title(" ", loc="left", fontsize=TITLE_SIZE, pad=26 if subtitle else 12)
    parent: Any = ax.figure
    dpi = parent.dpi
    room = parent.bbox.width * 72 / dpi - 16  # points, 8 each side
    title_size = TITLE_SIZE
    wide = text_width(title, TITLE_SIZE, "bold", dpi)
    if wide > room:
        title_size = max(TEXT_SIZE + 0.5, TITLE_SIZE * room / wide)
    for text, offset, size, colour, weight in (
        (title, 21 if subtitle else 8, title_size, palette.text, "bold"),
        (subtitle, 7, TEXT_SIZE, palette.muted, "normal"),
    ):
        if not text:
            continue
        text = _fitted(text, size, weight, room, dpi)
        note = ax.annotate(
            text,
            xy=(0, 1),
            xycoords=("subfigure fraction", "axes fraction"),
            xytext=(8, offset),
            textcoords="offset points",
            fontsize=size,
            fontweight=weight,
            color=colour,
            va="bottom",
            ha="left",
            annotation_clip=False,
        )
        note.set_in_layout(False)


def _fitted(text: str, size: float, weight: str, room: float, dpi: float) -> str:
    """`text`, cut and ended with '…' where it is wider than `room` points."""
    if text_width(text, size, weight, dpi) <= room:
        return text
    words = text.split()
    while len(words) > 1 and text_width(" ".join(words) + "…", size, weight, dpi) > room:
        words.pop()
    return " ".join(words) + "…"


def _style(ax: Axes, palette: Palette, *, value_axis: Literal["x", "y"] = "x", grid: bool = True) -> None:
    ax.set_facecolor(palette.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(palette.grid)
    ax.tick_params(colors=palette.muted, labelsize=TEXT_SIZE, length=0, pad=4)
    ax.xaxis.label.set_color(palette.muted)
    ax.yaxis.label.set_color(palette.muted)
    ax.xaxis.label.set_fontsize(TEXT_SIZE)
    ax.yaxis.label.set_fontsize(TEXT_SIZE)
    if grid:
        ax.grid(axis=value_axis, color=palette.grid, linewidth=0.8)
        ax.set_axisbelow(True)


def _empty(ax: Axes, palette: Palette) -> None:
    # Its hidden spines and ticks would stay on a chart drawn on these axes again.
    setattr(ax.get_figure(root=True), _REUSE_KEY, None)
    ax.text(
        0.5,
        0.45,
        L.NO_DATA,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=palette.muted,
        fontsize=TEXT_SIZE + 1,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _bar_labels(ax: Axes, bars: Any, texts: Sequence[str], palette: Palette, *, horizontal: bool) -> None:
    for bar, text in zip(bars, texts, strict=True):
        if horizontal:
            note = ax.annotate(
                text,
                xy=(bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=TEXT_SIZE,
                color=palette.text,
            )
            note.set_in_layout(False)
        else:
            note = ax.annotate(
                text,
                xy=(bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 3),
                textcoords="offset points",
                va="bottom",
                ha="center",
                fontsize=TEXT_SIZE,
                color=palette.text,
            )
            note.set_in_layout(False)


def _headroom(ax: Axes, top: float, axis: str, share: float = 0.28) -> None:
    """Room after the longest bar for its label."""
    limit = max(top, 1) * (1 + share)
    if axis == "x":
        ax.set_xlim(0, limit)
    else:
        ax.set_ylim(0, limit)


# --- drawing a chart again on the axes of an earlier figure -----------------------------------------------

#: On a figure `build_chart` made with fixed margins: (chart name, palette) it may be reused for; None once
#: it shows "no data".
_REUSE_KEY = "_leaddesk_chart"
#: On a figure being drawn again: its emptied axes, for the chart's drawer to take.
_RECYCLED = "_leaddesk_recycled"


class _NotReusable(Exception):
    """The chart needs other axes than the figure has (one instead of two, or the reverse)."""


def _axes(fig: FigureBase) -> Axes:
    """The chart's axes: the figure's own when it is drawn again, else new ones."""
    recycled: list[Axes] | None = getattr(fig, _RECYCLED, None)
    if recycled is None:
        return fig.add_subplot()
    if len(recycled) != 1:
        raise _NotReusable
    return recycled[0]


def _axes_pair(fig: FigureBase) -> tuple[Axes, Axes]:
    """Two axes side by side sharing the y axis (`_axes` for two)."""
    recycled: list[Axes] | None = getattr(fig, _RECYCLED, None)
    if recycled is None:
        left, right = fig.subplots(1, 2, sharey=True)
        return left, right
    if len(recycled) != 2:
        raise _NotReusable
    return recycled[0], recycled[1]


def _emptied(fig: Figure) -> list[Axes]:
    """The figure's axes without what a chart drew on them (bars, lines, texts) and with no data limits:
    the axes, spines, ticks and styling stay, which are most of the time of building a figure."""
    for ax in fig.axes:
        for container in list(ax.containers):
            container.remove()  # with its bars
        for artist in (*ax.patches, *ax.lines, *ax.texts, *ax.collections, *ax.images, *ax.artists):
            artist.remove()
        ax.relim()
        # A chart sets its axis titles after its data: "no data" sets none.
        ax.xaxis.label.set_text("")
        ax.yaxis.label.set_text("")
    return list(fig.axes)


def _redraw(fig: Figure, name: str, data: ChartData, palette: Palette, size: tuple[float, float]) -> Figure:
    FigureCanvasBase(fig)  # off the canvas that showed it (the figure is no longer shown anywhere)
    fig.set_size_inches(size, forward=False)
    setattr(fig, _RECYCLED, _emptied(fig))
    try:
        CHARTS[name](fig, data, palette)
    finally:
        setattr(fig, _RECYCLED, None)
    fix_layout(fig)
    return fig


# --- the charts -----------------------------------------------------------------------------------------


def draw_funnel(fig: FigureBase, steps: Sequence[FunnelStep], palette: Palette = LIGHT) -> None:
    """Horizontal bars from New (top) to Won, each labelled with its count and the conversion from the
    step before."""
    ax = _axes(fig)
    _title(ax, palette, L.FUNNEL_TITLE, L.FUNNEL_SUBTITLE)
    _style(ax, palette, grid=False)
    if not steps or not any(s.count for s in steps):
        _empty(ax, palette)
        return
    names = [s.label for s in steps]
    values = [s.count for s in steps]
    colours = [palette.good if s.stage.value == "won" else palette.primary for s in steps]
    bars = ax.barh(range(len(steps)), values, color=colours, height=0.66)
    texts = [
        L.count(s.count) + (f"   ({s.conversion_pct:.0f} %)" if s.conversion_pct is not None else "")
        for s in steps
    ]
    _bar_labels(ax, bars, texts, palette, horizontal=True)
    ax.set_yticks(range(len(steps)), names)
    ax.yaxis.set_inverted(True)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    _headroom(ax, max(values), "x", share=0.4)


def draw_mql_target(fig: FigureBase, rows: Sequence[CampaignMql], palette: Palette = LIGHT) -> None:
    """MQLs of each campaign as bars, its target for the period as a tick across the bar; green when the
    target is reached."""
    ax = _axes(fig)
    subtitle = L.MQL_SUBTITLE
    if len(rows) > MAX_BARS:
        subtitle += " · " + L.TOP_OF.format(n=MAX_BARS, total=len(rows))
        rows = sorted(rows, key=lambda r: (-max(r.mqls, r.target), r.campaign_name))[:MAX_BARS]
    _title(ax, palette, L.MQL_TITLE, subtitle)
    _style(ax, palette)
    if not rows:
        _empty(ax, palette)
        return
    y = list(range(len(rows)))
    values = [r.mqls for r in rows]
    colours = [palette.good if r.target and r.mqls >= r.target else palette.primary for r in rows]
    bars = ax.barh(y, values, color=colours, height=0.6)
    for i, r in enumerate(rows):
        if r.target:
            ax.plot([r.target, r.target], [i - 0.42, i + 0.42], color=palette.target, linewidth=2.2)
    for i, (bar, r) in enumerate(zip(bars, rows, strict=True)):
        # the label goes after the bar or the target tick, whichever reaches further
        note = ax.annotate(
            f"{r.mqls} / {r.target:.0f}" if r.target else f"{r.mqls}",
            xy=(max(bar.get_width(), r.target), i),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=TEXT_SIZE,
            color=palette.text,
        )
        note.set_in_layout(False)
    ax.set_yticks(y, [short(r.campaign_name) for r in rows])
    ax.yaxis.set_inverted(True)
    ax.set_xlabel(L.MQL_X)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    _headroom(ax, max(max(values), max(r.target for r in rows)), "x", share=0.25)


class _LabelRoomLocator(MaxNLocator):
    """Whole-number ticks no closer than labels of `chars` characters need, at the size the axes have
    when drawn (MaxNLocator's "auto" leaves three font sizes per tick: dates such as '19 Oct' touched)."""

    def __init__(self, chars: int) -> None:
        super().__init__(integer=True, min_n_ticks=1)
        self._room = chars * 0.58 * TEXT_SIZE + 8  # points per label: the text and a gap

    def __call__(self) -> Any:
        axes = self.axis.axes if self.axis is not None else None
        if axes is not None:
            width = axes.bbox.width * 72 / axes.get_figure(root=True).dpi
            self.set_params(nbins=max(1, int(width // self._room)))
        return super().__call__()


#: The gid of the labels at the end of the trend's lines, which stand in the right margin.
END_LABEL = "end-label"
#: Points between a line's last point and its label.
END_LABEL_GAP = 7.0


def draw_sla_trend(
    fig: FigureBase,
    points: Sequence[TrendPoint],
    palette: Palette = LIGHT,
    *,
    daily: bool = False,
) -> None:
    """Share of handoffs accepted (or returned) in time and first contacted in time, per week or day."""
    ax = _axes(fig)
    _title(ax, palette, L.SLA_TREND_TITLE, L.SLA_TREND_DAILY if daily else L.SLA_TREND_WEEKLY)
    _style(ax, palette, value_axis="y")
    used = [p for p in points if p.handoffs]
    if not used:
        _empty(ax, palette)
        return
    x = list(range(len(points)))
    nan = float("nan")
    accept = [p.accepted_in_time_pct if p.accepted_in_time_pct is not None else nan for p in points]
    contact = [
        p.first_contact_in_time_pct if p.first_contact_in_time_pct is not None else nan for p in points
    ]
    ax.plot(
        x, accept, color=palette.primary, marker="o", markersize=4.5, linewidth=2, label=L.SLA_ACCEPT_SERIES
    )
    ax.plot(
        x,
        contact,
        color=palette.secondary,
        marker="s",
        markersize=4.5,
        linewidth=2,
        label=L.SLA_CONTACT_SERIES,
    )
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f} %"))
    ax.set_yticks([0, 25, 50, 75, 100])
    labels = [L.short_date(p.start) for p in points]
    ax.xaxis.set_major_locator(_LabelRoomLocator(max(len(label) for label in labels)))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _pos: labels[int(v)] if 0 <= v < len(labels) and v == int(v) else "")
    )
    ax.set_ylabel(L.SLA_TREND_Y)
    ends: list[tuple[int, float, str, str]] = []
    for values, colour, name in (
        (accept, palette.primary, L.SLA_ACCEPT_SERIES),
        (contact, palette.secondary, L.SLA_CONTACT_SERIES),
    ):
        last = next((i for i in range(len(values) - 1, -1, -1) if values[i] == values[i]), None)
        if last is not None:
            ends.append((last, values[last], colour, name))
    shifts = [0.0] * len(ends)
    if len(ends) == 2 and abs(ends[0][1] - ends[1][1]) < 9:
        # labels too close to read: nudge the higher one up and the lower one down
        shifts = [5.0, -5.0] if ends[0][1] >= ends[1][1] else [-5.0, 5.0]
    for (last, value, colour, name), shift in zip(ends, shifts, strict=True):
        ax.annotate(
            f"{name} {value:.0f} %",
            xy=(last, value),
            xytext=(END_LABEL_GAP, shift),
            gid=END_LABEL,
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=TEXT_SIZE,
            color=colour,
            fontweight="bold",
        )
    # The end labels stand right of the axes, in a margin made for them (`fix_layout`; a constrained
    # layout makes room for them itself): wide enough at any width, where room inside the axes was not.
    ax.set_xlim(-0.5, len(points) - 0.5)


def draw_contact_hours(
    fig: FigureBase,
    bins: Sequence[HoursBin],
    target_hours: float,
    palette: Palette = LIGHT,
) -> None:
    """How many handoffs were first contacted after how many business hours, with the target line."""
    ax = _axes(fig)
    _title(ax, palette, L.HOURS_TITLE, L.HOURS_SUBTITLE)
    _style(ax, palette, value_axis="y")
    if not bins or not any(b.count for b in bins):
        _empty(ax, palette)
        return
    x = list(range(len(bins)))
    values = [b.count for b in bins]
    colours = [palette.good if b.within_target else palette.bad for b in bins]
    bars = ax.bar(x, values, color=colours, width=0.72)
    _bar_labels(ax, bars, [L.count(v) if v else "" for v in values], palette, horizontal=False)
    ax.set_xticks(x, [b.label for b in bins])
    ax.set_xlabel(L.HOURS_X)
    ax.set_ylabel(L.HOURS_Y)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    _headroom(ax, max(values), "y", share=0.22)
    edge = next((i for i, b in enumerate(bins) if not b.within_target), None)
    if edge is not None:
        ax.axvline(edge - 0.5, color=palette.target, linewidth=1.6, linestyle=(0, (4, 3)))
        ax.annotate(
            L.HOURS_TARGET.format(hours=f"{target_hours:g}"),
            xy=(edge - 0.5, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -2),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=TEXT_SIZE,
            color=palette.text,
        )


def draw_reasons(
    fig: FigureBase,
    reasons: Sequence[ReasonCount],
    title: str,
    palette: Palette = LIGHT,
    *,
    colour: str | None = None,
) -> None:
    """Counts per reason, largest first, with each bar's count and share."""
    ax = _axes(fig)
    _title(ax, palette, title)
    _style(ax, palette, grid=False)
    if not reasons or not any(r.count for r in reasons):
        _empty(ax, palette)
        return
    total = sum(r.count for r in reasons)
    y = list(range(len(reasons)))
    bars = ax.barh(y, [r.count for r in reasons], color=colour or palette.primary, height=0.6)
    _bar_labels(
        ax,
        bars,
        [f"{L.count(r.count)}  ({100 * r.count / total:.0f} %)" for r in reasons],
        palette,
        horizontal=True,
    )
    ax.set_yticks(y, [short(r.label) for r in reasons])
    ax.yaxis.set_inverted(True)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    _headroom(ax, max(r.count for r in reasons), "x", share=0.4)


def draw_campaign_results(fig: FigureBase, rows: Sequence[CampaignResult], palette: Palette = LIGHT) -> None:
    """Two panels sharing the campaign names: win rate (won ÷ closed) and revenue won."""
    rows = [r for r in rows if r.won or r.lost]
    note = ""
    if len(rows) > MAX_BARS:
        note = " · " + L.TOP_OF.format(n=MAX_BARS, total=len(rows))
        rows = sorted(rows, key=lambda r: (-r.revenue, -(r.won + r.lost), r.campaign_name))[:MAX_BARS]
    if not rows:
        ax = _axes(fig)
        _title(ax, palette, L.WIN_TITLE)
        _style(ax, palette)
        _empty(ax, palette)
        return
    left, right = _axes_pair(fig)
    _title(left, palette, L.WIN_TITLE, L.WIN_SUBTITLE + note)
    y = list(range(len(rows)))
    rates = [r.win_rate_pct or 0.0 for r in rows]
    revenue = [float(r.revenue) for r in rows]
    for ax in (left, right):
        _style(ax, palette, grid=False)
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
    bars = left.barh(y, rates, color=palette.primary, height=0.6)
    _bar_labels(
        left,
        bars,
        [f"{v:.0f} %  ({r.won}/{r.won + r.lost})" for v, r in zip(rates, rows, strict=True)],
        palette,
        horizontal=True,
    )
    left.set_xlim(0, 100 * 1.55)
    left.set_xlabel(L.WIN_RATE_X)
    left.set_yticks(y, [short(r.campaign_name, 22) for r in rows])
    left.yaxis.set_inverted(True)
    bars = right.barh(y, revenue, color=palette.good, height=0.6)
    _bar_labels(right, bars, [L.compact_money(v) for v in revenue], palette, horizontal=True)
    _headroom(right, max(revenue), "x", share=0.45)
    right.set_xlabel(L.REVENUE_X)
    right.tick_params(axis="y", length=0)
    right.yaxis.set_visible(False)  # its labels are the left panel's: nothing to draw, a dozen ticks to make


class ChartData(Protocol):
    """What the charts read: a `DashboardData` or a `ReportData`."""

    @property
    def flow(self) -> FlowData: ...

    @property
    def sla(self) -> SlaView: ...


#: The report's charts in reading order: name → how to draw it into a figure (or a PDF page's subfigure).
CHARTS: dict[str, Callable[[FigureBase, ChartData, Palette], None]] = {
    "funnel": lambda fig, d, p: draw_funnel(fig, d.flow.funnel, p),
    "mql": lambda fig, d, p: draw_mql_target(fig, d.sla.mql_per_campaign, p),
    "sla_trend": lambda fig, d, p: draw_sla_trend(fig, d.sla.trend, p, daily=d.sla.daily),
    "contact_hours": lambda fig, d, p: draw_contact_hours(
        fig, d.sla.contact_hours, d.sla.contact_target_hours, p
    ),
    "reject_reasons": lambda fig, d, p: draw_reasons(
        fig, d.sla.reject_reasons, L.REJECT_TITLE, p, colour=p.secondary
    ),
    "lost_reasons": lambda fig, d, p: draw_reasons(fig, d.flow.lost_reasons, L.LOST_TITLE, p, colour=p.bad),
    "campaign_results": lambda fig, d, p: draw_campaign_results(fig, d.flow.campaign_results, p),
}
CHART_NAMES = tuple(CHARTS)


def build_chart(
    name: str,
    data: ChartData,
    palette: Palette = LIGHT,
    size: tuple[float, float] = DEFAULT_SIZE,
    layout: Layout = "constrained",
    *,
    reuse: Figure | None = None,
    dpi: float = DPI,
) -> Figure:
    """One chart of `CHART_NAMES` as a figure (`layout`: see `Layout`), `size` inches at `dpi` (a
    high-density screen shows a figure of its logical size at `DPI` × its pixel ratio).

    `reuse`: a figure built here before with fixed margins, for the same chart and palette, that nothing
    shows or draws any more (it is changed in place). The chart is drawn again on its axes, which keep
    their ticks and styling: a third of the time of a new figure, for the same pixels. Other figures are
    not reused: a new one is built."""
    if (
        reuse is not None
        and layout == "fixed"
        and getattr(reuse, _REUSE_KEY, None) == (name, palette)
        and reuse.dpi == dpi
    ):
        try:
            return _redraw(reuse, name, data, palette, size)
        except _NotReusable:
            setattr(reuse, _REUSE_KEY, None)  # emptied for nothing: a new figure, of the other shape
    fig = new_figure(palette, size, dpi, layout=layout)
    if layout == "fixed":
        setattr(fig, _REUSE_KEY, (name, palette))
    CHARTS[name](fig, data, palette)
    if layout == "fixed":
        fix_layout(fig)
    return fig


def all_charts(
    data: ChartData, palette: Palette = LIGHT, size: tuple[float, float] = DEFAULT_SIZE
) -> dict[str, Figure]:
    """Every chart of a period, by name, in reading order."""
    return {name: build_chart(name, data, palette, size) for name in CHART_NAMES}
