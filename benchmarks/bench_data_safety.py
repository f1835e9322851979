"""Issue 8 figures: what data safety costs on the 1,000,000-lead LeadDesk database.

    python benchmarks/bench_data_safety.py [--leads N]

Works on a copy of the cached big database (benchmarks/big_db.py), through the app's own code: the time
to open it (lock, quick check, schema check), to open it after an unclean shutdown (full check), a
"Back up now" (online backup + check of the copy), `leaddesk check` (full integrity check), the daily
chores when a backup is due, and a restore.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.big_db import ensure_big_db  # noqa: E402
from leaddesk.app import open_services  # noqa: E402
from leaddesk.services.maintenance_service import check_file  # noqa: E402
from leaddesk.storage.integrity import mark_running  # noqa: E402

T = TypeVar("T")


def timed(label: str, work: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = work()
    print(f"{label:<48} {time.perf_counter() - started:8.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    args = parser.parse_args()
    source = ensure_big_db(args.leads)
    work = Path(tempfile.mkdtemp(prefix="leaddesk-bench-safety-"))
    os.environ["LEADDESK_DATA_DIR"] = str(work / "data")
    try:
        db = work / "leads.sqlite3"
        shutil.copy(source, db)
        size = db.stat().st_size / 1_048_576
        print(f"database: {args.leads:,} leads, {size:,.0f} MB (a copy of {source})")

        services = timed("open (lock + quick check + schema check)", lambda: open_services(str(db)))
        services.close()
        mark_running(db)  # as if the last run had crashed
        services = timed("open after an unclean shutdown (full check)", lambda: open_services(str(db)))
        try:
            backup = timed("Back up now (online backup + check of copy)", services.maintenance.backup_now)
            print(f"{'  backup size':<48} {backup.stat().st_size / 1_048_576:8.0f} MB")
            timed("daily chores, backup due (backup + prune)", lambda: services.maintenance.run_daily())
            timed("daily chores, nothing due", lambda: services.maintenance.run_daily())
            timed("Check database (full integrity check)", lambda: services.maintenance.check(full=True))
            timed("restore the backup in the running app", lambda: services.maintenance.restore(backup))
        finally:
            services.close()
        timed("leaddesk check --quick (file, not opened)", lambda: check_file(db, full=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
