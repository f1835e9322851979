"""The Dashboard area: how the period went, both ways, at a glance.

A period picker (this/last week, month, quarter, custom) and filters (campaign, sales owner) drive the
charts: the funnel with conversions, MQLs per campaign against target, SLA compliance week by week, the
business hours to first contact against the target, why leads were returned and why deals were lost, win
rate and revenue by campaign. Above them, the headline figures of the period and how many leads stand at
each stage right now.

The numbers come from `ReportingService` and the charts are rendered by the chart renderer's worker
processes (at the canvases' size, so the GUI thread only shows the images), in two parts that run side
by side on worker threads: the flow of the period (SQL aggregates, quick) and the SLA side (the SLA
service's figures, slower on big databases), so the first charts show while the second part is computed.
Results of a period the user has already left are dropped.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QRect, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import FUNNEL, Stage
from leaddesk.domain.records import StageCount
from leaddesk.services.charts.render_processes import ChartInput
from leaddesk.services.reporting.periods import Period, PeriodKind
from leaddesk.ui.background import TaskControl, query_pool, run_in_background, run_task
from leaddesk.ui.charts.canvas import chart_palette
from leaddesk.ui.charts.chart_grid import ChartGrid, ReportFilterBar
from leaddesk.ui.charts.flow_layout import FlowLayout
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_date, format_int, format_percent, stage_label
from leaddesk.ui.widgets.page_header import PageHeader
from leaddesk.ui.widgets.period_picker import PeriodPicker

FLOW_CHARTS = ("funnel", "lost_reasons", "campaign_results")
SLA_CHARTS = ("sla_trend", "contact_hours", "mql", "reject_reasons")
LAYOUT = ("funnel", "sla_trend", "mql", "contact_hours", "reject_reasons", "lost_reasons", "campaign_results")
GOOD, BAD = "#2e8b57", "#c0392b"


class KpiTile(QFrame):
    """A headline number: what it is, the value, and against what."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("kpiTile")
        self.title = QLabel(title, self)
        self.title.setStyleSheet("color: palette(placeholder-text);")
        self.value = QLabel("–", self)
        self.value.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.detail = QLabel("", self)
        self.detail.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)

    def show_value(self, value: str, detail: str = "", ok: bool | None = None) -> None:
        self.value.setText(value)
        colour = "" if ok is None else f"color: {GOOD if ok else BAD};"
        self.value.setStyleSheet(f"font-size: 20px; font-weight: 600; {colour}")
        self.detail.setText(detail)


