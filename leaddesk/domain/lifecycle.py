"""The lead lifecycle as one transition table.

The UI (which buttons are enabled), the docs (`leaddesk lifecycle`) and the tests all read `ACTIONS`; the
lifecycle service is the only code that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from leaddesk.domain.enums import EventKind, Stage
from leaddesk.domain.errors import TransitionError


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    sources: frozenset[Stage]
    target: Stage
    event: EventKind
    requires_reason: bool = False
    #: The denormalised `Lead` timestamp column this action stamps (None: stamps nothing).
    stamps: str | None = None
    #: Timestamp columns cleared when the lead re-enters the funnel (recycling).
    clears: tuple[str, ...] = ()


def _action(
    name: str,
    sources: set[Stage],
    target: Stage,
    event: EventKind,
    *,
    reason: bool = False,
    stamps: str | None = None,
    clears: tuple[str, ...] = (),
) -> Action:
    return Action(name, frozenset(sources), target, event, reason, stamps, clears)


#: Columns that describe one pass through sales; recycling a lead starts a fresh pass.
PASS_COLUMNS = ("handed_off_at", "accepted_at", "rejected_at", "first_contact_at", "closed_at")

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _action("qualify", {Stage.NEW}, Stage.MQL, EventKind.QUALIFIED, stamps="mql_at"),
        _action("handoff", {Stage.MQL}, Stage.HANDED_OFF, EventKind.HANDED_OFF, stamps="handed_off_at"),
        _action("accept", {Stage.HANDED_OFF}, Stage.ACCEPTED, EventKind.ACCEPTED, stamps="accepted_at"),
        _action(
            "reject",
            {Stage.HANDED_OFF},
            Stage.REJECTED,
            EventKind.REJECTED,
            reason=True,
            stamps="rejected_at",
        ),
        _action("contact", {Stage.ACCEPTED}, Stage.CONTACTED, EventKind.CONTACTED, stamps="first_contact_at"),
        _action("opportunity", {Stage.CONTACTED}, Stage.OPPORTUNITY, EventKind.OPPORTUNITY),
        _action("win", {Stage.OPPORTUNITY}, Stage.WON, EventKind.WON, stamps="closed_at"),
        _action(
            "lose",
            {Stage.ACCEPTED, Stage.CONTACTED, Stage.OPPORTUNITY},
            Stage.LOST,
            EventKind.LOST,
            reason=True,
            stamps="closed_at",
        ),
        _action(
            "recycle",
            {Stage.REJECTED, Stage.LOST},
            Stage.NEW,
            EventKind.RECYCLED,
            clears=("mql_at", *PASS_COLUMNS),
        ),
        _action(
            "disqualify",
            {Stage.NEW, Stage.MQL, Stage.REJECTED},
            Stage.DISQUALIFIED,
            EventKind.DISQUALIFIED,
            reason=True,
            stamps="closed_at",
        ),
    )
}

#: Every timestamp column an action may stamp, in funnel order.
STAMPED_COLUMNS = ("mql_at", *PASS_COLUMNS)


def action(name: str) -> Action:
    try:
        return ACTIONS[name]
    except KeyError:
        raise TransitionError(f"Unknown lifecycle action '{name}'.") from None


def allowed_actions(stage: Stage) -> list[Action]:
    """The actions a lead in `stage` can take, in table order."""
    return [a for a in ACTIONS.values() if stage in a.sources]


def check_transition(stage: Stage, name: str, reason: str | None) -> Action:
    """Return the action if it may be applied to a lead in `stage`; raise `TransitionError` otherwise."""
    act = action(name)
    if stage not in act.sources:
        sources = ", ".join(sorted(s.value for s in act.sources))
        raise TransitionError(f"Cannot {act.name} a lead that is '{stage.value}' (allowed from: {sources}).")
    if act.requires_reason and not (reason and reason.strip()):
        raise TransitionError(f"A reason is required to {act.name} a lead.")
    return act


def path_to(target: Stage) -> list[str]:
    """The shortest chain of actions from `new` to `target` (used by history imports and the demo)."""
    from collections import deque

    queue: deque[tuple[Stage, list[str]]] = deque([(Stage.NEW, [])])
    seen = {Stage.NEW}
    while queue:
        stage, path = queue.popleft()
        if stage == target:
            return path
        for act in allowed_actions(stage):
            if act.target not in seen and act.name != "recycle":
                seen.add(act.target)
                queue.append((act.target, [*path, act.name]))
    raise TransitionError(f"No path from 'new' to '{target.value}'.")
