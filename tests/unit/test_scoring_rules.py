"""The scoring rules as plain data: matching, breakdown, validation and the stored form."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.scoring import (
    CompiledRules,
    KeywordRule,
    LeadFacts,
    RecencyBand,
    RuleKind,
    ScoringRules,
    SizeBand,
    default_rules,
    rules_from_dict,
    rules_to_dict,
    score_lead,
    validate_rules,
)

NOW = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)

RULES = ScoringRules(
    job_titles=(
        KeywordRule("Boss", ("ceo", "amministratore delegato", "direttore"), 30),
        KeywordRule("Manager", ("manager", "responsabile"), 10),
        KeywordRule("Junior", ("stagista",), -20),
    ),
    company_sizes=(SizeBand(1, 49, 0), SizeBand(50, 249, 15), SizeBand(250, None, 20)),
    industries=(KeywordRule("Target", ("manifattura", "logistica"), 12),),
    countries=(KeywordRule("Home", ("it", "italia"), 8),),
    points_per_touch=4,
    max_touch_points=10,
    recency=(RecencyBand(30, 6), RecencyBand(7, 11)),
    content_types=(("demo_request", 20), ("whitepaper", 3)),
    mql_threshold=50,
)


def test_every_rule_family_contributes_and_explains_itself() -> None:
    facts = LeadFacts(
        job_title="Direttore Acquisti",
        company_size=120,
        industry="Manifattura",
        country="IT",
        touches=3,
        last_touch_at=NOW - timedelta(days=5),
        content_types=frozenset({"demo_request", "whitepaper", "unknown"}),
    )
    b = score_lead(facts, RULES, NOW)
    points = {(i.kind, i.rule): i.points for i in b.items}
    assert points == {
        (RuleKind.JOB_TITLE, "Boss"): 30,
        (RuleKind.COMPANY_SIZE, "50–249"): 15,
        (RuleKind.INDUSTRY, "Target"): 12,
        (RuleKind.COUNTRY, "Home"): 8,
        (RuleKind.TOUCHES, "touches"): 10,  # 3 × 4 capped at 10
        (RuleKind.RECENCY, "≤ 7"): 11,  # the tightest band that fits, whatever the order typed
        (RuleKind.CONTENT, "demo_request"): 20,
        (RuleKind.CONTENT, "whitepaper"): 3,
    }
    assert b.total == 109 == sum(points.values())
    assert b.fit == 65 and b.engagement == 44
    assert b.hot
    assert CompiledRules(RULES).score(facts, NOW) == b.total


def test_keywords_match_whole_words_ignoring_case_and_accents() -> None:
    compiled = CompiledRules(RULES)
    assert compiled.score(LeadFacts(job_title="AMMINISTRATORE  DELEGATO"), NOW) == 30
    assert compiled.score(LeadFacts(job_title="Sales-Manager"), NOW) == 10
    # "direttore" inside another word does not count, nor does "it" inside "Italia srl"'s words.
    assert compiled.score(LeadFacts(job_title="Vicedirettoressa"), NOW) == 0
    assert compiled.score(LeadFacts(country="Itália"), NOW) == 8
    assert compiled.score(LeadFacts(country="Haiti"), NOW) == 0


def test_first_matching_rule_wins_and_score_never_negative() -> None:
    compiled = CompiledRules(RULES)
    # "Direttore" (Boss) comes before "Manager" in the list.
    assert compiled.score(LeadFacts(job_title="Direttore e Manager"), NOW) == 30
    assert compiled.score(LeadFacts(job_title="Stagista"), NOW) == 0  # -20 clamps at 0
    b = score_lead(LeadFacts(job_title="Stagista"), RULES, NOW)
    assert [i.points for i in b.items] == [-20] and b.total == 0 and not b.hot


def test_old_touches_give_no_recency_and_no_touches_no_engagement() -> None:
    compiled = CompiledRules(RULES)
    assert compiled.score(LeadFacts(touches=1, last_touch_at=NOW - timedelta(days=400)), NOW) == 4
    assert compiled.score(LeadFacts(), NOW) == 0


def test_threshold_is_inclusive() -> None:
    rules = replace(RULES, mql_threshold=30)
    assert score_lead(LeadFacts(job_title="CEO"), rules, NOW).hot
    assert not score_lead(LeadFacts(job_title="Manager"), rules, NOW).hot


def test_stored_form_round_trips_and_defaults_fill_gaps() -> None:
    assert rules_from_dict(rules_to_dict(RULES)) == RULES
    assert rules_from_dict(rules_to_dict(default_rules())) == default_rules()
    assert rules_from_dict(None) == default_rules()
    partial = rules_from_dict({"mql_threshold": 42})
    assert partial.mql_threshold == 42 and partial.job_titles == default_rules().job_titles
    with pytest.raises(ValidationError, match="damaged"):
        rules_from_dict({"job_titles": [{"label": "x"}]})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mql_threshold": -1}, "threshold"),
        ({"job_titles": (KeywordRule("Empty", ("  ",), 5),)}, "no keywords"),
        ({"company_sizes": (SizeBand(100, 10, 5),)}, "not a valid range"),
        ({"content_types": (("webinar", 5), ("webinar", 6))}, "only once"),
        ({"points_per_touch": 5000}, "between"),
    ],
)
def test_validation_explains_what_to_fix(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_rules(replace(RULES, **change))  # type: ignore[arg-type]
    validate_rules(default_rules())
