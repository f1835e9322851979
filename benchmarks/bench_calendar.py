"""Business-calendar arithmetic speed: what the SLA service pays for ~30,000 handoffs.

Run from the repository root:  python benchmarks/bench_calendar.py [--handoffs 30000] [--repeat 5]

Prints µs per call and the total for N calls of `add_business_seconds` and `business_seconds_between`, for
handoffs spread over one month and for spans of several months, on the default Italian office calendar
(Europe/Rome, Mon-Fri 09-13/14-18, IT holidays, an August closure). Times are the best of --repeat runs once
the caches are built; the cost of the first, cache-building call is printed too. Inputs are seeded.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _best(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def _row(label: str, seconds: float, calls: int) -> None:
    print(f"  {label:<58} {seconds * 1e6 / calls:7.2f} µs/call   {seconds * 1e3:8.1f} ms total")


def main(argv: list[str] | None = None) -> None:
    from leaddesk.services.calendar import BusinessCalendar, Closure

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--handoffs", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    n, repeat = args.handoffs, args.repeat

    rome = ZoneInfo("Europe/Rome")
    calendar = BusinessCalendar(
        tz="Europe/Rome", closures=(Closure(date(2026, 8, 10), date(2026, 8, 21), "Ferie estive"),)
    )
    rng = random.Random(20251126)
    month_start = datetime(2025, 11, 1, tzinfo=rome)
    month_seconds = 30 * 86_400
    starts = [month_start + timedelta(seconds=rng.uniform(0, month_seconds)) for _ in range(n)]
    starts_utc = [start.astimezone(UTC) for start in starts]
    ends_month = [start + timedelta(seconds=rng.uniform(0, 10 * 86_400)) for start in starts_utc]
    ends_months = [start + timedelta(days=rng.uniform(30, 540)) for start in starts_utc]
    now = datetime(2025, 12, 15, 12, tzinfo=UTC)
    allowance = 4 * 3600.0

    print(f"Business calendar: {calendar.hours_text}, {calendar.tz}, holidays {calendar.country}")
    print(f"{n:,} handoffs in November 2025, best of {repeat} runs\n")

    started = time.perf_counter()
    calendar.business_seconds_between(starts_utc[0], starts_utc[0] + timedelta(days=540))
    cold = time.perf_counter() - started
    print(f"  first call, building the caches for 18 months: {cold * 1e3:.1f} ms")
    for start, end in zip(starts_utc, ends_months, strict=True):  # warm every cache the runs below use
        calendar.business_seconds_between(start, end)
    print()

    add = calendar.add_business_seconds
    between = calendar.business_seconds_between
    print("add_business_seconds (due = handoff + 4 business hours)")
    _row("one month, UTC inputs", _best(lambda: [add(s, allowance) for s in starts_utc], repeat), n)
    _row("one month, Europe/Rome inputs", _best(lambda: [add(s, allowance) for s in starts], repeat), n)
    _row(
        "allowance of 300 business hours (~2 months)",
        _best(lambda: [add(s, 300 * 3600.0) for s in starts_utc], repeat),
        n,
    )
    _row("due_times(starts, 4 h) bulk", _best(lambda: calendar.due_times(starts_utc, allowance), repeat), n)

    print("\nbusiness_seconds_between")
    _row(
        "within one month (spans of 0-10 days)",
        _best(lambda: [between(s, e) for s, e in zip(starts_utc, ends_month, strict=True)], repeat),
        n,
    )
    _row("to a common 'now'", _best(lambda: [between(s, now) for s in starts_utc], repeat), n)
    _row(
        "multi-month spans (1-18 months)",
        _best(lambda: [between(s, e) for s, e in zip(starts_utc, ends_months, strict=True)], repeat),
        n,
    )
    _row(
        "business_seconds_between_many(starts, now) bulk",
        _best(lambda: calendar.business_seconds_between_many(starts_utc, now), repeat),
        n,
    )

    print("\nwhole days")
    days = [start.date() for start in starts]
    _row(
        "business_days_between (one month to 'now')",
        _best(lambda: [calendar.business_days_between(d, now) for d in days], repeat),
        n,
    )
    _row(
        "add_business_days(d, 3)", _best(lambda: [calendar.add_business_days(d, 3) for d in days], repeat), n
    )

    total = _best(
        lambda: (
            [add(s, allowance) for s in starts_utc],
            [between(s, e) for s, e in zip(starts_utc, ends_month, strict=True)],
        ),
        repeat,
    )
    print(f"\n{n:,} due times + {n:,} elapsed times together: {total * 1e3:.1f} ms (budget 500 ms)")


if __name__ == "__main__":
    main()
