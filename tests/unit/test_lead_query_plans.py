"""The leads list's stage filter reads a stage's leads in the list's default order from one index, with
planner statistics and without (SQLite keeps one average per column, so the other plans depend on how the
stages happen to spread: up to 127 ms for one stage of 1,000,000 leads)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from leaddesk.domain.enums import Stage
from leaddesk.domain.queries import LeadFilter, PageRequest
from leaddesk.services.lead_query_service import LeadQueryService

STAGES = ("new", "new", "new", "new", "new", "mql", "won", "lost", "disqualified", "handed_off")


def _fill(db: Any, count: int) -> None:
    cases = " ".join(f"WHEN {i} THEN '{stage}'" for i, stage in enumerate(STAGES))
    minute = "datetime('2026-01-01', '+' || i || ' minutes')"
    with db.writing() as s:
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
                "INSERT INTO leads (id, email, consent, custom_fields, score, stage, attempts, created_at, "
                f"updated_at, version) SELECT i, 'lead' || i || '@example.it', 1, '{{}}', i % 101, "
                f"CASE i % {len(STAGES)} {cases} END, 0, {minute}, {minute}, 1 FROM n"
            ),
            {"count": count},
        )


def _campaign_page_plan(db: Any, campaign: int) -> str:
    return _plan_of(db, LeadFilter(campaign_ids=frozenset({campaign})))


def _page_plan(db: Any, stage: Stage, *, owner: int | None = None) -> str:
    owners = frozenset({owner}) if owner is not None else frozenset()
    return _plan_of(db, LeadFilter(stages=frozenset({stage}), sales_owner_ids=owners))


def _plan_of(db: Any, flt: LeadFilter) -> str:
    """The plan SQLite runs the service's first-page query with."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "FROM leads" in statement and "LIMIT" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        LeadQueryService(db).page(PageRequest(filter=flt))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert seen
    statement, parameters = seen[-1]
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        return " / ".join(r[-1] for r in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))


def _leads(db: Any, analysed: bool, *setup: str) -> None:
    """5,000 leads, the `setup` statements, then the planner statistics when `analysed`."""
    _fill(db, 5_000)
    with db.writing() as s:
        for statement in setup:
            s.execute(text(statement))
    if analysed:
        assert "leads" in db.refresh_statistics()


def _read_in_list_order(plan: str, index: str) -> bool:
    return index in plan and "TEMP B-TREE" not in plan


ANALYSED = pytest.mark.parametrize("analysed", [False, True], ids=["no statistics", "statistics"])


@ANALYSED
def test_a_stage_filter_reads_the_stage_in_list_order(sqlite_db: Any, analysed: bool) -> None:
    _leads(sqlite_db, analysed)
    for stage in (Stage.NEW, Stage.HANDED_OFF):
        plan = _page_plan(sqlite_db, stage)
        assert _read_in_list_order(plan, "ix_leads_stage_created_at"), (stage, plan)


@ANALYSED
def test_a_reps_leads_of_one_stage_come_from_the_reps_index(sqlite_db: Any, analysed: bool) -> None:
    """Not by walking the stage's leads looking for the rep's: 1.4 s on 1M leads when he had none."""
    _leads(
        sqlite_db,
        analysed,
        "INSERT INTO team_members (id, name, role, active, created_at) "
        "VALUES (7, 'Marco Vendite', 'sales', 1, '2026-01-01 00:00:00')",
        "UPDATE leads SET sales_owner_id = 7 WHERE stage = 'won' AND id % 2 = 0",
    )
    for stage in (Stage.WON, Stage.NEW):  # his leads, and a stage where he has none
        plan = _page_plan(sqlite_db, stage, owner=7)
        assert _read_in_list_order(plan, "ix_leads_sales_owner_id_stage_created_at"), (stage, plan)


@ANALYSED
def test_a_campaigns_leads_come_in_list_order(sqlite_db: Any, analysed: bool) -> None:
    """Not its every lead read and sorted (78 ms for a campaign's 25,000 of 1M leads)."""
    _leads(
        sqlite_db,
        analysed,
        "INSERT INTO campaigns (id, name, channel, monthly_mql_target, archived, created_at) "
        "VALUES (3, 'Fiera SPS', 'event', 10, 0, '2026-01-01 00:00:00')",
        "UPDATE leads SET campaign_id = 3 WHERE id % 4 = 0",
    )
    plan = _campaign_page_plan(sqlite_db, 3)
    assert _read_in_list_order(plan, "ix_leads_campaign_id_created_at"), plan
