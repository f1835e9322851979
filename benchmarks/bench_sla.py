"""Issue 4 figures on 1,000,000 leads: period figures for a month, the status bar count, the queue.

python benchmarks/bench_sla.py [--leads N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.big_db import NOW, ensure_big_db  # noqa: E402


def timed(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    args = parser.parse_args()
    t = time.perf_counter()
    path = ensure_big_db(args.leads)
    print(f"Database: {path} ({args.leads:,} leads; ready in {time.perf_counter() - t:.1f} s)")

    from leaddesk.domain.clock import FixedClock
    from leaddesk.models.database import open_database
    from leaddesk.services.sla.sla_service import SlaService

    db = open_database("sqlite:///" + str(path))
    sla = SlaService(db, FixedClock(NOW))
    month = (date(2026, 10, 1), date(2026, 10, 31))
    t = time.perf_counter()
    figures = sla.figures(*month)
    first = time.perf_counter() - t
    print(f"October 2026: {figures.overall.handoffs:,} handoffs, {figures.mql_total:,} MQLs")
    print(f"  period figures for the month, first call in the process           {first * 1000:7.1f} ms")
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        sla.figures(*month)
        runs.append(time.perf_counter() - t)
    print(
        f"  period figures for the month (overall + per campaign + per owner)  {statistics.median(runs) * 1000:7.1f} ms"
        f"  (best {min(runs) * 1000:.1f}, worst {max(runs) * 1000:.1f}; nothing cached: each call reads and computes)"
    )
    from leaddesk.services.reporting.periods import trend_buckets

    _daily, weeks = trend_buckets(*month)
    buckets = [(b.start, b.end) for b in weeks]
    print(
        f"  ... with the {len(buckets)} weekly buckets of the trend (SlaService.period)        {timed(lambda: sla.period(*month, buckets=buckets)) * 1000:7.1f} ms"
    )
    quarter = (date(2026, 8, 1), date(2026, 10, 31))
    print(
        f"  period figures for a quarter                                        {timed(lambda: sla.figures(*quarter), 3) * 1000:7.1f} ms"
    )
    print(
        f"  status bar at-risk/breached count, one rep                          {timed(lambda: sla.alert_counts(5)) * 1000:7.1f} ms"
    )
    print(
        f"  status bar at-risk/breached count, all reps (manager)               {timed(lambda: sla.alert_counts(None)) * 1000:7.1f} ms"
    )
    print(
        f"  sales queue by due time, first page, one rep                        {timed(lambda: sla.queue(5)) * 1000:7.1f} ms"
    )
    print(
        f"  sales queue by due time, first page, all reps ({sla.queue_count(None):,} open)            {timed(lambda: sla.queue(None)) * 1000:7.1f} ms"
    )
    rows = sla.queue(None, limit=40)
    policy = sla.current_policy()
    print(
        f"  countdown of 40 visible rows (pure)                                 {timed(lambda: sla.clocks(rows, NOW, policy), 20) * 1000:7.2f} ms"
    )
    db.dispose()


if __name__ == "__main__":
    main()
