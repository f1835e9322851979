"""Issue 6 figures: the Sales workspace over 1,000,000 leads (50,000 open with sales, 10,000 opportunities).

    python benchmarks/bench_sales.py [--leads N]

Works on a private copy of the cached benchmark database (`big_db.ensure_big_db`), so the shared cache is
never written. On the copy it recomputes every lead's SLA clocks once (`SlaService.recompute_all`, timed),
gives a third of the contacted leads and opportunities a next step around the benchmark's "now" (the
generated data has none), then prints, median of several runs after a first (cold) one:

- the queue's first page: one rep, and the manager's view of every rep (service call, and the Qt model
  from `reload()` to its `loaded` signal);
- the countdown tick on ~40 visible rows (the pure clock computation and the model's `dataChanged`);
- the board's first show with 10,000 open opportunities (counts per column + first cards of each), as a
  service call and as the widget from `load()` to its `loaded` signal;
- today's follow-ups.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.big_db import CACHE_DIR, NOW, ensure_big_db  # noqa: E402

RUNS = 7
LIMITS_MS = {"queue": 150.0, "tick": 20.0, "board": 500.0}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def timed(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, float]:
    """(first run, median of the following ones), in seconds."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    rest = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        rest.append(time.perf_counter() - t)
    return first, statistics.median(rest)


def line(label: str, figures: tuple[float, float], limit: str | None = None) -> None:
    first, median = figures
    verdict = ""
    if limit:
        verdict = "  ok" if median * 1000 <= LIMITS_MS[limit] else "  OVER"
        verdict += f" (≤ {LIMITS_MS[limit]:.0f} ms)"
    print(f"  {label:<52}{ms(median)}   first {ms(first)}{verdict}")


def private_copy(source: Path) -> Path:
    """A copy of the cached database for this benchmark alone (rebuilt when the cache changes)."""
    target = CACHE_DIR / f"sales-{source.stem}.sqlite3"
    stamp = target.with_suffix(".source")
    mark = f"{source.stat().st_size}:{source.stat().st_mtime_ns}"
    if target.exists() and stamp.exists() and stamp.read_text() == mark:
        return target
    for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        p.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    stamp.write_text(mark)
    return target


