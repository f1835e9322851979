"""Scoring on a real database (SQLite and PostgreSQL): rules stored for the team, scores kept current by
the lifecycle hook, batch re-scoring that never bumps versions, cancel and progress."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.records import LeadDraft
from leaddesk.domain.scoring import KeywordRule, RuleKind, default_rules
from leaddesk.models import Lead
from leaddesk.models.database import Database


def _scores(db: Database) -> dict[int, tuple[int, int]]:
    with db.reading() as s:
        return {
            i: (score, version) for i, score, version in s.execute(select(Lead.id, Lead.score, Lead.version))
        }


def test_new_and_touched_leads_are_scored_by_the_hook(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    rules = svc.scoring.rules()
    assert rules == default_rules()
    lead = svc.lifecycle.create_lead(
        LeadDraft(first_name="Anna", email="a@x.it", job_title="CEO", company_size=120, country="IT")
    )
    # CEO 25 + 50–249 15 + IT 10 = 50, no touches yet.
    assert svc.leads.detail(lead).score == 50
    svc.lifecycle.add_touch(
        lead, None, content="Demo", content_type="demo_request", at=clock() - timedelta(days=2)
    )
    # + 1 touch × 5 + seen ≤ 7 days ago 15 + demo request 20
    b = svc.scoring.breakdown(lead)
    assert b.total == 90 == svc.leads.detail(lead).score
    assert {i.kind for i in b.items} == set(RuleKind) - {RuleKind.INDUSTRY}
    assert b.hot


def test_a_later_step_of_the_same_transaction_sees_the_score_the_hook_wrote(
    db: Database, clock: FixedClock
) -> None:
    """The hook writes scores with SQL; a lead the transaction also holds as an object (a batch of
    moves, the demo) must show that score to the next step: the handoff records it for the SLA."""
    from leaddesk.domain.enums import Role
    from leaddesk.models import LeadEvent

    svc = build_services(db, clock)
    owner = svc.team.add_member("Marco Vendite", Role.SALES).id
    with svc.lifecycle.batch() as life:
        lead_id = life.create_lead(LeadDraft(first_name="Anna", email="a@x.it", job_title="CEO"))
        assert life._session is not None
        held = life._session.get(Lead, lead_id)  # kept alive across the steps
        life.add_touch(lead_id, None, content="Demo", content_type="demo_request", at=clock())
        life.qualify([lead_id])
        life.handoff([lead_id], owner_id=owner)
        assert held is not None and held.score > 25  # CEO, then the touch's points
    with db.reading() as s:
        stored = s.scalar(select(Lead.score).where(Lead.id == lead_id))
        details = s.scalar(
            select(LeadEvent.details).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "handed_off")
        )
    assert details["score"] == stored


def test_rule_change_then_rescore_changes_scores_without_bumping_versions(
    db: Database, clock: FixedClock
) -> None:
    svc = build_services(db, clock)
    ids = [
        svc.lifecycle.create_lead(LeadDraft(email=f"l{i}@x.it", job_title=title, industry="Retail"))
        for i, title in enumerate(["CEO", "Stagista", "Magazziniere", "Responsabile IT"] * 5)
    ]
    before = _scores(db)
    assert before[ids[0]][0] == 25 + 5 and before[ids[2]][0] == 5
    rules = svc.scoring.rules()
    new_rules = replace(
        rules,
        job_titles=(KeywordRule("Warehouse", ("magazziniere",), 40), *rules.job_titles),
        industries=(),
        mql_threshold=40,
    )
    svc.scoring.save_rules(new_rules)
    assert svc.scoring.rules() == new_rules
    seen: list[tuple[int, int]] = []
    result = svc.scoring.rescore(progress=lambda d, t: seen.append((d, t)), batch_size=7)
    assert (result.scored, result.total, result.cancelled) == (20, 20, False)
    assert result.changed == 15  # lost the 5 industry points or gained 40; the interns stay at 0
    after = _scores(db)
    assert after[ids[0]][0] == 25 and after[ids[2]][0] == 40 and after[ids[1]][0] == 0
    assert all(after[i][1] == before[i][1] for i in ids), "re-scoring must not bump versions"
    assert seen[0] == (0, 20) and seen[-1] == (20, 20) and len(seen) >= 4
    assert svc.scoring.hot_count() == 5  # the warehouse workers
    assert not svc.scoring.needs_rescore()
    clock.advance(hours=25)
    assert svc.scoring.needs_rescore()


def test_rescore_can_be_cancelled_and_given_ids(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    ids = [svc.lifecycle.create_lead(LeadDraft(email=f"l{i}@x.it", job_title="CEO")) for i in range(12)]
    svc.scoring.save_rules(replace(svc.scoring.rules(), job_titles=()))
    calls = iter([False, True])
    stopped = svc.scoring.rescore(should_cancel=lambda: next(calls), batch_size=5)
    assert stopped.cancelled and stopped.scored == 5
    scores = _scores(db)
    assert sorted(scores[i][0] for i in ids) == [0] * 5 + [25] * 7
    some = svc.scoring.rescore(ids[5:8])
    assert (some.scored, some.changed) == (3, 3)
    assert svc.scoring.needs_rescore()  # only a full run counts


def test_invalid_rules_are_refused(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    with pytest.raises(ValidationError):
        svc.scoring.save_rules(replace(default_rules(), mql_threshold=-5))
    assert svc.scoring.rules() == default_rules()
