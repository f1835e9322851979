"""The meeting report as an Excel workbook (openpyxl, write-only mode for speed).

Sheets, in order:

* **Summary** — title, period, filters; the headline figures both ways (values as numbers with their
  formats, target, met / not met); returned leads by reason; how many leads each list holds; and the
  native, editable Excel charts, which read their numbers from *Chart data*.
* **Chart data** — one small table per chart (the ranges the charts point at).
* **Campaigns**, **Breached leads**, **Stale leads**, **Returned leads** — formatted tables: bold header,
  widths from the content, frozen header row, autofilter, real dates (in the SLA calendar's zone) and
  numbers (their rows spliced into the saved file, see `sheets.RowSplicer`: thousands of rows in a
  fraction of openpyxl's time).
* **Notes** — agenda, notes and action items of the meeting.

Every value from the data passes through `safe_cell`, so a lead named ``=HYPERLINK(...)`` is text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils import get_column_letter

from leaddesk.services.export.cells import atomic_output, local_naive
from leaddesk.services.export.sheets import (
    BAD,
    BOLD,
    COUNT_FORMAT,
    DATE_FORMAT,
    DECIMAL_FORMAT,
    GOOD,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    SECTION,
    TITLE,
    WRAP,
    Column,
    RowSplicer,
    cell,
    header_row,
    write_table_spliced,
)
from leaddesk.services.meeting_report_service import MeetingReportDetail
from leaddesk.services.reporting import labels as L
from leaddesk.services.reporting.records import HeadlineFigure, ReportData

Progress = Callable[[int, int], None]

#: Chart size on the summary sheet (cm) and the grid they are laid out on.
CHART_WIDTH_CM = 16.0
CHART_HEIGHT_CM = 8.0
CHART_COLUMN = "H"
CHART_ROWS_APART = 17
CHART_COLUMNS_APART = 9


@dataclass(frozen=True, slots=True)
class ChartRef:
    """Where a native chart reads its data: categories and series columns on the chart-data sheet."""

    title: str
    first_row: int  # the header row
    last_row: int
    categories_col: int
    series_cols: tuple[int, ...]


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100.0


def _headline_value(h: HeadlineFigure, value: float | None) -> tuple[float | None, str]:
    if h.unit == "%":
        return _fraction(value), PERCENT_FORMAT
    if h.unit == "h":
        return value, '0.0 "h"'
    return value, COUNT_FORMAT


def filters_text(report: ReportData) -> str:
    f = report.filters
    campaign = f"{L.CAMPAIGN}: {f.campaign_name}" if f.campaign_name else L.ALL_CAMPAIGNS
    owner = f"{L.SALES_OWNER}: {f.owner_name}" if f.owner_name else L.ALL_OWNERS
    return f"{campaign}; {owner}"


class _ReportWorkbook:
    def __init__(self, report: ReportData, meeting: MeetingReportDetail | None) -> None:
        self.report = report
        self.meeting = meeting
        self.zone = ZoneInfo(report.zone)
        self.wb = Workbook(write_only=True)
        self.summary = self.wb.create_sheet(L.SHEET_SUMMARY)
        self.data = self.wb.create_sheet(L.SHEET_CHART_DATA)
        self.refs: dict[str, ChartRef] = {}
        #: The detail sheets' rows, written into the file after openpyxl saves it (see `sheets`).
        self.splicer = RowSplicer()

    def local(self, value: Any) -> Any:
        return local_naive(value, self.zone)

    # --- chart data ----------------------------------------------------------------------------------

    def _block(
        self, ws: Any, row: int, name: str, title: str, columns: Sequence[Column], rows: list[list[Any]]
    ) -> int:
        """A titled table on the chart-data sheet at `row`; returns the next free row."""
        ws.append([cell(ws, title, font=SECTION)])
        ws.append(header_row(ws, columns))
        header = row + 1
        for values in rows:
            ws.append(
                [cell(ws, v, number_format=c.number_format) for v, c in zip(values, columns, strict=True)]
            )
        last = header + len(rows)
        self.refs[name] = ChartRef(title, header, last, 1, tuple(range(2, len(columns) + 1)))
        ws.append([])
        return last + 2

    def write_chart_data(self) -> None:
        r = self.report
        ws = self.data
        for i, width in enumerate((34, 16, 16, 22, 16), 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        row = 1
        row = self._block(
            ws,
            row,
            "funnel",
            L.FUNNEL_TITLE,
            [
                Column(L.CHART_DATA_FUNNEL[0]),
                Column(L.CHART_DATA_FUNNEL[1], COUNT_FORMAT),
                Column(L.CHART_DATA_FUNNEL[2], PERCENT_FORMAT),
            ],
            [[s.label, s.count, _fraction(s.conversion_pct)] for s in r.flow.funnel],
        )
        ref = self.refs["funnel"]
        self.refs["funnel"] = ChartRef(ref.title, ref.first_row, ref.last_row, 1, (2,))
        row = self._block(
            ws,
            row,
            "mql",
            L.MQL_TITLE,
            [
                Column(L.CHART_DATA_MQL[0]),
                Column(L.CHART_DATA_MQL[1], COUNT_FORMAT),
                Column(L.CHART_DATA_MQL[2], DECIMAL_FORMAT),
            ],
            [[c.campaign_name, c.mqls, round(c.target, 1)] for c in r.sla.mql_per_campaign],
        )
        row = self._block(
            ws,
            row,
            "sla_trend",
            L.SLA_TREND_TITLE,
            [
                Column(L.CHART_DATA_SLA[0], DATE_FORMAT),
                Column(L.CHART_DATA_SLA[1], PERCENT_FORMAT),
                Column(L.CHART_DATA_SLA[2], PERCENT_FORMAT),
                Column(L.CHART_DATA_SLA[3], COUNT_FORMAT),
            ],
            [
                [
                    p.start,
                    _fraction(p.accepted_in_time_pct),
                    _fraction(p.first_contact_in_time_pct),
                    p.handoffs,
                ]
                for p in r.sla.trend
            ],
        )
        # the trend chart shows the two percentages, not the handoff counts
        ref = self.refs["sla_trend"]
        self.refs["sla_trend"] = ChartRef(ref.title, ref.first_row, ref.last_row, 1, (2, 3))
        row = self._block(
            ws,
            row,
            "contact_hours",
            L.HOURS_TITLE,
            [Column(L.CHART_DATA_HOURS[0]), Column(L.CHART_DATA_HOURS[1], COUNT_FORMAT)],
            [[b.label, b.count] for b in r.sla.contact_hours],
        )
        row = self._block(
            ws,
            row,
            "reject_reasons",
            L.REJECT_TITLE,
            [Column(L.CHART_DATA_REJECT[0]), Column(L.CHART_DATA_REJECT[1], COUNT_FORMAT)],
            [[x.label, x.count] for x in r.sla.reject_reasons],
        )
        row = self._block(
            ws,
            row,
            "lost_reasons",
            L.LOST_TITLE,
            [Column(L.CHART_DATA_LOST[0]), Column(L.CHART_DATA_LOST[1], COUNT_FORMAT)],
            [[x.label, x.count] for x in r.flow.lost_reasons],
        )
        results = [c for c in r.flow.campaign_results if c.won or c.lost]
        row = self._block(
            ws,
            row,
            "campaign_results",
            L.WIN_TITLE,
            [
                Column(L.CHART_DATA_WIN[0]),
                Column(L.CHART_DATA_WIN[1], COUNT_FORMAT),
                Column(L.CHART_DATA_WIN[2], COUNT_FORMAT),
                Column(L.CHART_DATA_WIN[3], PERCENT_FORMAT),
                Column(L.CHART_DATA_WIN[4], MONEY_FORMAT),
            ],
            [[c.campaign_name, c.won, c.lost, _fraction(c.win_rate_pct), c.revenue] for c in results],
        )
        ref = self.refs.pop("campaign_results")
        self.refs["win_rate"] = ChartRef(L.WIN_RATE_X, ref.first_row, ref.last_row, 1, (4,))
        self.refs["revenue"] = ChartRef(L.REVENUE_X, ref.first_row, ref.last_row, 1, (5,))

    # --- native charts --------------------------------------------------------------------------------

    def _chart(self, name: str) -> Any:
        ref = self.refs[name]
        sheet = self.data
        horizontal = name in ("funnel", "mql", "reject_reasons", "lost_reasons", "win_rate", "revenue")
        chart: Any
        if name == "sla_trend":
            chart = LineChart()
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max = 1
            chart.y_axis.number_format = "0%"
            chart.y_axis.title = L.SLA_TREND_Y
        else:
            chart = BarChart()
            chart.type = "bar" if horizontal else "col"
            chart.gap_width = 60
            if horizontal:
                chart.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
        chart.title = ref.title
        chart.style = 10
        chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
        data = Reference(
            sheet,
            min_col=min(ref.series_cols),
            max_col=max(ref.series_cols),
            min_row=ref.first_row,
            max_row=max(ref.last_row, ref.first_row + 1),
        )
        cats = Reference(
            sheet,
            min_col=ref.categories_col,
            min_row=ref.first_row + 1,
            max_row=max(ref.last_row, ref.first_row + 1),
        )
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.majorGridlines = None if horizontal else chart.y_axis.majorGridlines
        if len(ref.series_cols) == 1:
            chart.legend = None
        else:
            chart.legend.position = "b"
        if name in ("win_rate",):
            chart.y_axis.number_format = "0%"
        if name == "revenue":
            chart.y_axis.number_format = '"€" #,##0'
        if isinstance(chart, BarChart) and len(ref.series_cols) == 1:
            series = chart.series[0]
            series.dLbls = DataLabelList()
            series.dLbls.showVal = True
            for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
                setattr(series.dLbls, flag, False)
        if name == "contact_hours":
            chart.x_axis.title = L.HOURS_X
            chart.y_axis.title = L.HOURS_Y
            target = L.HOURS_TARGET.format(hours=f"{self.report.sla.contact_target_hours:g}")
            chart.title = f"{L.HOURS_TITLE} ({target})"
            series = chart.series[0]
            for i, b in enumerate(self.report.sla.contact_hours):
                point = DataPoint(idx=i)
                point.graphicalProperties = GraphicalProperties(
                    solidFill="2E8B57" if b.within_target else "C0392B"
                )
                series.dPt.append(point)
        return chart

    def write_summary(self) -> None:
        r = self.report
        ws = self.summary
        for letter, width in zip("ABCDEF", (22, 40, 14, 14, 10, 34), strict=True):
            ws.column_dimensions[letter].width = width
        title = self.meeting.title if self.meeting else L.REPORT_TITLE
        ws.append([cell(ws, title, font=TITLE)])
        ws.append([cell(ws, L.PERIOD, font=BOLD), cell(ws, L.period_text(r.start, r.end))])
        ws.append([cell(ws, L.FILTERS, font=BOLD), cell(ws, filters_text(r))])
        ws.append([cell(ws, L.GENERATED, font=BOLD), cell(ws, self.local(r.generated_at))])
        ws.append([cell(ws, L.TIMES_IN.format(zone=r.zone))])
        ws.append([])
        ws.append([cell(ws, L.SECTION_HEADLINE, font=SECTION)])
        ws.append(header_row(ws, [Column(c) for c in L.HEADLINE_COLUMNS]))
        for h in r.headline:
            value, fmt = _headline_value(h, h.value)
            target, _ = _headline_value(h, h.target)
            met = h.met
            status = "" if met is None else (L.MET if met else L.NOT_MET)
            prefix = {"min": "≥ ", "max": "≤ "}.get(h.target_kind or "", "")
            ws.append(
                [
                    cell(ws, h.side),
                    cell(ws, h.label),
                    cell(ws, value, number_format=fmt),
                    cell(
                        ws, target, number_format=f'"{prefix}"{fmt}' if prefix and target is not None else fmt
                    ),
                    cell(ws, status, font=None if met is None else (GOOD if met else BAD)),
                    cell(ws, h.detail),
                ]
            )
        ws.append([])
        ws.append([cell(ws, L.SECTION_RETURNED, font=SECTION)])
        ws.append(header_row(ws, [Column(c) for c in L.RETURNED_REASON_COLUMNS]))
        total = sum(x.count for x in r.returned_by_reason)
        for x in r.returned_by_reason:
            ws.append(
                [
                    cell(ws, x.label),
                    cell(ws, x.count, number_format=COUNT_FORMAT),
                    cell(ws, x.count / total if total else None, number_format=PERCENT_FORMAT),
                ]
            )
        ws.append([])
        for label, lst in (
            (L.SECTION_BREACHED, r.breached),
            (L.SECTION_STALE, r.stale),
            (L.SECTION_RETURNED_LIST, r.returned),
        ):
            ws.append([cell(ws, label, font=BOLD), cell(ws, lst.total, number_format=COUNT_FORMAT)])
        # Charts in two columns to the right of the figures.
        names = [
            "funnel",
            "mql",
            "sla_trend",
            "contact_hours",
            "reject_reasons",
            "lost_reasons",
            "win_rate",
            "revenue",
        ]
        first_col = ord(CHART_COLUMN) - ord("A") + 1
        for i, name in enumerate(names):
            col = get_column_letter(first_col + (i % 2) * CHART_COLUMNS_APART)
            ws.add_chart(self._chart(name), f"{col}{1 + (i // 2) * CHART_ROWS_APART}")

    # --- detail sheets --------------------------------------------------------------------------------

    def write_details(self) -> None:
        r = self.report
        ws = self.wb.create_sheet(L.SHEET_CAMPAIGNS)
        formats: tuple[str | None, ...] = (
            None,
            COUNT_FORMAT,
            DECIMAL_FORMAT,
            PERCENT_FORMAT,
            COUNT_FORMAT,
            COUNT_FORMAT,
            COUNT_FORMAT,
            PERCENT_FORMAT,
            PERCENT_FORMAT,
            PERCENT_FORMAT,
            COUNT_FORMAT,
            COUNT_FORMAT,
            COUNT_FORMAT,
            PERCENT_FORMAT,
            MONEY_FORMAT,
        )
        write_table_spliced(
            ws,
            [Column(t, f) for t, f in zip(L.CAMPAIGN_COLUMNS, formats, strict=True)],
            [
                [
                    c.campaign_name,
                    c.mqls,
                    round(c.mql_target, 1),
                    _fraction(c.target_pct),
                    c.handoffs,
                    c.accepted,
                    c.returned,
                    _fraction(c.acceptance_rate_pct),
                    _fraction(c.accepted_in_time_pct),
                    _fraction(c.first_contact_in_time_pct),
                    c.not_in_target,
                    c.won,
                    c.lost,
                    _fraction(c.win_rate_pct),
                    c.revenue,
                ]
                for c in r.campaigns
            ],
            self.splicer,
        )
        ws = self.wb.create_sheet(L.SHEET_BREACHED)
        formats = (
            COUNT_FORMAT.replace(",", ""),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            DECIMAL_FORMAT,
        )
        clocks = {"accept": L.CLOCK_ACCEPT, "contact": L.CLOCK_CONTACT}
        write_table_spliced(
            ws,
            [Column(t, f) for t, f in zip(L.BREACHED_COLUMNS, formats, strict=True)],
            [
                [
                    b.lead.lead_id,
                    b.lead.name,
                    b.lead.company,
                    b.lead.campaign_name,
                    b.lead.owner_name,
                    self.local(b.lead.handed_off_at),
                    clocks[b.clock],
                    self.local(b.due_at),
                    self.local(b.done_at) if b.done_at else L.STILL_OPEN,
                    b.business_hours_late,
                ]
                for b in r.breached.items
            ],
            self.splicer,
        )
        ws = self.wb.create_sheet(L.SHEET_STALE)
        formats = ("0", None, None, None, None, None, None, None, COUNT_FORMAT)
        write_table_spliced(
            ws,
            [Column(t, f) for t, f in zip(L.STALE_COLUMNS, formats, strict=True)],
            [
                [
                    x.lead.lead_id,
                    x.lead.name,
                    x.lead.company,
                    x.lead.campaign_name,
                    x.lead.owner_name,
                    L.stage_label(x.lead.stage),
                    self.local(x.lead.handed_off_at),
                    self.local(x.last_progress_at),
                    x.business_days_idle,
                ]
                for x in r.stale.items
            ],
            self.splicer,
        )
        ws = self.wb.create_sheet(L.SHEET_RETURNED)
        formats = ("0", None, None, None, None, None, None, None, None, None)
        write_table_spliced(
            ws,
            [
                Column(t, f, 50 if t == L.RETURNED_COLUMNS[8] else None)
                for t, f in zip(L.RETURNED_COLUMNS, formats, strict=True)
            ],
            [
                [
                    x.lead.lead_id,
                    x.lead.name,
                    x.lead.company,
                    x.lead.campaign_name,
                    x.lead.owner_name,
                    self.local(x.lead.handed_off_at),
                    self.local(x.returned_at),
                    x.reason_label,
                    x.note,
                    L.stage_label(x.lead.stage),
                ]
                for x in r.returned.items
            ],
            self.splicer,
        )

    def write_notes(self) -> None:
        ws = self.wb.create_sheet(L.SHEET_NOTES)
        for letter, width in zip("ABCDE", (70, 24, 14, 8, 20), strict=True):
            ws.column_dimensions[letter].width = width
        m = self.meeting
        ws.append([cell(ws, L.SECTION_NOTES, font=TITLE)])
        ws.append([])
        for title, text in ((L.AGENDA, m.agenda if m else ""), (L.NOTES, m.notes if m else "")):
            ws.append([cell(ws, title, font=SECTION)])
            body = cell(ws, text or L.NONE_YET)
            body.alignment = WRAP
            ws.append([body])
            ws.append([])
        ws.append([cell(ws, L.ACTION_ITEMS, font=SECTION)])
        ws.append(header_row(ws, [Column(c) for c in L.ACTION_COLUMNS]))
        for item in m.action_items if m else ():
            text = cell(ws, item.text)
            text.alignment = WRAP
            ws.append(
                [
                    text,
                    cell(ws, item.owner_name),
                    cell(ws, item.due_on, number_format=DATE_FORMAT),
                    cell(ws, L.DONE_YES if item.done else L.DONE_NO),
                    cell(ws, L.FROM_LAST_MEETING if item.from_last_meeting else ""),
                ]
            )

    def save(self, path: Path) -> None:
        self.wb.save(path)
        self.splicer.apply(path)

    def discard(self) -> None:
        """Close and remove the sheets' temporary streams of an unfinished workbook (a cancel)."""
        for ws in self.wb.worksheets:
            writer = getattr(ws, "_writer", None)
            if writer is None:
                continue
            with contextlib.suppress(Exception):
                if not ws.closed:
                    ws.close()
            with contextlib.suppress(Exception):
                writer.cleanup()


def write_report_xlsx(
    report: ReportData,
    path: Path,
    meeting: MeetingReportDetail | None = None,
    *,
    progress: Progress | None = None,
) -> Path:
    """Write the report to `path` (replaced whole, or left untouched on error)."""
    book = _ReportWorkbook(report, meeting)
    steps: list[Callable[[], None]] = [
        book.write_chart_data,
        book.write_summary,
        book.write_details,
        book.write_notes,
    ]
    with atomic_output(Path(path)) as tmp:
        try:
            for i, step in enumerate(steps, 1):
                step()
                if progress:
                    progress(i, len(steps) + 1)
        except BaseException:
            book.discard()
            raise
        book.save(tmp)
        if progress:
            progress(len(steps) + 1, len(steps) + 1)
    return Path(path)


__all__ = ["write_report_xlsx"]