def prepare(path: Path) -> None:
    """Next steps for a third of the open pipeline, spread over the ten days around 'now'."""
    conn = sqlite3.connect(path)
    today = NOW.date()
    conn.execute(
        "UPDATE leads SET next_step_on = date(?, '-' || (id % 10) || ' days', '+3 days') "
        "WHERE stage IN ('contacted', 'opportunity', 'accepted') AND id % 3 = 0",
        (today.isoformat(),),
    )
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from leaddesk.domain.clock import FixedClock
    from leaddesk.domain.enums import Role, Stage
    from leaddesk.models.database import open_database
    from leaddesk.services.lead_query_service import LeadQueryService
    from leaddesk.services.pipeline_service import PipelineQuery, PipelineService
    from leaddesk.services.sla.sla_service import SlaService
    from leaddesk.services.team_service import TeamService
    from leaddesk.ui.table_models.queue_table_model import QueueTableModel
    from leaddesk.ui.widgets.pipeline_board import PipelineBoard

    t = time.perf_counter()
    shared = ensure_big_db(args.leads)
    path = private_copy(shared)
    print(
        f"Database: private copy {path} of {shared.name} ({args.leads:,} leads; {time.perf_counter() - t:.1f} s)"
    )
    prepare(path)
    clock = FixedClock(NOW)
    db = open_database("sqlite:///" + str(path))
    sla, pipeline, leads = SlaService(db, clock), PipelineService(db, clock), LeadQueryService(db)
    t = time.perf_counter()
    recomputed = sla.recompute_all()
    print(f"  SlaService.recompute_all(): {recomputed:,} handed-off leads in {time.perf_counter() - t:.1f} s")
    with db.reading() as s:
        stages = dict(
            s.connection().exec_driver_sql("SELECT stage, count(*) FROM leads GROUP BY stage").all()
        )
    print(
        f"  open with sales: {sum(stages.get(k, 0) for k in ('handed_off', 'accepted', 'contacted', 'opportunity')):,}"
        f" (queue {stages.get('handed_off', 0) + stages.get('accepted', 0):,},"
        f" opportunities {stages.get('opportunity', 0):,})"
    )
    reps = TeamService(db).list_members(role=Role.SALES, active_only=True)
    rep = max(reps, key=lambda m: sla.queue_count(m.id))
    print(f"  busiest rep: {rep.name}, {sla.queue_count(rep.id):,} open clocks; {len(reps)} reps")

    print("Queue (SLA order, 100 rows a page):")
    line("first page, one rep (service)", timed(lambda: sla.queue(rep.id, limit=100)), "queue")
    line("first page, manager: every rep (service)", timed(lambda: sla.queue(None, limit=100)), "queue")
    line("page 50 of the manager's view (service)", timed(lambda: sla.queue(None, offset=5000, limit=100)))
    line(
        "search 'rossi' in the manager's view (service)",
        timed(lambda: sla.queue(None, limit=100, text="rossi")),
    )

    app = QApplication.instance() or QApplication(sys.argv)

    def wait(signal: Any, start: Callable[[], None]) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(30_000, loop.quit)
        start()
        loop.exec()
        signal.disconnect(loop.quit)

    for owner, label in ((rep.id, "one rep"), (None, "manager")):
        model = QueueTableModel(sla, leads, clock)
        model.set_owner(owner)
        line(
            f"first page, {label} (model: reload → loaded)",
            timed(lambda m=model: wait(m.loaded, m.reload)),
            "queue",
        )

    print("Countdown tick (visible rows only, no query):")
    from PySide6.QtWidgets import QTableView

    model = QueueTableModel(sla, leads, clock)
    wait(model.loaded, model.reload)
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().setDefaultSectionSize(50)
    view.resize(1000, 40 * 50 + 30)
    view.show()
    app.processEvents()
    first, last = 0, 39
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom, *_a: changed.append(bottom.row() - top.row() + 1))
    ticks: list[float] = []
    painted: list[float] = []
    for i in range(60):
        # Flip between now and an hour later: every visible countdown changes, so every tick repaints all.
        clock.set(NOW if i % 2 else NOW + timedelta(hours=1))
        t = time.perf_counter()
        model.tick(first, last)
        ticks.append(time.perf_counter() - t)
        view.viewport().repaint()
        painted.append(time.perf_counter() - t)
    clock.set(NOW)
    verdict = "ok" if statistics.median(ticks) * 1000 <= LIMITS_MS["tick"] else "OVER"
    print(
        f"  {'40 rows: clocks + dataChanged (all 40 changed)':<52}{ms(statistics.median(ticks))}"
        f"   max {ms(max(ticks))}  {verdict} (≤ {LIMITS_MS['tick']:.0f} ms)"
    )
    print(f"  {'  … and the view repainted':<52}{ms(statistics.median(painted))}   max {ms(max(painted))}")
    print(f"  ({sum(changed) / len(ticks):.0f} rows reported changed per tick)")
    view.close()
    policy = sla.current_policy()
    rows = model.rows()[:40]
    line("40 rows: SlaService.clocks alone", timed(lambda: sla.clocks(rows, NOW, policy), 50))

    print(f"Pipeline board ({stages.get('opportunity', 0):,} open opportunities; 40 cards a column):")
    line(
        "board, manager: counts + first cards (service)",
        timed(lambda: pipeline.board(None, per_column=40)),
        "board",
    )
    line("board, one rep (service)", timed(lambda: pipeline.board(rep.id, per_column=40)), "board")
    board = PipelineBoard(pipeline, lambda: NOW.date(), lambda: True)
    board.resize(1200, 700)
    board.show()
    shown: list[float] = []
    complete: list[float] = []
    for _ in range(RUNS + 1):
        t = time.perf_counter()
        wait(board.loaded, lambda: board.load(None))
        board.repaint()
        shown.append(time.perf_counter() - t)
        if not all(c.model.counted for c in board.columns.values()):
            wait(board.counted, lambda: None)
        board.repaint()
        complete.append(time.perf_counter() - t)
    line(
        "board widget: cards + open counts painted",
        (shown[0], statistics.median(shown[1:])),
        "board",
    )
    line(
        "board widget: … won/lost counts painted too",
        (complete[0], statistics.median(complete[1:])),
        "board",
    )
    cursor = pipeline.board(None, per_column=40).column(Stage.OPPORTUNITY).page.next
    line(
        "next 40 opportunity cards (keyset, on scroll)",
        timed(lambda: pipeline.cards(Stage.OPPORTUNITY, None, after=cursor, limit=40)),
    )
    line("pipeline table: first page", timed(lambda: pipeline.table_page(PipelineQuery())))
    line("pipeline table: count", timed(lambda: pipeline.table_count(PipelineQuery())))

    print("Follow-ups due today:")
    today = NOW.date()
    due = pipeline.follow_up_count(None, today)
    line(
        f"every rep ({due:,} due or overdue; first 200 listed)",
        timed(lambda: pipeline.follow_ups(None, today)),
    )
    line("one rep", timed(lambda: pipeline.follow_ups(rep.id, today)))
    board.close()
    app.processEvents()
    db.dispose()
    print(f"(peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
    # Leave without the interpreter's teardown. The "none_dealloc" aborts (exit 134) once seen here came
    # from PySide6 6.12.0 losing a reference to None per Qt value that converts to None (now excluded in
    # pyproject.toml, see tests/ui/test_none_references.py); skipping the teardown also saves time.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
