"""A large, realistic LeadDesk database for benchmarks (1,000,000 leads by default), cached on disk.

The schema comes from the real migrations. The rows are generated inside SQLite with set-based SQL
(a recursive sequence, random() and julianday arithmetic), which builds a million leads with their
events, touches and activities in well under a minute. The shape is realistic: stage shares, owners,
campaigns, and stage stamps that agree with exactly one event per move.

    python benchmarks/big_db.py [--leads N] [--force]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from leaddesk.models.database import open_database  # noqa: E402
from leaddesk.models.search import SQLITE_DDL, SQLITE_DROP, SQLITE_FILL  # noqa: E402
from leaddesk.services import demo_data as data  # noqa: E402

#: "Now" for the benchmark data; benchmarks inject it as their clock.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CACHE_DIR = Path(os.environ.get("LEADDESK_BENCH_DIR", Path(tempfile.gettempdir()) / "leaddesk-bench"))
FORMAT_VERSION = 7
SALES_REPS = 12
CAMPAIGNS = 40

#: Stage shares in 1/10,000: ~5 % open with sales (50,000 of 1M), ~1 % open opportunities (10,000).
STAGE_SHARES = (
    ("new", 5000),
    ("mql", 800),
    ("handed_off", 250),
    ("accepted", 100),
    ("contacted", 50),
    ("opportunity", 100),
    ("won", 700),
    ("lost", 1400),
    ("rejected", 300),
    ("disqualified", 1300),
)


def path_for(leads: int) -> Path:
    return CACHE_DIR / f"big-{leads}-v{FORMAT_VERSION}.sqlite3"


def ensure_big_db(leads: int = 1_000_000, *, force: bool = False) -> Path:
    """The cached database with `leads` leads, built if missing."""
    import fcntl

    path = path_for(leads)
    if path.exists() and not force:
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # Several benchmarks may ask at once: one builds, the others wait for it.
    with (CACHE_DIR / f"build-{leads}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists() and not force:
            return path
        partial = path.with_suffix(".building")
        for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            p.unlink(missing_ok=True)
        open_database("sqlite:///" + str(partial)).dispose()
        build(partial, leads)
        fill_sla_clocks(partial)
        os.replace(partial, path)
    return path


def fill_sla_clocks(path: Path) -> float:
    """Give the team a Rome SLA policy; the real SLA service computes every lead's due times."""
    from leaddesk.domain.clock import FixedClock
    from leaddesk.services.calendar import BusinessCalendar
    from leaddesk.services.sla.policy import SlaPolicy
    from leaddesk.services.sla.sla_service import EPOCH, SlaService

    started = time.perf_counter()
    db = open_database("sqlite:///" + str(path))
    try:
        policy = SlaPolicy(calendar=BusinessCalendar.default("Europe/Rome"))
        SlaService(db, FixedClock(NOW)).set_policy(policy, effective_from=EPOCH)
    finally:
        db.dispose()
    return time.perf_counter() - started


def _stage_case() -> str:
    """CASE mapping a number 0..9999 to a stage by the shares above."""
    parts, upper = [], 0
    for stage, share in STAGE_SHARES:
        upper += share
        parts.append(f"WHEN b < {upper} THEN '{stage}'")
    return "CASE " + " ".join(parts) + " END"


def _ts(expr: str) -> str:
    """A julianday expression as our stored UTC text (whole seconds, six decimals like SQLAlchemy)."""
    return (
        f"(CASE WHEN ({expr}) IS NULL THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%S', {expr}) || '.000000' END)"
    )


