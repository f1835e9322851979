"""Saved filters: stored as JSON, personal or shared, round-trip every part of a filter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Role, Stage
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.queries import LeadFilter, filter_from_dict, filter_to_dict
from leaddesk.models.database import Database

FULL = LeadFilter(
    text="rossi",
    stages=frozenset({Stage.NEW, Stage.MQL}),
    campaign_ids=frozenset({3, 1}),
    sales_owner_ids=frozenset({7}),
    marketing_owner_ids=frozenset({2}),
    min_score=40,
    max_score=90,
    created_from=datetime(2026, 1, 1, tzinfo=UTC),
    created_to=datetime(2026, 2, 1, tzinfo=UTC),
)


def test_filter_round_trips_through_json() -> None:
    assert filter_from_dict(filter_to_dict(FULL)) == FULL
    assert filter_to_dict(LeadFilter()) == {}
    assert filter_from_dict({"stages": ["new", "gone"], "zzz": 1}) == LeadFilter(
        stages=frozenset({Stage.NEW})
    )


def test_saved_filters_are_personal_or_shared(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    giulia = svc.team.add_member("Giulia", Role.MARKETING)
    paolo = svc.team.add_member("Paolo", Role.MARKETING)
    svc.saved_filters.save("marketing", "Hot new", FULL, owner_id=giulia.id)
    svc.saved_filters.save("marketing", "Team view", LeadFilter(min_score=70), owner_id=None)
    svc.saved_filters.save("sales", "Other area", LeadFilter(), owner_id=giulia.id)
    mine = svc.saved_filters.list_filters("marketing", giulia.id)
    assert [(f.name, f.shared) for f in mine] == [("Hot new", False), ("Team view", True)]
    assert mine[0].filter == FULL
    assert [f.name for f in svc.saved_filters.list_filters("marketing", paolo.id)] == ["Team view"]
    with pytest.raises(ValidationError, match="already"):
        svc.saved_filters.save("marketing", "hot NEW", LeadFilter(), owner_id=giulia.id)
    with pytest.raises(ValidationError, match="someone else"):
        svc.saved_filters.save("marketing", "Hot new", LeadFilter(), owner_id=paolo.id, replace=True)
    updated = svc.saved_filters.save(
        "marketing", "Hot new", LeadFilter(min_score=1), owner_id=giulia.id, replace=True
    )
    assert updated.id == mine[0].id and updated.filter == LeadFilter(min_score=1)
    renamed = svc.saved_filters.rename(updated.id, "Caldi")
    assert renamed.name == "Caldi"
    svc.saved_filters.delete(renamed.id)
    assert [f.name for f in svc.saved_filters.list_filters("marketing", giulia.id)] == ["Team view"]
    with pytest.raises(ValidationError, match="name"):
        svc.saved_filters.save("marketing", "   ", LeadFilter(), owner_id=None)
