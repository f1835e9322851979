"""Issue 7 figures: the meeting report and the dashboard over 1,000,000 leads, and the leads list export.

    python benchmarks/bench_reports.py [--leads N] [--skip-gui] [--dashboard-only]

Uses `big_db.ensure_big_db()` (the data's "now" is `big_db.NOW`), copied once to a private file so that
recomputing the SLA due times (the big database has none) does not change the shared cache. Prints:

* the SLA due-time recomputation over every handoff (once, first);
* the monthly report (October 2026) → xlsx and → pdf: the figures, the writing, and in all (cold: no
  cached SLA figures);
* the dashboard after a period change: the data (flow + SLA side) and the seven charts rendered by the
  chart renderer's two processes, one after the other; then the real Dashboard page offscreen from the
  period change to the last chart shown; cold (a period not seen yet) and warm (back to a period seen
  before). The page renders the charts in the renderer's processes at the canvases' size as soon as each
  part's numbers are ready, so "all shown" already includes the rendering; "paint" is painting every
  chart's image once more (in view or not). The machine's load average is printed with it;
* 100,000 leads → xlsx (and → csv).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.big_db import CACHE_DIR, NOW, ensure_big_db  # noqa: E402

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))
DASHBOARD_CHARTS = (
    "funnel",
    "sla_trend",
    "mql",
    "contact_hours",
    "reject_reasons",
    "lost_reasons",
    "campaign_results",
)


def _s(seconds: float) -> str:
    return f"{seconds:7.2f} s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def working_copy(leads: int) -> Path:
    source = ensure_big_db(leads)
    target = CACHE_DIR / f"reports-{leads}.sqlite3"
    if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
        t = time.perf_counter()
        partial = target.with_suffix(".copying")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        print(f"Copied the benchmark database to {target} in {_s(time.perf_counter() - t)}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--skip-gui", action="store_true", help="leave out the offscreen Dashboard page")
    parser.add_argument(
        "--dashboard-only", action="store_true", help="leave out the monthly report and the leads export"
    )
    args = parser.parse_args()

    from leaddesk.app import build_services
    from leaddesk.domain.clock import FixedClock
    from leaddesk.domain.enums import Stage
    from leaddesk.domain.queries import LeadFilter
    from leaddesk.models.database import open_database
    from leaddesk.services.export.report_pdf import write_report_pdf
    from leaddesk.services.export.report_xlsx import write_report_xlsx
    from leaddesk.services.reporting.reporting_service import ReportingService

    path = working_copy(args.leads)
    db = open_database("sqlite:///" + str(path))
    clock = FixedClock(NOW)
    services = build_services(db, clock)
    out = Path(tempfile.mkdtemp(prefix="leaddesk-bench-reports-"))
    print(f"{args.leads:,} leads; now = {NOW.isoformat()}; files in {out}")

    t = time.perf_counter()
    handoffs = services.sla.recompute_all()
    print(f"SLA due times recomputed for {handoffs:,} handoffs          {_s(time.perf_counter() - t)}")

    def fresh_reporting() -> ReportingService:
        return ReportingService(db, services.sla, clock)

    print("\nMonthly report, October 2026 (the command line: cold, nothing cached)")
    for kind in () if args.dashboard_only else ("xlsx", "pdf"):
        reporting = fresh_reporting()
        t0 = time.perf_counter()
        sla_t0 = time.perf_counter()
        services.sla.figures(*OCTOBER)
        sla_alone = time.perf_counter() - sla_t0
        reporting = fresh_reporting()
        t0 = time.perf_counter()
        data = reporting.report(*OCTOBER)
        t1 = time.perf_counter()
        target = out / f"october.{kind}"
        if kind == "xlsx":
            write_report_xlsx(data, target)
        else:
            write_report_pdf(data, target)
        t2 = time.perf_counter()
        print(
            f"  → {kind:<4}  figures {_s(t1 - t0)}   writing {_s(t2 - t1)} (what the window's export waits for)"
            f"   in all {_s(t2 - t0)}"
            f"   ({data.sla.figures.overall.handoffs:,} handoffs, {len(data.sla.trend)} weeks;"
            f" of which SlaService.figures for the month alone: {_s(sla_alone)})"
        )

    print("\nDashboard, period change (October → September), service side")
    from leaddesk.services.charts.palette import LIGHT
    from leaddesk.services.charts.render_processes import ChartInput, ChartJob

    renderer = services.chart_renderer  # two processes, as the window has
    renderer.start()
    reporting = fresh_reporting()
    reporting.dashboard(*OCTOBER)
    size = (540, 290)
    everything = reporting.filters()
    warm_up = ChartInput(reporting.flow(*OCTOBER, everything), reporting.sla_view(*OCTOBER, everything))
    renderer.render([ChartJob(name, warm_up, LIGHT, size) for name in DASHBOARD_CHARTS])
    for label in ("cold", "warm"):
        period = SEPTEMBER if label == "cold" else OCTOBER
        t0 = time.perf_counter()
        flt = reporting.filters()
        flow = reporting.flow(*period, flt)
        t1 = time.perf_counter()
        sla = reporting.sla_view(*period, flt)
        t2 = time.perf_counter()
        data = ChartInput(flow, sla)
        renderer.render([ChartJob(name, data, LIGHT, size) for name in DASHBOARD_CHARTS])
        t3 = time.perf_counter()
        print(
            f"  {label}: flow data {_ms(t1 - t0)}  SLA data {_ms(t2 - t1)}"
            f"  seven charts rendered ({size[0]} × {size[1]} px, renderer processes) {_ms(t3 - t2)}"
            f"  in all, one after the other {_ms(t3 - t0)}"
        )

    if not args.skip_gui:
        dashboard_page(services)

    print("\nLeads list export")
    flt = LeadFilter(stages=frozenset({Stage.WON, Stage.REJECTED}))
    for kind in () if args.dashboard_only else ("xlsx", "csv"):
        t0 = time.perf_counter()
        result = services.lead_export.export(out / f"leads.{kind}", flt)
        elapsed = time.perf_counter() - t0
        size = result.path.stat().st_size / 1e6
        print(f"  {result.rows:,} leads → {kind:<4} {_s(elapsed)}   ({size:.0f} MB)")
    services.close()
    shutil.rmtree(out, ignore_errors=True)


def dashboard_page(services: object) -> None:
    """The real Dashboard page, offscreen: from choosing another period to every chart shown and drawn."""
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from leaddesk.services.reporting.periods import PeriodKind
    from leaddesk.ui.application import make_application
    from leaddesk.ui.context import AppContext
    from leaddesk.ui.pages.dashboard_page import DashboardPage
    from leaddesk.ui.pc_settings import PcSettings

    app = make_application()
    ini = Path(tempfile.mkdtemp()) / "pc.ini"
    ctx = AppContext(services, PcSettings(QSettings(str(ini), QSettings.Format.IniFormat)))  # type: ignore[arg-type]
    page = DashboardPage(ctx)
    page.resize(1100, 1400)
    page.show()

    def wait(signal: object, start: object) -> float:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(120_000, loop.quit)
        t0 = time.perf_counter()
        start()  # type: ignore[operator]
        loop.exec()
        signal.disconnect(loop.quit)  # type: ignore[attr-defined]
        return time.perf_counter() - t0

    def draw_all() -> float:
        t0 = time.perf_counter()
        page.charts.repaint()  # every chart's image painted now (offscreen, nothing else does it)
        app.processEvents()
        return time.perf_counter() - t0

    print(
        "\nDashboard page offscreen (1100 × 1400 px), the period picker changed"
        f" (load average {', '.join(f'{v:.2f}' for v in os.getloadavg())})"
    )
    wait(page.loaded, page.activate)  # this month (November): the first view
    draw_all()
    first = [0.0]

    def flow_shown() -> None:
        first[0] = time.perf_counter()

    page.flow_loaded.connect(flow_shown)
    runs = (
        ("cold", PeriodKind.LAST_MONTH),
        ("cold", PeriodKind.THIS_QUARTER),
        ("warm", PeriodKind.LAST_MONTH),
    )
    for label, kind in runs:
        first[0] = 0.0
        t0 = time.perf_counter()
        shown = wait(page.loaded, lambda k=kind: page.period.choose(k))  # type: ignore[misc]
        first_at = first[0] - t0 if first[0] else float("nan")
        in_view = sum(page.chart_in_view(name) for name in page.charts.canvases)
        drawn = draw_all()
        t = page.timings
        print(
            f"  {label} {kind.value:<13} first charts shown {_ms(first_at)}  all shown {_ms(shown)}"
            f"  (flow {_ms(t.get('flow_data', 0))}, SLA {_ms(t.get('sla_data', 0))},"
            f" waiting for the charts {_ms(t.get('flow_figures', 0) + t.get('sla_figures', 0))})"
            f"  paint {_ms(drawn)}  → redraw in all {_ms(shown + drawn)}"
            f"  ({in_view} of {len(page.charts.canvases)} charts in view)"
        )
    page.close()


if __name__ == "__main__":
    main()
