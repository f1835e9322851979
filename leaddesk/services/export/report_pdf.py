"""The meeting report as a printable A4 PDF, drawn with matplotlib's PDF backend (vector charts and text).

Pages, in order:

1. the title page with the headline figures both ways, returned leads by reason and the list sizes (A4
   portrait);
2. the charts, two per page (portrait);
3. the campaign table, breached leads, stale leads and returned leads (A4 landscape, as many pages as the
   rows need up to `PDF_LIST_CAP` rows per list; the xlsx has the full lists);
4. the meeting notes: agenda, notes and action items (portrait).

Every page has a footer with the report title, the period and "Page n of N".
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from leaddesk.services.charts.palette import LIGHT
from leaddesk.services.charts.report_charts import CHARTS
from leaddesk.services.export.cells import atomic_output, local_naive
from leaddesk.services.export.report_xlsx import filters_text
from leaddesk.services.meeting_report_service import MeetingReportDetail
from leaddesk.services.reporting import labels as L
from leaddesk.services.reporting.records import HeadlineFigure, ReportData

Progress = Callable[[int, int], None]

A4_PORTRAIT = (8.27, 11.69)
A4_LANDSCAPE = (11.69, 8.27)
MARGIN = 0.6  # inches
LINESPACING = 1.6
FONT = 7.0
CHAR_WIDTH = FONT * 0.56 / 72  # inches per character, roughly, for DejaVu Sans
#: At most this many rows of each lead list go into the PDF (one landscape page; the xlsx has them all).
PDF_LIST_CAP = 32
CHARTS_PER_PAGE = 2
P = LIGHT


@dataclass(frozen=True, slots=True)
class TableColumn:
    title: str
    #: Share of the table's width.
    weight: float
    align: str = "left"


def _fmt_dt(value: datetime | None, zone: ZoneInfo) -> str:
    local = local_naive(value, zone)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


@functools.cache
def _line_pitch() -> float:
    """Inches from one line of a table column to the next, measured on the font (table text at `FONT`
    points with `LINESPACING`)."""
    fig = Figure(figsize=(4, 4), dpi=72)
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    one = fig.text(0, 0.5, "Ag", fontsize=FONT, linespacing=LINESPACING).get_window_extent(renderer)
    many = fig.text(0, 0.5, "Ag\nAg\nAg\nAg\nAg", fontsize=FONT, linespacing=LINESPACING)
    return float((many.get_window_extent(renderer).height - one.height) / 4 / 72)


class _TableLines(Artist):
    """One column of a table page: lines of text at the table's pitch from a top edge, drawn straight to
    the renderer.

    A matplotlib `Text` measures every line of a multi-line text for its layout each time it is drawn;
    a table column needs no layout beyond the line pitch (measured once on the font by `_line_pitch`),
    so each line is one renderer call. The text is literal (no mathtext for a "$" in a lead's name).
    """

    def __init__(
        self, x_in: float, top_in: float, lines: Sequence[str], *, align: str, fontsize: float, color: str
    ) -> None:
        super().__init__()
        self._x_in, self._top_in, self._lines, self._align = x_in, top_in, list(lines), align
        self._prop = FontProperties(size=fontsize)
        self._color = color
        self.set_zorder(3)  # as a Text: above the row stripes

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        fig: Any = self.get_figure(root=True)
        dpi = fig.dpi
        _w, lp_h, lp_d = renderer.get_text_width_height_descent("lp", self._prop, ismath=False)
        pitch = _line_pitch() * dpi
        # the first baseline as a top-aligned Text puts it: the top edge less the font's ascent
        y = (fig.get_size_inches()[1] - self._top_in) * dpi - (lp_h - lp_d)
        x = self._x_in * dpi
        gc = renderer.new_gc()
        gc.set_foreground(self._color)
        try:
            for i, line in enumerate(self._lines):
                if not line:
                    continue
                left = x
                if self._align == "right":
                    left -= renderer.get_text_width_height_descent(line, self._prop, ismath=False)[0]
                renderer.draw_text(gc, left, y - i * pitch, line, self._prop, 0.0, ismath=False)
        finally:
            gc.restore()
        self.stale = False


def _inset(area: Any, page_width: float) -> Any:
    """The middle of `area` between the page's side margins, where a chart is drawn (its title starts at
    its left edge, so it lines up with the page's text)."""
    inner = page_width - 2 * MARGIN
    return area.subfigures(1, 3, width_ratios=[MARGIN * 0.7, inner, MARGIN * 0.7], wspace=0)[1]


def _fit(text: str, width_in: float) -> str:
    chars = max(int(width_in / CHAR_WIDTH), 3)
    return text if len(text) <= chars else text[: chars - 1] + "…"


class _Pdf:
    def __init__(self, report: ReportData, meeting: MeetingReportDetail | None) -> None:
        self.report = report
        self.meeting = meeting
        self.zone = ZoneInfo(report.zone)
        self.title = meeting.title if meeting else L.REPORT_TITLE
        self.pages: list[Figure] = []

    # --- page plumbing --------------------------------------------------------------------------------

    def page(self, size: tuple[float, float] = A4_PORTRAIT) -> Figure:
        fig = Figure(figsize=size, facecolor="white")
        self.pages.append(fig)
        return fig

    def text(self, fig: Figure, x_in: float, y_in: float, text: str, **kw: Any) -> None:
        """Text at inches from the top-left corner."""
        w, h = fig.get_size_inches()
        kw.setdefault("fontsize", FONT)
        kw.setdefault("color", P.text)
        kw.setdefault("va", "top")
        fig.text(x_in / w, 1 - y_in / h, text, **kw)

    def heading(self, fig: Figure, y: float, text: str, note: str = "") -> float:
        self.text(fig, MARGIN, y, text, fontsize=13, fontweight="bold")
        y += 0.3
        if note:
            self.text(fig, MARGIN, y, note, fontsize=FONT + 0.5, color=P.muted)
            y += 0.25
        return y + 0.05

    def footers(self) -> None:
        total = len(self.pages)
        period = L.period_text(self.report.start, self.report.end)
        for n, fig in enumerate(self.pages, 1):
            w, h = fig.get_size_inches()
            left = self.title if period in self.title else f"{self.title} · {period}"
            fig.text(MARGIN / w, 0.35 / h, left, fontsize=7, color=P.muted, va="bottom")
            fig.text(
                1 - MARGIN / w,
                0.35 / h,
                L.PAGE.format(n=n, total=total),
                fontsize=7,
                color=P.muted,
                va="bottom",
                ha="right",
            )

    def table(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[Sequence[str]],
        *,
        title: str,
        note: str = "",
        landscape: bool = True,
        more: int = 0,
        fig: Figure | None = None,
        top: float | None = None,
    ) -> None:
        """A table over as many pages as it needs; the header repeats on each page.

        Each column of a page is one multi-line text (a PDF with a text object per cell takes seconds
        to write); the rows' stripes follow the measured line pitch."""
        size = A4_LANDSCAPE if landscape else A4_PORTRAIT
        width = size[0] - 2 * MARGIN
        total_weight = sum(c.weight for c in columns)
        widths = [width * c.weight / total_weight for c in columns]
        lefts = [MARGIN + sum(widths[:i]) for i in range(len(columns))]
        pitch = _line_pitch()
        first = True
        remaining = list(rows)
        while first or remaining:
            if fig is None or not first:
                fig = self.page(size)
                y = self.heading(
                    fig, MARGIN, title if first else f"{title} ({L.CONTINUED})", note if first else ""
                )
            else:
                y = self.heading(fig, top or MARGIN, title, note)
            per_page = max(int((size[1] - y - MARGIN - 0.9) / pitch), 1)
            chunk, remaining = remaining[:per_page], remaining[per_page:]
            y += self._header(fig, columns, widths, lefts, y) + 0.06
            for i in range(1, len(chunk), 2):
                self._stripe(fig, y + i * pitch - 0.035, width, pitch, size)
            for c, (col, x, w) in enumerate(zip(columns, lefts, widths, strict=True)):
                lines = [_fit(row[c], w - 0.08) for row in chunk]
                if not any(lines):
                    continue
                right = col.align == "right"
                fig.add_artist(
                    _TableLines(
                        x + w - 0.04 if right else x + 0.02,
                        y,
                        lines,
                        align=col.align,
                        fontsize=FONT,
                        color=P.text,
                    )
                )
            y += pitch * len(chunk)
            if not chunk:
                self.text(fig, MARGIN, y, L.NONE_YET, color=P.muted)
                y += pitch
            if not remaining and more > 0:
                self.text(
                    fig,
                    MARGIN,
                    y + 0.1,
                    L.AND_MORE.format(n=f"{more:,}"),
                    color=P.muted,
                )
            first = False

    def _header(
        self,
        fig: Figure,
        columns: Sequence[TableColumn],
        widths: Sequence[float],
        lefts: Sequence[float],
        y: float,
    ) -> float:
        """The bold header (titles wrapped on up to two lines) and its rule; returns its height."""
        titles = []
        for col, w in zip(columns, widths, strict=True):
            chars = max(int((w - 0.08) / (CHAR_WIDTH * 1.08)), 3)
            lines = textwrap.wrap(col.title, chars, break_long_words=False) or [""]
            if len(lines) > 3:
                lines = [*lines[:2], _fit(" ".join(lines[2:]), w - 0.08)]
            titles.append(lines)
        height = _line_pitch() * max(len(t) for t in titles)
        for col, x, w, lines in zip(columns, lefts, widths, titles, strict=True):
            top = y + height - _line_pitch() * len(lines)  # bottom-aligned titles
            text = "\n".join(lines)
            if col.align == "right":
                self.text(
                    fig,
                    x + w - 0.04,
                    top,
                    text,
                    ha="right",
                    multialignment="right",
                    fontweight="bold",
                    linespacing=LINESPACING,
                )
            else:
                self.text(fig, x + 0.02, top, text, fontweight="bold", linespacing=LINESPACING)
        fw, fh = fig.get_size_inches()
        line_y = 1 - (y + height + 0.01) / fh
        fig.add_artist(
            Rectangle(
                (MARGIN / fw, line_y),
                (fw - 2 * MARGIN) / fw,
                0.012 / fh,
                transform=fig.transFigure,
                color=P.text,
                linewidth=0,
            )
        )
        return height

    def _stripe(self, fig: Figure, y: float, width: float, height: float, size: tuple[float, float]) -> None:
        fw, fh = size
        fig.add_artist(
            Rectangle(
                (MARGIN / fw, 1 - (y + height) / fh),
                width / fw,
                height / fh,
                transform=fig.transFigure,
                color=P.stripe,
                linewidth=0,
                zorder=-1,
            )
        )

    # --- the pages -----------------------------------------------------------------------------------

    def title_page(self) -> None:
        r = self.report
        fig = self.page()
        y = MARGIN
        self.text(fig, MARGIN, y, self.title, fontsize=17, fontweight="bold")
        y += 0.42
        for label, value in (
            (L.PERIOD, L.period_text(r.start, r.end)),
            (L.FILTERS, filters_text(r)),
            (L.GENERATED, _fmt_dt(r.generated_at, self.zone) + f" ({r.zone})"),
        ):
            self.text(fig, MARGIN, y, label, fontsize=9, color=P.muted)
            self.text(fig, MARGIN + 1.2, y, value, fontsize=9)
            y += 0.22
        y += 0.25
        y = self.heading(fig, y, L.SECTION_HEADLINE)
        for side in (L.SALES_TO_MARKETING, L.MARKETING_TO_SALES):
            self.text(fig, MARGIN, y, side, fontsize=10, fontweight="bold", color=P.primary)
            y += 0.28
            for h in (h for h in r.headline if h.side == side):
                y = self._headline(fig, y, h)
            y += 0.15
        y += 0.1
        y = self.heading(fig, y, L.SECTION_RETURNED)
        total = sum(x.count for x in r.returned_by_reason)
        for x in r.returned_by_reason:
            self.text(fig, MARGIN, y, x.label, fontsize=9)
            self.text(fig, MARGIN + 3.6, y, L.count(x.count), fontsize=9, ha="right")
            self.text(
                fig, MARGIN + 4.4, y, f"{100 * x.count / total:.0f} %", fontsize=9, ha="right", color=P.muted
            )
            y += 0.22
        if not r.returned_by_reason:
            self.text(fig, MARGIN, y, L.NONE_YET, fontsize=9, color=P.muted)
            y += 0.22
        y += 0.25
        for label, lst in (
            (L.SECTION_BREACHED, r.breached),
            (L.SECTION_STALE, r.stale),
            (L.SECTION_RETURNED_LIST, r.returned),
        ):
            self.text(fig, MARGIN, y, label, fontsize=9)
            self.text(fig, MARGIN + 3.6, y, L.count(lst.total), fontsize=9, ha="right", fontweight="bold")
            y += 0.22

    def _headline(self, fig: Figure, y: float, h: HeadlineFigure) -> float:
        def show(value: float | None) -> str:
            if value is None:
                return "–"
            if h.unit == "%":
                return L.percent(value)
            if h.unit == "h":
                return L.hours(value)
            return L.count(value)

        self.text(fig, MARGIN + 0.15, y, h.label, fontsize=9)
        self.text(fig, MARGIN + 4.6, y, show(h.value), fontsize=10, fontweight="bold", ha="right")
        if h.target is not None:
            sign = {"min": "≥", "max": "≤"}.get(h.target_kind or "", "")
            self.text(fig, MARGIN + 4.8, y, f"{L.TARGET} {sign} {show(h.target)}", fontsize=8, color=P.muted)
        met = h.met
        if met is not None:
            self.text(
                fig,
                MARGIN + 6.2,
                y,
                L.MET if met else L.NOT_MET,
                fontsize=9,
                fontweight="bold",
                color=P.good if met else P.bad,
            )
        if h.detail:
            self.text(fig, MARGIN + 0.15, y + 0.17, h.detail, fontsize=7, color=P.muted)
            return y + 0.42
        return y + 0.27

    def chart_pages(self) -> None:
        """The charts two per page; the win rate and revenue chart goes with the campaign table."""
        names = [n for n in CHARTS if n != "campaign_results"]
        for first in range(0, len(names), CHARTS_PER_PAGE):
            fig = self.page()
            fig.set_layout_engine("constrained")
            engine: Any = fig.get_layout_engine()
            engine.set(w_pad=MARGIN * 0.8, h_pad=0.45)
            top: Any = fig.subfigures(2, 1, height_ratios=[0.04 if first else 0.07, 1])[1]  # type: ignore[index]
            subs: Any = _inset(top, A4_PORTRAIT[0]).subfigures(CHARTS_PER_PAGE, 1, hspace=0.08)
            for name, sub in zip(names[first : first + CHARTS_PER_PAGE], subs, strict=False):
                CHARTS[name](sub, self.report, P)
            if first == 0:
                self.text(fig, MARGIN, MARGIN, L.SECTION_CHARTS, fontsize=13, fontweight="bold")

    def campaigns_page(self) -> None:
        fig = self.page(A4_LANDSCAPE)
        fig.set_layout_engine("constrained")
        engine: Any = fig.get_layout_engine()
        engine.set(w_pad=MARGIN * 0.8, h_pad=0.3)
        chart, _rest = fig.subfigures(2, 1, height_ratios=[1, 1.05])  # type: ignore[misc]
        CHARTS["campaign_results"](_inset(chart, A4_LANDSCAPE[0]), self.report, P)
        cols = [TableColumn(L.CAMPAIGN_COLUMNS[0], 3.2)] + [
            TableColumn(c, 1.0, "right") for c in L.CAMPAIGN_COLUMNS[1:]
        ]
        rows = [
            [
                c.campaign_name,
                L.count(c.mqls),
                f"{c.mql_target:.0f}",
                L.percent(c.target_pct, 0),
                L.count(c.handoffs),
                L.count(c.accepted),
                L.count(c.returned),
                L.percent(c.acceptance_rate_pct, 0),
                L.percent(c.accepted_in_time_pct, 0),
                L.percent(c.first_contact_in_time_pct, 0),
                L.count(c.not_in_target),
                L.count(c.won),
                L.count(c.lost),
                L.percent(c.win_rate_pct, 0),
                L.money(float(c.revenue)),
            ]
            for c in self.report.campaigns
        ]
        self.table(cols, rows, title=L.SECTION_CAMPAIGNS, fig=fig, top=A4_LANDSCAPE[1] * 0.49)

    def list_pages(self) -> None:
        r, z = self.report, self.zone
        clocks = {"accept": L.CLOCK_ACCEPT, "contact": L.CLOCK_CONTACT}
        weights: tuple[float, ...] = (0.6, 1.5, 1.6, 1.6, 1.2, 1.2, 1.0, 1.2, 1.2, 0.8)
        cols = [
            TableColumn(t, w, "right" if i in (0, 9) else "left")
            for i, (t, w) in enumerate(zip(L.BREACHED_COLUMNS, weights, strict=True))
        ]
        # the worst first: the meeting discusses the longest delays
        items = sorted(r.breached.items, key=lambda b: (-b.business_hours_late, b.lead.lead_id))[
            :PDF_LIST_CAP
        ]
        rows = [
            [
                str(b.lead.lead_id),
                b.lead.name,
                b.lead.company or "",
                b.lead.campaign_name or "",
                b.lead.owner_name or "",
                _fmt_dt(b.lead.handed_off_at, z),
                clocks[b.clock],
                _fmt_dt(b.due_at, z),
                _fmt_dt(b.done_at, z) if b.done_at else L.STILL_OPEN,
                f"{b.business_hours_late:.1f}",
            ]
            for b in items
        ]
        self.table(
            cols,
            rows,
            title=L.SECTION_BREACHED,
            note=L.SECTION_BREACHED_PDF_NOTE,
            more=r.breached.total - len(rows),
        )

        weights = (0.7, 1.7, 1.8, 1.7, 1.3, 1.0, 1.2, 1.2, 0.9)
        cols = [
            TableColumn(t, w, "right" if i in (0, 8) else "left")
            for i, (t, w) in enumerate(zip(L.STALE_COLUMNS, weights, strict=True))
        ]
        rows = [
            [
                str(x.lead.lead_id),
                x.lead.name,
                x.lead.company or "",
                x.lead.campaign_name or "",
                x.lead.owner_name or "",
                L.stage_label(x.lead.stage),
                _fmt_dt(x.lead.handed_off_at, z),
                _fmt_dt(x.last_progress_at, z),
                str(x.business_days_idle),
            ]
            for x in r.stale.items[:PDF_LIST_CAP]
        ]
        note = L.SECTION_STALE_NOTE.format(
            days=r.stale_after_days, today=L.long_date(r.generated_at.astimezone(z).date())
        )
        self.table(cols, rows, title=L.SECTION_STALE, note=note, more=r.stale.total - len(rows))

        weights = (0.7, 1.5, 1.5, 1.5, 1.2, 1.2, 1.2, 1.4, 2.0, 1.0)
        cols = [
            TableColumn(t, w, "right" if i == 0 else "left")
            for i, (t, w) in enumerate(zip(L.RETURNED_COLUMNS, weights, strict=True))
        ]
        rows = [
            [
                str(x.lead.lead_id),
                x.lead.name,
                x.lead.company or "",
                x.lead.campaign_name or "",
                x.lead.owner_name or "",
                _fmt_dt(x.lead.handed_off_at, z),
                _fmt_dt(x.returned_at, z),
                x.reason_label,
                " ".join((x.note or "").split()),
                L.stage_label(x.lead.stage),
            ]
            for x in r.returned.items[:PDF_LIST_CAP]
        ]
        self.table(cols, rows, title=L.SECTION_RETURNED_LIST, more=r.returned.total - len(rows))

    def notes_pages(self) -> None:
        m = self.meeting
        fig = self.page()
        y = self.heading(fig, MARGIN, L.SECTION_NOTES)
        bottom = A4_PORTRAIT[1] - MARGIN - 0.5
        width_chars = int((A4_PORTRAIT[0] - 2 * MARGIN) / (9 * 0.55 / 72))

        def lines(text: str) -> list[str]:
            out: list[str] = []
            for paragraph in (text or L.NONE_YET).splitlines() or [""]:
                out.extend(textwrap.wrap(paragraph, width_chars) or [""])
            return out

        def new_page_if_needed(y: float, need: float) -> tuple[Figure, float]:
            nonlocal fig
            if y + need > bottom:
                fig = self.page()
                return fig, self.heading(fig, MARGIN, f"{L.SECTION_NOTES} ({L.CONTINUED})")
            return fig, y

        for title, text in ((L.AGENDA, m.agenda if m else ""), (L.NOTES, m.notes if m else "")):
            fig, y = new_page_if_needed(y, 0.8)
            self.text(fig, MARGIN, y, title, fontsize=11, fontweight="bold")
            y += 0.3
            for line in lines(text):
                fig, y = new_page_if_needed(y, 0.2)
                self.text(fig, MARGIN, y, line, fontsize=9, color=P.text if text else P.muted)
                y += 0.19
            y += 0.25
        fig, y = new_page_if_needed(y, 0.8)
        self.text(fig, MARGIN, y, L.ACTION_ITEMS, fontsize=11, fontweight="bold")
        y += 0.32
        items = m.action_items if m else ()
        if not items:
            self.text(fig, MARGIN, y, L.NONE_YET, fontsize=9, color=P.muted)
        for item in items:
            wrapped = textwrap.wrap(item.text, int(width_chars * 0.62)) or [""]
            fig, y = new_page_if_needed(y, 0.2 * len(wrapped) + 0.15)
            mark = "☑" if item.done else "☐"
            self.text(fig, MARGIN, y, mark, fontsize=10)
            for i, line in enumerate(wrapped):
                self.text(fig, MARGIN + 0.25, y + i * 0.19, line, fontsize=9)
            details = [d for d in (item.owner_name, item.due_on.isoformat() if item.due_on else None) if d]
            self.text(fig, MARGIN + 4.9, y, " · ".join(details), fontsize=8, color=P.muted)
            if item.from_last_meeting:
                self.text(
                    fig,
                    MARGIN + 6.3,
                    y,
                    L.FROM_LAST_MEETING,
                    fontsize=8,
                    color=P.secondary,
                    fontstyle="italic",
                )
            y += 0.19 * len(wrapped) + 0.12

    def build(self, progress: Progress | None) -> None:
        steps = (self.title_page, self.chart_pages, self.campaigns_page, self.list_pages, self.notes_pages)
        for i, step in enumerate(steps, 1):
            step()
            if progress:
                progress(i, len(steps) + 1)
        self.footers()

    def save(self, path: Path) -> None:
        with PdfPages(path, metadata={"Title": self.title, "Creator": L.APP}) as pdf:
            for fig in self.pages:
                pdf.savefig(fig)


def write_report_pdf(
    report: ReportData,
    path: Path,
    meeting: MeetingReportDetail | None = None,
    *,
    progress: Progress | None = None,
) -> Path:
    """Write the report to `path` as an A4 PDF (replaced whole, or left untouched on error)."""
    pdf = _Pdf(report, meeting)
    pdf.build(progress)
    with atomic_output(Path(path)) as tmp:
        pdf.save(tmp)
    if progress:
        progress(1, 1)
    return Path(path)
