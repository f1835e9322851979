"""How long do backups and checks take on a big SQLite file?

Builds (once, cached in the temp folder) a database with 1,000,000 leads in a leads-like table with a few
indexes, then prints the time and size of `backup_now`, and the times of ``quick_check`` and of the full
``integrity_check`` (+ foreign_key_check), plus verifying and restoring the backup.

    python benchmarks/bench_backup.py [--rows 1000000] [--rebuild]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leaddesk.storage.backup import backup_now, restore, verify_backup
from leaddesk.storage.integrity import full_check, quick_check

T = TypeVar("T")

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE campaign (id INTEGER PRIMARY KEY, name TEXT NOT NULL, channel TEXT NOT NULL);
CREATE TABLE lead (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER REFERENCES campaign(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    company TEXT,
    role TEXT,
    country TEXT,
    stage TEXT NOT NULL,
    score INTEGER NOT NULL,
    owner_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_lead_email ON lead(email);
CREATE INDEX ix_lead_stage_score ON lead(stage, score);
CREATE INDEX ix_lead_owner ON lead(owner_id);
CREATE INDEX ix_lead_created ON lead(created_at);
"""

STAGES = ["new", "mql", "handed_off", "accepted", "contacted", "opportunity", "won", "lost", "rejected"]
ROLES = ["CEO", "CMO", "Head of Sales", "Marketing Manager", "IT Manager", "Buyer", "Founder"]
COUNTRIES = ["IT", "DE", "FR", "ES", "CH", "AT", "GB", "US"]
FIRST = ["Giulia", "Marco", "Anna", "Luca", "Sara", "Paolo", "Elena", "Davide", "Chiara", "Matteo"]
LAST = ["Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco"]


def _rows(count: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(42)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        created = start + timedelta(minutes=i)
        yield (
            i,
            rng.randint(1, 50),
            first,
            last,
            f"{first.lower()}.{last.lower()}{i}@example{i % 997}.com",
            f"Azienda {rng.randint(1, 20000)} S.r.l.",
            rng.choice(ROLES),
            rng.choice(COUNTRIES),
            rng.choice(STAGES),
            rng.randint(0, 100),
            rng.randint(1, 25),
            created.isoformat(),
            (created + timedelta(days=rng.randint(0, 30))).isoformat(),
        )


def build(path: Path, rows: int) -> None:
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(SCHEMA)
        conn.executemany(
            "INSERT INTO campaign VALUES (?, ?, ?)",
            [(i, f"Campaign {i}", ("webinar", "fair", "ads")[i % 3]) for i in range(1, 51)],
        )
        conn.executemany("INSERT INTO lead VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _rows(rows))
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    tmp.replace(path)


def timed(label: str, fn: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = fn()
    print(f"{label:<38} {time.perf_counter() - started:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    cache = Path(tempfile.gettempdir()) / "leaddesk-bench"
    cache.mkdir(exist_ok=True)
    db = cache / f"bench-leads-{args.rows}.sqlite3"
    if args.rebuild or not db.exists():
        timed(f"build {args.rows:,} leads (cached)", lambda: build(db, args.rows))
    print(f"database: {db} ({db.stat().st_size / 1e6:.1f} MB, sqlite {sqlite3.sqlite_version})")

    with tempfile.TemporaryDirectory(prefix="leaddesk-bench-backups-") as out:
        backups = Path(out)
        backup = timed("backup_now (backup API)", lambda: backup_now(db, backups, "manual"))
        print(f"{'backup size':<38} {backup.stat().st_size / 1e6:8.1f} MB")
        quick = timed("quick_check", lambda: quick_check(db))
        full = timed("integrity_check + foreign_key_check", lambda: full_check(db))
        verified = timed("verify_backup (read-only, full)", lambda: verify_backup(backup))
        for result in (quick, full, verified):
            assert result.ok, result.message
        target = backups / "restored.sqlite3"
        timed("restore (full check of backup + copy)", lambda: restore(backup, target))


if __name__ == "__main__":
    main()