def build(path: Path, leads: int) -> None:
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    if os.environ.get("LEADDESK_BENCH_TRACE"):
        conn.set_trace_callback(
            lambda sql: print(f"{time.perf_counter() - started:7.1f}s {' '.join(sql.split())[:80]}")
        )
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000", "temp_store = MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    # Load without the secondary indexes and the search triggers; rebuild them once at the end (sorting
    # once is far faster than a million random B-tree inserts).
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('leads', 'lead_events', 'campaign_touches', 'activities')"
    ).fetchall()
    for statement in SQLITE_DROP:
        conn.execute(statement)
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("BEGIN")
    now_jd = conn.execute("SELECT julianday(?)", (NOW.strftime("%Y-%m-%d %H:%M:%S"),)).fetchone()[0]
    created = NOW.strftime("%Y-%m-%d %H:%M:%S") + ".000000"

    team = [(name, role) for name, role in data.TEAM] + [
        (f"Venditore {k + 1}", "sales") for k in range(SALES_REPS - 3)
    ]
    conn.executemany(
        "INSERT INTO team_members (id, name, email, role, active, created_at) VALUES (?, ?, NULL, ?, 1, ?)",
        [(i + 1, n, r, created) for i, (n, r) in enumerate(team)],
    )
    sales_ids = [i + 1 for i, (_n, r) in enumerate(team) if r == "sales"]
    conn.executemany(
        "INSERT INTO campaigns (id, name, channel, owner_id, monthly_mql_target, archived, created_at) "
        "VALUES (?, ?, ?, ?, ?, 0, ?)",
        [
            (
                k + 1,
                f"{data.CAMPAIGNS[k % 6][0]} #{k + 1}",
                data.CAMPAIGNS[k % 6][1],
                1 + k % 2,
                data.CAMPAIGNS[k % 6][2] * 10,
                created,
            )
            for k in range(CAMPAIGNS)
        ],
    )
    # Small lookup tables to pick names from.
    lookups = {
        "first_names": data.FIRST_NAMES_IT + data.FIRST_NAMES_INTL,
        "last_names": data.LAST_NAMES_IT + data.LAST_NAMES_INTL,
        "stems": data.COMPANY_STEMS,
        "places": data.COMPANY_NAMES,
        "titles": data.JOB_TITLES,
        "cities": tuple(c for c, _p in data.CITIES_IT),
        "industries": data.INDUSTRIES,
    }
    for table, values in lookups.items():
        conn.execute(f"CREATE TEMP TABLE {table} (i INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany(f"INSERT INTO {table} VALUES (?, ?)", list(enumerate(values)))
    conn.execute("CREATE TEMP TABLE sales_ids (i INTEGER PRIMARY KEY, v INTEGER)")
    conn.executemany("INSERT INTO sales_ids VALUES (?, ?)", list(enumerate(sales_ids)))

    # 1. The story of each lead as julian days, in a temp table.
    # random() is evaluated anew at every reference, so the draws are stored once before being used.
    conn.execute(
        f"""
        CREATE TEMP TABLE raw AS
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {leads})
        SELECT n, abs(random()) % 10000 AS b, abs(random()) AS r1, abs(random()) AS r2,
               abs(random()) AS r3, abs(random()) AS r4 FROM seq
        """
    )
    conn.execute(f"CREATE TEMP TABLE g AS SELECT n, {_stage_case()} AS stage, r1, r2, r3, r4 FROM raw")
    passed = "('handed_off','accepted','contacted','opportunity','won','lost','rejected')"
    conn.execute(
        f"""
        CREATE TEMP TABLE t AS
        SELECT n, stage, r1, r2, r3, r4,
               CASE WHEN stage IN {passed} THEN {now_jd} - (r1 % 20736000) / 86400.0 END AS handed
        FROM g
        """
    )
    conn.execute(
        f"""
        CREATE TEMP TABLE s AS
        SELECT n, stage, r1, r2, r3, r4, handed,
               CASE WHEN handed IS NOT NULL THEN handed - (2 + r2 % 398) / 24.0
                    ELSE {now_jd} - 730 + (r3 % 63072000) / 86400.0 * (0.2 + 0.8 * (r3 % 1000) / 1000.0) END
                   AS created
        FROM t
        """
    )
    conn.execute(
        f"""
        CREATE TEMP TABLE st AS
        SELECT *,
          CASE WHEN stage = 'new' OR (stage = 'disqualified' AND r4 % 2 = 0) THEN NULL
               WHEN handed IS NOT NULL THEN max(created + 0.004, handed - (0.5 + r4 % 47) / 24.0)
               ELSE min({now_jd}, created + (1 + r4 % 299) / 24.0) END AS mql,
          CASE WHEN stage IN ('accepted','contacted','opportunity','won','lost')
               THEN min({now_jd}, handed + (0.1 + r2 % 20) / 24.0) END AS accepted,
          CASE WHEN stage = 'rejected' THEN min({now_jd}, handed + (0.2 + r3 % 30) / 24.0) END AS rejected
        FROM s
        """
    )
    conn.execute(
        f"""
        CREATE TEMP TABLE st2 AS
        SELECT *,
          CASE WHEN stage IN ('contacted','opportunity','won','lost')
               THEN min({now_jd}, accepted + (0.1 + r3 % 30) / 24.0) END AS contacted
        FROM st
        """
    )
    conn.execute(
        f"""
        CREATE TEMP TABLE st3 AS
        SELECT *,
          CASE WHEN stage IN ('opportunity','won') OR (stage = 'lost' AND r4 % 10 < 6)
               THEN min({now_jd}, contacted + 1 + r1 % 20) END AS opportunity
        FROM st2
        """
    )
    conn.execute(
        f"""
        CREATE TEMP TABLE f AS
        SELECT *,
          CASE WHEN stage IN ('won','lost') THEN min({now_jd}, coalesce(opportunity, contacted) + 1 + r2 % 40)
               WHEN stage = 'disqualified' THEN min({now_jd}, coalesce(mql, created) + 1 + r2 % 30) END AS closed
        FROM st3
        """
    )
    n_first, n_last = len(lookups["first_names"]), len(lookups["last_names"])
    conn.execute(
        f"""
        INSERT INTO leads (id, first_name, last_name, email, phone, job_title, company, company_size, industry,
            country, city, source, name_company_key, consent, campaign_id, score, stage, marketing_owner_id,
            sales_owner_id, reject_reason, close_reason, expected_value, mql_at, handed_off_at, accepted_at,
            rejected_at, first_contact_at, closed_at, attempts, created_at, updated_at, version, custom_fields)
        SELECT f.n, fn.v, ln.v,
               lower(fn.v) || '.' || lower(replace(ln.v, ' ', '')) || f.n || '@example-' || (f.n % 5000) || '.it',
               '+393' || (20 + f.n % 30) || substr('0000000' || f.n, -7),
               ti.v, st.v || ' ' || pl.v || ' ' || (f.n % 9973), (5, 12, 30, 60, 150, 400, 1200) IS NULL,
               ind.v, 'IT', ci.v, 'Web',
               lower(fn.v || ' ' || ln.v) || '|' || lower(st.v || ' ' || pl.v || ' ' || (f.n % 9973)), 1,
               1 + f.r3 % {CAMPAIGNS}, f.r4 % 101, f.stage, 1 + f.n % 2,
               CASE WHEN f.handed IS NOT NULL THEN si.v END,
               CASE WHEN f.stage = 'rejected' THEN
                   CASE f.r1 % 5 WHEN 0 THEN 'not_in_target' WHEN 1 THEN 'bad_data' WHEN 2 THEN 'duplicate'
                        WHEN 3 THEN 'wrong_person' ELSE 'other' END END,
               CASE WHEN f.stage = 'lost' THEN
                   CASE f.r2 % 4 WHEN 0 THEN 'price' WHEN 1 THEN 'competitor' WHEN 2 THEN 'timing' ELSE 'no_budget' END
                    WHEN f.stage = 'disqualified' THEN 'Fuori target' END,
               CASE WHEN f.opportunity IS NOT NULL THEN (2500, 4800, 7500, 12000)
                    IS NULL END,
               {_ts("f.mql")}, {_ts("f.handed")}, {_ts("f.accepted")}, {_ts("f.rejected")},
               {_ts("f.contacted")}, {_ts("f.closed")}, 0, {_ts("f.created")},
               {_ts("max(f.created, coalesce(f.closed, f.opportunity, f.contacted, f.accepted, f.rejected, f.handed, f.mql, f.created))")},
               1, '{{}}'
        FROM f
        JOIN first_names fn ON fn.i = f.r1 % {n_first}
        JOIN last_names ln ON ln.i = f.r2 % {n_last}
        JOIN stems st ON st.i = f.r3 % {len(lookups["stems"])}
        JOIN places pl ON pl.i = f.r4 % {len(lookups["places"])}
        JOIN titles ti ON ti.i = f.r1 % {len(lookups["titles"])}
        JOIN cities ci ON ci.i = f.r2 % {len(lookups["cities"])}
        JOIN industries ind ON ind.i = f.r3 % {len(lookups["industries"])}
        JOIN sales_ids si ON si.i = f.r4 % {len(sales_ids)}
        """.replace("(5, 12, 30, 60, 150, 400, 1200) IS NULL", "(5 + (f.r1 % 7) * (f.r2 % 200))").replace(
            "(2500, 4800, 7500, 12000)\n                    IS NULL", "2500 + (f.r3 % 16) * 2500"
        )
    )
    # 2. One event per move, at the stamp's time: the history agrees with the stamps by construction.
    moves = (
        ("created", "NULL", "'new'", "created", "1 + n % 2", "1"),
        ("qualified", "'new'", "'mql'", "mql", "1 + n % 2", "mql IS NOT NULL"),
        ("handed_off", "'mql'", "'handed_off'", "handed", "1 + n % 2", "handed IS NOT NULL"),
        ("accepted", "'handed_off'", "'accepted'", "accepted", "NULL", "accepted IS NOT NULL"),
        ("rejected", "'handed_off'", "'rejected'", "rejected", "NULL", "rejected IS NOT NULL"),
        ("contacted", "'accepted'", "'contacted'", "contacted", "NULL", "contacted IS NOT NULL"),
        ("opportunity", "'contacted'", "'opportunity'", "opportunity", "NULL", "opportunity IS NOT NULL"),
        ("won", "'opportunity'", "'won'", "closed", "NULL", "stage = 'won'"),
        (
            "lost",
            "CASE WHEN opportunity IS NULL THEN 'contacted' ELSE 'opportunity' END",
            "'lost'",
            "closed",
            "NULL",
            "stage = 'lost'",
        ),
        (
            "disqualified",
            "CASE WHEN mql IS NULL THEN 'new' ELSE 'mql' END",
            "'disqualified'",
            "closed",
            "1 + n % 2",
            "stage = 'disqualified'",
        ),
    )
    for kind, frm, to, column, actor, where in moves:
        conn.execute(
            f"INSERT INTO lead_events (lead_id, at, actor_id, kind, from_stage, to_stage, reason, details) "
            f"SELECT n, {_ts(column)}, {actor}, '{kind}', {frm}, {to}, NULL, '{{}}' FROM f WHERE {where}"
        )
    conn.execute(
        "UPDATE lead_events SET actor_id = (SELECT sales_owner_id FROM leads WHERE leads.id = lead_events.lead_id) "
        "WHERE actor_id IS NULL"
    )
    conn.execute(
        f"INSERT INTO activities (lead_id, kind, outcome, at, member_id) "
        f"SELECT f.n, 'call', 'reached', {_ts('f.contacted')}, l.sales_owner_id FROM f JOIN leads l ON l.id = f.n "
        f"WHERE f.contacted IS NOT NULL"
    )
    conn.execute(
        f"INSERT INTO campaign_touches (lead_id, campaign_id, content, content_type, touched_at) "
        f"SELECT n, 1 + r3 % {CAMPAIGNS}, 'Whitepaper', 'whitepaper', {_ts('created')} FROM f"
    )
    conn.execute(
        f"INSERT INTO campaign_touches (lead_id, campaign_id, content, content_type, touched_at) "
        f"SELECT n, 1 + r1 % {CAMPAIGNS}, 'Webinar', 'webinar', {_ts('created - 2')} FROM f WHERE r2 % 10 < 3"
    )
    conn.execute("COMMIT")
    for _name, sql in indexes:
        conn.execute(sql)
    for statement in SQLITE_DDL:
        conn.execute(statement)
    conn.execute(SQLITE_FILL)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    path = ensure_big_db(args.leads, force=args.force)
    print(
        f"{path}: {args.leads:,} leads ready in {time.perf_counter() - started:.1f} s "
        f"({path.stat().st_size / 1e6:.0f} MB)"
    )
    conn = sqlite3.connect(path)
    for table in ("leads", "lead_events", "campaign_touches", "activities"):
        print(f"  {table}: {conn.execute(f'SELECT count(*) FROM {table}').fetchone()[0]:,}")
    print(
        "  stages:",
        json.dumps(dict(conn.execute("SELECT stage, count(*) FROM leads GROUP BY stage").fetchall())),
    )
    conn.close()


if __name__ == "__main__":
    main()
