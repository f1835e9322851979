"""Benchmark: importing a 100,000-row campaign list into a database of 1,000,000 leads.

    python benchmarks/bench_import.py            # (a), (b), (c)
    python benchmarks/bench_import.py --full     # and (d): a full 1,048,575-row sheet into an empty database
    python benchmarks/bench_import.py --rows 20000

Measured in the same run, each in a fresh process:
  (a) python-calamine reading the xlsx (open, load, iterate every row);
  (b) the baseline: calamine read + a plain sqlite3 executemany of the same rows (as tuples) into an
      empty leads-like table with four indexes (lower(email), phone, last_name, company), one transaction;
  (c) the real import (`ImportService.import_file`: reader process, normalisation and the building of each
      new lead's row, score and events on every core, duplicate detection, history, events, touches,
      scores, SLA clocks, one transaction) into a copy of the cached
      1,000,000-lead database (`big_db.ensure_big_db()`; copied with SQLite's backup API, the cached file
      is never written). 10 % of the rows are duplicates of existing leads (same email), so they merge.
      The pre-import backup is not part of the figure (it copies the whole database; timed separately
      with --with-backup).
  (d) --full: a 1,048,575-row sheet into an empty database, with progress.
Prints c / b and peak memory (ru_maxrss of the importing process and its waited-for children, and the
reader process's own peak, which the fork server's child reports).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_import_read as gen  # noqa: E402
from benchmarks.big_db import CACHE_DIR, NOW, ensure_big_db  # noqa: E402

DUPLICATE_SHARE = 10  # one row in ten is an existing lead


def _rows_xml(rows: int, duplicates: Sequence[str]) -> Iterator[str]:
    """bench_import_read's sheet, with every tenth row's email taken from an existing lead."""
    rnd = random.Random(20240315)
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:L{rows + 1}"/><sheetData>'
    )
    header = "".join(
        f'<c r="{gen._col(j)}1" t="inlineStr"><is><t>{escape(h)}</t></is></c>'
        for j, h in enumerate(gen.HEADERS)
    )
    yield f'<row r="1">{header}</row>'
    for i in range(rows):
        n = i + 2
        first, last = rnd.choice(gen.FIRST), rnd.choice(gen.LAST)
        email = f"{gen._ascii(first)}.{gen._ascii(last)}{i}@azienda{i % 997}.it".lower()
        phone = f"+39 3{rnd.randint(10, 99)} {rnd.randint(1000000, 9999999)}"
        if duplicates and i % DUPLICATE_SHARE == 0:
            email = duplicates[(i // DUPLICATE_SHARE) % len(duplicates)]
        values = (
            first, last, email, phone, f"Azienda {i % 5000} Srl", rnd.choice(gen.ROLES), None,
            rnd.choice(gen.SECTORS), rnd.choice(gen.COUNTRIES), rnd.choice(gen.CITIES), rnd.choice(gen.SOURCES),
            None,
        )  # fmt: skip
        cells = []
        for j, value in enumerate(values):
            if j == 6:
                cells.append(f'<c r="G{n}"><v>{rnd.randint(5, 5000)}</v></c>')
            elif j == 11:
                serial = 45292 + rnd.randint(0, 500_000) / 1440
                cells.append(f'<c r="L{n}" s="1"><v>{serial:.6f}</v></c>')
            else:
                cells.append(
                    f'<c r="{gen._col(j)}{n}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
                )
        yield f'<row r="{n}">{"".join(cells)}</row>'
    yield "</sheetData></worksheet>"


def make_workbook(rows: int, duplicates: Sequence[str], tag: str) -> Path:
    folder = Path(tempfile.gettempdir()) / "leaddesk-bench"
    folder.mkdir(exist_ok=True)
    # The duplicates come from the cached database, which is rebuilt when its format changes: the cached
    # workbook is only reused for the same duplicates.
    digest = hashlib.sha256("\n".join(duplicates).encode()).hexdigest()[:10] if duplicates else "none"
    path = folder / f"import_{tag}_{rows}_{digest}.xlsx"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", gen.CONTENT_TYPES)
        z.writestr("_rels/.rels", gen.RELS)
        z.writestr("xl/workbook.xml", gen.WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", gen.WORKBOOK_RELS)
        z.writestr("xl/styles.xml", gen.STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            batch: list[str] = []
            for piece in _rows_xml(rows, duplicates):
                batch.append(piece)
                if len(batch) >= 2000:
                    handle.write("".join(batch).encode("utf-8"))
                    batch = []
            handle.write("".join(batch).encode("utf-8"))
    partial.rename(path)
    return path


BASELINE = """
import sqlite3, sys, time, resource, os
import python_calamine
started = time.perf_counter()
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
rows = book.get_sheet_by_index(0).iter_rows()
next(rows)
data = [tuple(None if v == "" else v for v in r) for r in rows]
read = time.perf_counter() - started
db = sys.argv[2]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute(
    "CREATE TABLE leads (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT, "
    "company TEXT, job_title TEXT, company_size INTEGER, industry TEXT, country TEXT, city TEXT, source TEXT, "
    "created_at TEXT)"
)
for ddl in ("CREATE INDEX ix_email ON leads (lower(email))", "CREATE INDEX ix_phone ON leads (phone)",
            "CREATE INDEX ix_last ON leads (last_name)", "CREATE INDEX ix_company ON leads (company)"):
    conn.execute(ddl)
