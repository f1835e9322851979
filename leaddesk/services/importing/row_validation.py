"""The rules a prepared row must pass, and the stage its history implies.

A row needs an email, a phone, or a name with a company (the domain's `missing_identity`); others are
rejected with the reason. When the file gives no stage, the stage follows from the latest history date
present, unless an outcome column says won or lost (a closed date alone cannot say which).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from leaddesk.domain.enums import Stage
from leaddesk.domain.identity import missing_identity

#: History dates and the stage each one means, in funnel order (later wins a tie).
DATE_STAGES: tuple[tuple[str, Stage], ...] = (
    ("mql_at", Stage.MQL),
    ("handed_off_at", Stage.HANDED_OFF),
    ("accepted_at", Stage.ACCEPTED),
    ("rejected_at", Stage.REJECTED),
    ("first_contact_at", Stage.CONTACTED),
    ("closed_at", Stage.LOST),  # or WON: decided by the outcome
)


def identity_problem(profile: Mapping[str, Any]) -> str | None:
    """Why a row cannot become a lead (None if it can)."""
    return missing_identity(
        profile.get("email"),
        profile.get("phone"),
        profile.get("first_name"),
        profile.get("last_name"),
        profile.get("company"),
    )


def infer_stage(
    given: Stage | None,
    history: Mapping[str, Any],
    outcome: Stage | None,
) -> tuple[Stage, str | None]:
    """(stage, warning): the stage given; else won or lost when an outcome says so; else the stage the
    latest history date implies; else new.

    A closed date says won or lost only through the outcome or a lost reason; without either it is
    ignored, with a warning.
    """
    if given is not None:
        return given, None
    if outcome is not None:
        return outcome, None
    warning = None
    latest: tuple[dt.datetime, int, Stage] | None = None
    for order, (name, stage) in enumerate(DATE_STAGES):
        moment = history.get(name)
        if not isinstance(moment, dt.datetime):
            continue
        if name == "closed_at" and not history.get("lost_reason"):
            warning = "a closed date without an outcome (won or lost) or a lost reason was not used"
            continue
        if latest is None or (moment, order) > latest[:2]:
            latest = (moment, order, stage)
    if latest is not None:
        return latest[2], warning
    return Stage.NEW, warning
