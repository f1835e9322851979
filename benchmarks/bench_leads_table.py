"""Issue 2 figures: the leads table over 1,000,000 leads, and how fast the window is usable.

    python benchmarks/bench_leads_table.py [--leads N]

Prints: first page after the query starts, re-sort and filter on indexed columns, text search, the
window's start-up time (a fresh process, from interpreter start to the first page painted), and the
peak memory of that process while browsing (scrolling through 20 pages).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.big_db import ensure_big_db  # noqa: E402


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def timed(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def service_figures(db_path: Path) -> None:
    from leaddesk.domain.enums import Stage
    from leaddesk.domain.queries import LeadFilter, LeadSort, PageRequest, SortKey
    from leaddesk.models.database import open_database
    from leaddesk.services.lead_query_service import LeadQueryService

    db = open_database("sqlite:///" + str(db_path))
    q = LeadQueryService(db)
    print("Query service (median of 5, SQLite, 1 page = 200 rows):")
    print("  first page, newest first          ", _ms(timed(lambda: q.page(PageRequest()))))
    print("  count of all leads                ", _ms(timed(lambda: q.count(LeadFilter()))))
    for key in (
        SortKey.NAME,
        SortKey.COMPANY,
        SortKey.SCORE,
        SortKey.EMAIL,
        SortKey.CITY,
        SortKey.HANDED_OFF,
    ):
        for desc in (False, True):
            req = PageRequest(sort=LeadSort(key, desc))
            print(
                f"  re-sort {key.value:<14} {'desc' if desc else 'asc ':<5}   ",
                _ms(timed(lambda r=req: q.page(r))),
            )
    filters = {
        "stage = handed_off": LeadFilter(stages=frozenset({Stage.HANDED_OFF})),
        "campaign = 7": LeadFilter(campaign_ids=frozenset({7})),
        "sales owner = 5": LeadFilter(sales_owner_ids=frozenset({5})),
        "score 80..100": LeadFilter(min_score=80, max_score=100),
    }
    for name, flt in filters.items():
        print(
            f"  filter {name:<27}",
            _ms(timed(lambda f=flt: (q.page(PageRequest(filter=f)), q.count(f)))) + "  (page + count)",
        )
    # Every value of the stage filter: how a stage's leads spread over the default order decides the cost.
    per_stage = {}
    for stage in Stage:
        flt = LeadFilter(stages=frozenset({stage}))
        per_stage[stage] = timed(lambda f=flt: (q.page(PageRequest(filter=f)), q.count(f)), 3)
    slowest = max(per_stage, key=per_stage.__getitem__)
    print(
        f"  filter stage, each of {len(per_stage)} stages   ",
        _ms(per_stage[slowest])
        + f"  slowest ({slowest.value}); median {_ms(statistics.median(per_stage.values()))}",
    )
    for text in ("rossi", "ross", "mario rossi", "meccanica lombarda", "example-42", "ro", "3331234"):
        flt = LeadFilter(text=text)
        page = timed(lambda f=flt: q.page(PageRequest(filter=f)))
        count = timed(lambda f=flt: q.count(f))
        print(
            f"  text search {text!r:<22}{_ms(page)} first page, {_ms(count)} count ({q.count(flt):,} matches)"
        )
    db.dispose()


CHILD = r"""
import os, sys, threading, time, resource
T0 = float(sys.argv[2])
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from leaddesk.app import open_services
from leaddesk.ui.application import make_application
from leaddesk.ui.context import AppContext
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.pc_settings import PcSettings
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer
app = make_application()
services = open_services(sys.argv[1], defer_check=True)
ctx = AppContext(services, PcSettings(QSettings(sys.argv[3], QSettings.Format.IniFormat)))
window = MainWindow(ctx, defer_pages=True)
model = window.pages["marketing"].browser.model
viewport = window.pages["marketing"].browser.view.viewport()
loop = QEventLoop()
PAINTED = []


class FirstPaint(QObject):
    # The table's first rows on screen: when its first paint with rows begins, plus what a paint costs.
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and model.rowCount() and not PAINTED:
            PAINTED.append(time.time())
            QTimer.singleShot(0, loop.quit)
        return False


watcher = FirstPaint()
viewport.installEventFilter(watcher)
# As the app does: the deferred integrity check runs once the first data shows.
window.ready.connect(lambda: threading.Thread(target=services.opened.verify, daemon=True).start())
window.show()
loop.exec()
t = time.perf_counter()
viewport.repaint()
usable = PAINTED[0] - T0 + (time.perf_counter() - t)
view = window.pages["marketing"].browser.view
for _ in range(20):
    before = model.rowCount()
    model.fetchMore()
    loop2 = QEventLoop()
    model.rowsInserted.connect(loop2.quit)
    if model.rowCount() == before:
        loop2.exec()
    view.scrollToBottom()
    app.processEvents()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{usable:.3f} {peak:.0f} {model.rowCount()}")
services.close()
"""


def startup_figures(db_path: Path) -> None:
    ini = Path("/tmp/leaddesk-bench/pc.ini")
    ini.unlink(missing_ok=True)
    # A user's installation has byte-code (pip compiles it, Python caches it on the first run). Machines
    # that set PYTHONDONTWRITEBYTECODE would otherwise measure compiling LeadDesk's sources every time.
    compileall.compile_dir(ROOT / "leaddesk", quiet=1)
    runs = []
    for _ in range(5):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(db_path), repr(t0), str(ini)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.split()
        runs.append((float(out[0]), float(out[1]), int(out[2])))
    usable = statistics.median(r[0] for r in runs)
    peak = max(r[1] for r in runs)
    print("Window (fresh process each run, median of 5):")
    print(f"  launch → first page of leads painted     {usable * 1000:7.0f} ms")
    print(f"  peak memory while browsing {runs[0][2]:,} rows   {peak:7.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    args = parser.parse_args()
    t = time.perf_counter()
    path = ensure_big_db(args.leads)
    print(f"Database: {path} ({args.leads:,} leads; ready in {time.perf_counter() - t:.1f} s)")
    service_figures(path)
    startup_figures(path)
    print(f"(benchmark process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