class DashboardPage(QWidget):
    #: Both parts of the period's charts are shown (the numbers of `timings` are set).
    loaded = Signal()
    #: The flow part (funnel, lost reasons, results) is shown.
    flow_loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._request = 0
        self._controls: list[TaskControl] = []
        self._filters_loaded = False
        self._dirty = True
        #: The numbers the charts show now: "flow" → `FlowData`, "sla" → `SlaView`.
        self.shown: dict[str, Any] = {}
        self._pending = 0
        self._started = 0.0
        #: How long the last refresh took, in seconds: data (flow, sla), figures, and in all.
        self.timings: dict[str, float] = {}

        self.header = PageHeader(self.tr("Dashboard"), "", self)
        saved = ctx.pc.text("dashboard/period", PeriodKind.THIS_MONTH.value)
        initial = (
            PeriodKind(saved)
            if saved in {k.value for k in PeriodKind} - {"custom"}
            else PeriodKind.THIS_MONTH
        )
        self.period = PeriodPicker(self._today, self, initial=initial)
        self.filters = ReportFilterBar(self)
        self.refresh_button = QToolButton(self)
        self.refresh_button.setText(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Compute the figures again (F5)"))
        self.refresh_button.clicked.connect(lambda: self.refresh(fresh=True))
        toolbar = FlowLayout(spacing=12)
        toolbar.addWidget(self.period)
        toolbar.addWidget(self.filters)
        toolbar.addWidget(self.refresh_button)

        # How many leads stand at each stage now (not period-dependent).
        self.bars: dict[Stage, tuple[QLabel, QProgressBar, QLabel]] = {}
        now_box = QFrame(self)
        now_box.setObjectName("stageStrip")
        now_layout = QVBoxLayout(now_box)
        now_layout.setContentsMargins(0, 0, 0, 0)
        now_layout.setSpacing(1)
        now_title = QLabel(self.tr("Leads at each stage now"), now_box)
        now_title.setStyleSheet("color: palette(placeholder-text);")
        now_layout.addWidget(now_title)
        strip = FlowLayout(spacing=4)
        now_layout.addLayout(strip)
        for stage in [*FUNNEL, Stage.LOST, Stage.REJECTED, Stage.DISQUALIFIED]:
            cell = QWidget(now_box)
            cell.setFixedWidth(102)
            name = QLabel(stage_label(stage), cell)
            count = QLabel("", cell)
            count.setStyleSheet("font-weight: 600;")
            bar = QProgressBar(cell)
            bar.setTextVisible(False)
            bar.setMaximumHeight(5)
            head = QHBoxLayout()
            head.setSpacing(4)
            head.addWidget(name)
            head.addStretch(1)
            head.addWidget(count)
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(1)
            box.addLayout(head)
            box.addWidget(bar)
            strip.addWidget(cell)
            self.bars[stage] = (name, bar, count)

        self.tiles = {
            "accept": KpiTile(self.tr("Accepted or returned in time"), self),
            "contact": KpiTile(self.tr("First contact in time"), self),
            "acceptance": KpiTile(self.tr("Acceptance rate"), self),
            "mql": KpiTile(self.tr("MQLs against target"), self),
            "breached": KpiTile(self.tr("Breached, still open"), self),
        }
        tiles = FlowLayout(spacing=8)
        for tile in self.tiles.values():
            tile.setFixedWidth(196)
            tiles.addWidget(tile)

        self.charts = ChartGrid(
            LAYOUT, 2, ctx.services.chart_renderer, self, spans={"campaign_results": 2}, min_height=290
        )
        self.charts.show_message(self.tr("Loading…"))
        self.chart_scroll = scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.charts)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(toolbar)
        layout.addWidget(now_box)
        layout.addLayout(tiles)
        layout.addWidget(scroll, 1)

        self.period.changed.connect(lambda _p: self.refresh())
        self.filters.changed.connect(lambda _c, _o: self.refresh())
        ctx.data_changed.connect(self._data_changed)

    # --- life cycle -------------------------------------------------------------------------------------

    def _today(self) -> date:
        return self._ctx.services.clock().astimezone().date()

    def activate(self) -> None:
        # The renderer's processes load matplotlib while the first figures are computed.
        self.charts.renderer.start()
        if not self._filters_loaded:
            self._load_filters()
        if self._dirty:
            self._dirty = False
            self.refresh()
            self.refresh_counts()

    def _data_changed(self) -> None:
        if self.isVisible():
            self.refresh(fresh=True)
            self.refresh_counts()
        else:
            self._dirty = True

    def _load_filters(self) -> None:
        self._filters_loaded = True
        services = self._ctx.services

        def load() -> tuple[Any, Any]:
            return services.campaigns.list_campaigns(include_archived=True), services.team.list_members()

        run_in_background(
            load, on_done=lambda r: self.filters.fill(*r), on_error=lambda e: show_error(self, e)
        )

    def refresh_counts(self) -> None:
        # Not on the query pool: there it would hold up the flow part of a period chosen meanwhile.
        run_in_background(
            self._ctx.services.leads.stage_counts,
            on_done=self.show_counts,
            on_error=lambda e: show_error(self, e),
        )

    def show_counts(self, counts: list[StageCount]) -> None:
        by_stage = {c.stage: c.count for c in counts}
        top = max(by_stage.values(), default=0) or 1
        for stage, (_name, bar, label) in self.bars.items():
            bar.setRange(0, top)
            bar.setValue(by_stage.get(stage, 0))
            label.setText(format_int(by_stage.get(stage, 0)))

    # --- the period's charts ----------------------------------------------------------------------------

    def current_period(self) -> Period:
        return self.period.period()

    def refresh(self, *, fresh: bool = False) -> None:
        """Compute the period's figures again (off the GUI thread) and show them when ready."""
        for control in self._controls:
            control.cancel()
        self._request += 1
        request = self._request
        period = self.period.period()
        campaign_id, owner_id = self.filters.campaign_id(), self.filters.owner_id()
        self.header.subtitle.setText(
            self.tr("%1 – %2").replace("%1", format_date(period.start)).replace("%2", format_date(period.end))
        )
        palette = chart_palette(self)
        render = self.charts.renderer_call(palette)
        reporting = self._ctx.services.reporting
        self._started = time.perf_counter()
        self._pending = 2
        self.timings = {}

        def flow(control: TaskControl) -> Any:
            if control.cancelled:
                return None
            t0 = time.perf_counter()
            flt = reporting.filters(campaign_id, owner_id)
            data = reporting.flow(period.start, period.end, flt)
            t1 = time.perf_counter()
            chart_input = ChartInput(flow=data, sla=None)
            images = render(FLOW_CHARTS, chart_input, lambda: control.cancelled)
            return data, chart_input, images, palette, t1 - t0, time.perf_counter() - t1

        def sla(control: TaskControl) -> Any:
            if control.cancelled:
                return None
            t0 = time.perf_counter()
            flt = reporting.filters(campaign_id, owner_id)
            data = reporting.sla_view(period.start, period.end, flt, fresh=fresh)
            t1 = time.perf_counter()
            chart_input = ChartInput(flow=None, sla=data)
            images = render(SLA_CHARTS, chart_input, lambda: control.cancelled)
            return data, chart_input, images, palette, t1 - t0, time.perf_counter() - t1

        # The two parts run side by side (both only read): while one waits for the database or for its
        # charts, the other computes.
        self._controls = [
            run_task(sla, on_done=lambda r: self._shown(request, "sla", r), on_error=self._failed),
            run_task(
                flow,
                on_done=lambda r: self._shown(request, "flow", r),
                on_error=self._failed,
                pool=query_pool(),
            ),
        ]

    def chart_in_view(self, name: str) -> bool:
        """Whether any of the chart `name` shows in the scroll area now."""
        canvas = self.charts.canvases[name]
        viewport = self.chart_scroll.viewport()
        top_left = canvas.mapTo(viewport, QPoint(0, 0))
        return bool(viewport.rect().intersects(QRect(top_left, canvas.size())))

    def _failed(self, exc: BaseException) -> None:
        self.charts.show_message(self.tr("The figures could not be computed."))
        show_error(self, exc)

    def _shown(self, request: int, part: str, result: Any) -> None:
        if request != self._request or result is None or result[2] is None:
            return  # the user moved on to another period or filter
        data, chart_input, images, palette, data_s, build_s = result
        self.shown[part] = data
        t0 = time.perf_counter()
        self.charts.set_images(images, chart_input, palette)
        self.timings[f"{part}_data"] = data_s
        self.timings[f"{part}_figures"] = build_s
        self.timings[f"{part}_show"] = time.perf_counter() - t0
        if part == "sla":
            self._show_tiles(data)
        else:
            self.flow_loaded.emit()
        self._pending -= 1
        if self._pending == 0:
            self.timings["total"] = time.perf_counter() - self._started
            self.loaded.emit()

    def _show_tiles(self, sla: Any) -> None:
        f = sla.figures
        o = f.overall

        def pct(value: float | None) -> str:
            return format_percent(value / 100 if value is not None else None, 1)

        of = self.tr("%1 of %2")
        self.tiles["accept"].show_value(
            pct(o.accepted_in_time_pct),
            of.replace("%1", format_int(o.accepted_in_time)).replace("%2", format_int(o.accept_due)),
        )
        self.tiles["contact"].show_value(
            pct(o.first_contact_in_time_pct),
            of.replace("%1", format_int(o.first_contact_in_time)).replace(
                "%2", format_int(o.first_contact_due)
            ),
        )
        rate = o.acceptance_rate_pct
        self.tiles["acceptance"].show_value(
            pct(rate),
            self.tr("target ≥ %1").replace("%1", pct(f.min_acceptance_rate_pct)),
            None if rate is None else rate >= f.min_acceptance_rate_pct,
        )
        self.tiles["mql"].show_value(
            of.replace("%1", format_int(f.mql_total)).replace("%2", format_int(round(f.mql_target))),
            pct(100.0 * f.mql_total / f.mql_target) if f.mql_target else "",
            f.mql_total >= f.mql_target if f.mql_target else None,
        )
        self.tiles["breached"].show_value(format_int(o.breached_open), "", o.breached_open == 0)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.shown:
            self.refresh()  # light or dark: the charts follow the window's palette

    def save_state(self) -> None:
        self._ctx.pc.set_text("dashboard/period", self.period.kind().value)
