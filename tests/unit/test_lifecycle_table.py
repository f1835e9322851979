"""The transition table: one place, read by the service, the UI and these tests."""

from __future__ import annotations

import pytest

from leaddesk.domain.enums import Stage
from leaddesk.domain.errors import TransitionError
from leaddesk.domain.lifecycle import ACTIONS, allowed_actions, check_transition, path_to


def test_happy_path_reaches_won_through_every_funnel_stage() -> None:
    assert path_to(Stage.WON) == ["qualify", "handoff", "accept", "contact", "opportunity", "win"]


def test_reasons_are_required_for_reject_lose_disqualify() -> None:
    assert {a.name for a in ACTIONS.values() if a.requires_reason} == {"reject", "lose", "disqualify"}
    with pytest.raises(TransitionError, match="reason is required"):
        check_transition(Stage.HANDED_OFF, "reject", "  ")


def test_illegal_move_names_the_allowed_sources() -> None:
    with pytest.raises(
        TransitionError, match=r"Cannot win a lead that is 'new' \(allowed from: opportunity\)"
    ):
        check_transition(Stage.NEW, "win", None)


def test_closed_stages_only_leave_by_recycling() -> None:
    assert [a.name for a in allowed_actions(Stage.WON)] == []
    assert [a.name for a in allowed_actions(Stage.LOST)] == ["recycle"]
    assert {a.name for a in allowed_actions(Stage.REJECTED)} == {"recycle", "disqualify"}


def test_every_stage_is_reachable() -> None:
    reachable = {Stage.NEW} | {a.target for a in ACTIONS.values()}
    assert reachable == set(Stage)