conn.execute("BEGIN")
conn.executemany(
    "INSERT INTO leads (first_name, last_name, email, phone, company, job_title, company_size, industry, "
    "country, city, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [tuple(str(v) if hasattr(v, "isoformat") else v for v in r[:12]) for r in data],
)
conn.execute("COMMIT")
conn.close()
total = time.perf_counter() - started
print(read, total, len(data), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def raw_read(path: Path) -> tuple[float, int]:
    seconds, _cpu, rows, _rss = gen.raw_calamine(path)
    return seconds, rows


def baseline(path: Path, work: Path) -> tuple[float, float, int]:
    db = work / "baseline.sqlite3"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", BASELINE, str(path), str(db)], check=True, capture_output=True, text=True
    )
    read, total, rows, _rss = out.stdout.split()
    return float(read), float(total), int(rows)


def copy_big_db(source: Path, target: Path) -> float:
    """A private copy of the cached database through SQLite's backup API (the cached file is only read)."""
    started = time.perf_counter()
    for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        p.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=65536)
    finally:
        dst.close()
        src.close()
    return time.perf_counter() - started


def existing_emails(db: Path, count: int) -> list[str]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT max(id) FROM leads").fetchone()[0]
        step = max(1, total // (count + 1))
        ids = [1 + k * step for k in range(count)]
        found = []
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            marks = ",".join("?" * len(part))
            found += [
                r[0]
                for r in conn.execute(
                    f"SELECT email FROM leads WHERE id IN ({marks}) AND email IS NOT NULL AND deleted_at IS NULL",
                    part,
                )
            ]
        return found
    finally:
        conn.close()


# --- the import itself, in a fresh process -----------------------------------------------------------


def child_import(db: Path, xlsx: Path, with_backup: bool, show_progress: bool) -> None:
    from leaddesk.domain.clock import FixedClock
    from leaddesk.models.database import open_database
    from leaddesk.services.importing.import_service import ImportService, ImportSettings
    from leaddesk.services.maintenance_service import MaintenanceService
    from leaddesk.services.scoring_service import ScoringService
    from leaddesk.services.sla.sla_service import SlaService

    clock = FixedClock(NOW)
    database = open_database("sqlite:///" + str(db))
    sla, scoring = SlaService(database, clock), ScoringService(database, clock)
    backup_seconds = 0.0
    backup = None
    if with_backup:
        maintenance = MaintenanceService(database, clock)

        def backup(reason: str) -> Path | None:
            nonlocal backup_seconds
            started = time.perf_counter()
            made = maintenance.backup_before(reason)
            backup_seconds = time.perf_counter() - started
            return made

    service = ImportService(
        database, clock, refresh_clocks=sla.refresh_clocks, rescore=scoring.on_leads_changed, backup=backup
    )
    phases: dict[str, float] = {}
    started = time.perf_counter()
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        phases.setdefault(phase, time.perf_counter() - started)
        if show_progress and time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            print(f"    {time.perf_counter() - started:6.1f} s  {phase:<9} {done:>9,}/{total:,}", flush=True)

    result = service.import_file(xlsx, ImportSettings(campaign="Benchmark"), progress=progress)
    seconds = time.perf_counter() - started
    database.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    me = usage.ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        "RESULT "
        + json.dumps(
            {
                "seconds": seconds - backup_seconds,
                "backup_seconds": backup_seconds,
                "phases": phases,
                "result": result.to_json() | {"errors": len(result.errors)},
                "self_kib": me,
                # The importing process's own processor time (the app's: writing, and holding the GUI).
                "self_cpu": usage.ru_utime + usage.ru_stime,
                "children_kib": children,
            }
        ),
        flush=True,
    )


def run_child(
    db: Path, xlsx: Path, *, with_backup: bool = False, show_progress: bool = False
) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", str(db), str(xlsx)]
    if with_backup:
        cmd.append("--with-backup")
    if show_progress:
        cmd.append("--show-progress")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    found: dict[str, object] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("RESULT "):
            found = json.loads(line[7:])
        else:
            print(line, end="")
    if proc.wait() != 0:
        raise SystemExit(f"the import process failed ({proc.returncode})")
    return found


def mb(kib: float) -> str:
    return f"{kib / 1024:,.0f} MB"


def reader_peak(xlsx: Path) -> float:
    from leaddesk.services.importing import read_table

    with read_table(xlsx) as table:
        return table.reader_peak_rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="also a full 1,048,575-row sheet")
    parser.add_argument("--with-backup", action="store_true", help="(c) takes the pre-import backup too")
    parser.add_argument("--child", nargs=2, metavar=("DB", "XLSX"), help=argparse.SUPPRESS)
    parser.add_argument("--show-progress", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_import(Path(args.child[0]), Path(args.child[1]), args.with_backup, args.show_progress)
        return

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    big = ensure_big_db()
    work = CACHE_DIR / f"import-bench-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        copy = work / "big-copy.sqlite3"
        copied = copy_big_db(big, copy)
        print(f"copied {big.name} ({big.stat().st_size / 1e9:.2f} GB) with the backup API in {copied:.1f} s")
        dups = existing_emails(copy, args.rows // DUPLICATE_SHARE)
        xlsx = make_workbook(args.rows, dups, "dups")
        print(
            f"\n== {args.rows:,} rows x {len(gen.HEADERS)} columns ({xlsx.stat().st_size / 1e6:.1f} MB), "
            f"{len(dups):,} duplicates of existing leads"
        )
        a_seconds, a_rows = raw_read(xlsx)
        print(f"(a) python-calamine read                  {a_seconds:7.2f} s   ({a_rows:,} rows)")
        b_read, b_total, b_rows = baseline(xlsx, work)
        print(
            f"(b) calamine + sqlite3 executemany        {b_total:7.2f} s   (read {b_read:.2f} s; "
            f"{b_rows:,} rows into an empty table with 4 indexes)"
        )
        c = run_child(copy, xlsx, with_backup=args.with_backup)
        r = c["result"]
        assert isinstance(r, dict)
        c_seconds = float(c["seconds"])  # type: ignore[arg-type]
        print(
            f"(c) LeadDesk import into 1,000,000 leads  {c_seconds:7.2f} s   (created {r['created']:,}, "
            f"duplicates {r['duplicates']:,}, updated {r['updated']:,}, rejected {r['rejected']:,})"
        )
        phases = c["phases"]
        assert isinstance(phases, dict)
        print("    phases started at: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
        print(f"    processor time of the importing process itself: {float(c['self_cpu']):.1f} s")  # type: ignore[arg-type]
        if args.with_backup:
            print(f"    pre-import backup (not in the figure): {float(c['backup_seconds']):.1f} s")  # type: ignore[arg-type]
        ratio = c_seconds / b_total
        print(f"    c / b = {ratio:.2f}  (target <= 3)")
        peak = float(c["self_kib"]) + float(c["children_kib"])  # type: ignore[arg-type]
        reader = reader_peak(xlsx)
        print(
            f"    peak memory: importing process {mb(float(c['self_kib']))} + waited-for children "  # type: ignore[arg-type]
            f"{mb(float(c['children_kib']))} = {mb(peak)} (target <= 500 MB); "  # type: ignore[arg-type]
            f"the reader process alone peaks at {mb(reader)}"
        )
        if args.full:
            full_rows = 1_048_575
            xlsx_full = make_workbook(full_rows, (), "plain")
            empty = work / "empty.sqlite3"
            from leaddesk.models.database import open_database

            open_database("sqlite:///" + str(empty)).dispose()
            print(
                f"\n== (d) {full_rows:,} rows into an empty database ({xlsx_full.stat().st_size / 1e6:.0f} MB)"
            )
            d = run_child(empty, xlsx_full, show_progress=True)
            rd = d["result"]
            assert isinstance(rd, dict)
            print(
                f"(d) full sheet imported in {float(d['seconds']):.1f} s (target <= 60 s); created "  # type: ignore[arg-type]
                f"{rd['created']:,}, duplicates {rd['duplicates']:,}; peak memory importing process "
                f"{mb(float(d['self_kib']))}, waited-for children {mb(float(d['children_kib']))}"
            )  # type: ignore[arg-type]
            phases_d = d["phases"]
            assert isinstance(phases_d, dict)
            print("    phases started at: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases_d.items()))
            print(f"    processor time of the importing process itself: {float(d['self_cpu']):.1f} s")  # type: ignore[arg-type]
    finally:
        for p in sorted(work.glob("*")):
            p.unlink(missing_ok=True)
        work.rmdir()
    print(f"load average now {os.getloadavg()[0]:.2f} (other work on the machine slows the figures down)")


if __name__ == "__main__":
    main()
