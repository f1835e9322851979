"""From a row's history columns to the lifecycle events, stamps and fields of an imported lead.

Pure and database-free. The rules (the writer applies the result as it is):

- The path is the chain of lifecycle actions from `new` to the row's stage (`PreparedRow.inferred_stage`:
  the stage the file gives, else the one its latest history date implies). Optional steps follow the
  dates present: a lost lead goes through `contact` when it has a first-contact date (or a value), through
  `opportunity` when it has a value; a disqualified lead goes through handoff and rejection when it has a
  rejection date, through `qualify` when it has an MQL or handoff date. Every step is checked against
  `domain.lifecycle.ACTIONS`, so the history can only hold moves the app itself allows.
- Each step takes its own date (qualify: MQL at, handoff: handed off at, accept: accepted at, reject:
  rejected at, contact: first contact at, win/lose/disqualify: closed at; opportunity has none). A step
  without a date takes the next known date of the path; after the last known date, the last known one
  (or the created date); with no date at all, the import's time. Dates out of order are moved forward
  to the previous step's (with a warning). A date the path does not use (a handoff date on a lead whose
  stage is `mql`) is left out, with a warning.
- The created date is the file's, else the first step's, else the import's time; never later than the
  first step.
- The stamps (`mql_at` … `closed_at`) equal the times of their events, as the lifecycle service writes them.
- Owners are matched to team members by name (case, accents and spacing ignored). An unknown name is a row
  warning, not a failure, and no member is created (a typo would otherwise make a ghost colleague): the lead
  keeps no owner; add the member under Settings → Team and import again.
- Reasons: a rejection reason is matched to the return-reason codes (English or Italian words), else
  `other` with the file's words as the note; a lost reason is matched to the lost-reason codes, else kept
  as written; a missing reason is `other`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from leaddesk.domain.enums import EventKind, LostReason, RejectReason, Stage
from leaddesk.domain.identity import fold
from leaddesk.domain.lifecycle import ACTIONS, check_transition

#: The history column each lifecycle step takes its date from (None: the step has no date of its own).
STEP_DATES: dict[str, str | None] = {
    "qualify": "mql_at",
    "handoff": "handed_off_at",
    "accept": "accepted_at",
    "reject": "rejected_at",
    "contact": "first_contact_at",
    "opportunity": None,
    "win": "closed_at",
    "lose": "closed_at",
    "disqualify": "closed_at",
}
DATE_FIELDS = (
    "created_at",
    "mql_at",
    "handed_off_at",
    "accepted_at",
    "rejected_at",
    "first_contact_at",
    "closed_at",
)

_REJECT_WORDS: dict[str, RejectReason] = {
    **{fold(w): RejectReason.NOT_IN_TARGET for w in (
        "not in target", "not_in_target", "out of target", "fuori target", "non in target", "non target",
        "target errato",
    )},
    **{fold(w): RejectReason.BAD_DATA for w in (
        "bad data", "bad_data", "wrong data", "incomplete data", "dati errati", "dati sbagliati",
        "dati incompleti", "dati mancanti",
    )},
    **{fold(w): RejectReason.DUPLICATE for w in ("duplicate", "duplicato", "doppione", "doppio")},
    **{fold(w): RejectReason.WRONG_PERSON for w in (
        "wrong person", "wrong_person", "persona sbagliata", "referente sbagliato", "contatto sbagliato",
    )},
    **{fold(w): RejectReason.OTHER for w in ("other", "altro")},
}  # fmt: skip

_LOST_WORDS: dict[str, LostReason] = {
    **{fold(w): LostReason.PRICE for w in ("price", "prezzo", "prezzo alto", "troppo caro", "costo")},
    **{fold(w): LostReason.COMPETITOR for w in ("competitor", "concorrente", "concorrenza")},
    **{fold(w): LostReason.NO_BUDGET for w in ("no budget", "no_budget", "budget", "senza budget")},
    **{fold(w): LostReason.NO_NEED for w in ("no need", "no_need", "nessuna necessita", "non interessato")},
    **{fold(w): LostReason.TIMING for w in ("timing", "tempi", "tempistica", "rimandato")},
    **{fold(w): LostReason.UNREACHABLE for w in ("unreachable", "irraggiungibile", "non raggiungibile")},
    **{fold(w): LostReason.OTHER for w in ("other", "altro")},
}  # fmt: skip


#: History fields that say nothing about a new lead's lifecycle.
_QUIET = frozenset({"campaign", "stage"})


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    name: str


def member_key(name: str) -> str:
    """How owner names are compared: case, accents and spacing ignored."""
    return fold(name)


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    kind: EventKind
    at: dt.datetime
    from_stage: Stage | None
    to_stage: Stage | None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HistoryPlan:
    """What the writer stores for a new lead: its creation time, stage, stamps, fields and events."""

    created_at: dt.datetime
    stage: Stage
    #: Lead columns (`mql_at` … `closed_at`) and their values: the times of their events.
    stamps: dict[str, dt.datetime]
    #: The lifecycle moves after creation, in order (the creation event is the writer's).
    events: tuple[PlannedEvent, ...]
    sales_owner: Member | None = None
    marketing_owner: Member | None = None
    reject_reason: str | None = None
    reject_note: str | None = None
    close_reason: str | None = None
    expected_value: Decimal | None = None
    #: (field, message) for problems that did not stop the row.
    warnings: tuple[tuple[str, str], ...] = ()


def _path(stage: Stage, history: Mapping[str, Any]) -> list[str]:
    base = ["qualify", "handoff", "accept"]
    if stage is Stage.NEW:
        return []
    if stage is Stage.MQL:
        return ["qualify"]
    if stage is Stage.HANDED_OFF:
        return ["qualify", "handoff"]
    if stage is Stage.ACCEPTED:
        return base
    if stage is Stage.REJECTED:
        return ["qualify", "handoff", "reject"]
    if stage is Stage.CONTACTED:
        return [*base, "contact"]
    if stage is Stage.OPPORTUNITY:
        return [*base, "contact", "opportunity"]
    if stage is Stage.WON:
        return [*base, "contact", "opportunity", "win"]
    if stage is Stage.LOST:
        value = history.get("value") is not None
        contact = value or isinstance(history.get("first_contact_at"), dt.datetime)
        return [*base, *(["contact"] if contact else []), *(["opportunity"] if value else []), "lose"]
    # Disqualified: from new, from mql, or after a rejection.
    if isinstance(history.get("rejected_at"), dt.datetime):
        return ["qualify", "handoff", "reject", "disqualify"]
    if any(isinstance(history.get(k), dt.datetime) for k in ("mql_at", "handed_off_at")):
        return ["qualify", "disqualify"]
    return ["disqualify"]


def reject_code(text: str | None) -> tuple[str, str | None]:
    """(return-reason code, note): a known reason's code, else `other` with the words as the note."""
    if not text or not text.strip():
        return RejectReason.OTHER.value, None
    code = _REJECT_WORDS.get(fold(text))
    return (code.value, None) if code is not None else (RejectReason.OTHER.value, text.strip())


def lost_reason(text: str | None) -> str:
    """A known lost reason's code, else the words as written (at most 200 characters); `other` if none."""
    if not text or not text.strip():
        return LostReason.OTHER.value
    code = _LOST_WORDS.get(fold(text))
    return code.value if code is not None else " ".join(text.split())[:200]


def plan_history(
    history: Mapping[str, Any],
    stage: Stage,
    now: dt.datetime,
    members: Mapping[str, Member],
    column_of: Callable[[str], str] = lambda name: name,
) -> HistoryPlan:
    """The events, stamps and fields of a new lead whose row carries `history` and implies `stage`.

    `members`: team members by `member_key(name)`. `column_of(field)`: the file's header for a field,
    for the warnings.
    """
    if stage is Stage.NEW and not history.keys() - _QUIET:
        # The common case of a plain list: nothing but a campaign (or not even that).
        return HistoryPlan(created_at=now, stage=stage, stamps={}, events=())
    warnings: list[tuple[str, str]] = []
    steps = _path(stage, history)
    used = {STEP_DATES[s] for s in steps} - {None}
    for name in DATE_FIELDS[1:]:
        if name not in used and isinstance(history.get(name), dt.datetime):
            warnings.append(
                (column_of(name), f"{column_of(name)} was not used: the lead's stage is {stage.value}.")
            )

    given_created = history.get("created_at")
    created_known = given_created if isinstance(given_created, dt.datetime) else None
    own: list[dt.datetime | None] = []
    for step in steps:
        date_field = STEP_DATES[step]
        value = history.get(date_field) if date_field else None
        own.append(value if isinstance(value, dt.datetime) else None)

    times: list[dt.datetime] = []
    previous: dt.datetime | None = created_known
    moved = False
    for i, value in enumerate(own):
        when = value
        if when is None:
            when = next((v for v in own[i + 1 :] if v is not None), None)
        if when is None:
            when = previous if previous is not None else now
        if times and when < times[-1]:
            when = times[-1]
            moved = moved or value is not None
        times.append(when)
        previous = when
    if moved:
        warnings.append(
            ("", "Some history dates were out of order; they were moved to the previous step's date.")
        )

    if created_known is not None:
        created = created_known
        if times and created > times[0]:
            created = times[0]
            warnings.append(
                (
                    column_of("created_at"),
                    f"{column_of('created_at')} is after the first step; the lead counts as created then.",
                )
            )
    else:
        created = times[0] if times else now

    sales_owner = _member(history, "sales_owner", members, column_of, warnings)
    marketing_owner = _member(history, "marketing_owner", members, column_of, warnings)
    value = history.get("value")
    expected_value = value if isinstance(value, Decimal) else None

    stamps: dict[str, dt.datetime] = {}
    events: list[PlannedEvent] = []
    current = Stage.NEW
    reject_reason = reject_note = close_reason = None
    for step, when in zip(steps, times, strict=True):
        reason: str | None = None
        details: dict[str, Any] = {"imported": True}
        if step == "reject":
            reject_reason, reject_note = reject_code(_text(history.get("reject_reason")))
            reason = reject_reason
            if reject_note:
                details["note"] = reject_note
        elif step == "lose":
            close_reason = lost_reason(_text(history.get("lost_reason")))
            reason = close_reason
        elif step == "disqualify":
            words = _text(history.get("lost_reason")) or _text(history.get("reject_reason"))
            close_reason = " ".join(words.split())[:200] if words else LostReason.OTHER.value
            reason = close_reason
        elif step == "handoff":
            if sales_owner is not None:
                details.update(sales_owner_id=sales_owner.id, sales_owner=sales_owner.name)
        elif step == "opportunity":
            if expected_value is not None:
                details["expected_value"] = str(expected_value)
        elif step == "win" and expected_value is not None:
            details["value"] = str(expected_value)
        act = check_transition(current, step, reason)
        if act.stamps:
            stamps[act.stamps] = when
        events.append(PlannedEvent(act.event, when, current, act.target, reason, details))
        current = act.target
    if current is not stage:  # pragma: no cover - _path always ends at the stage
        raise AssertionError(f"history path ended at {current}, not {stage}")
    return HistoryPlan(
        created_at=created,
        stage=stage,
        stamps=stamps,
        events=tuple(events),
        sales_owner=sales_owner if any(s == "handoff" for s in steps) else None,
        marketing_owner=marketing_owner,
        reject_reason=reject_reason,
        reject_note=reject_note,
        close_reason=close_reason,
        expected_value=expected_value,
        warnings=tuple(warnings),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _member(
    history: Mapping[str, Any],
    name: str,
    members: Mapping[str, Member],
    column_of: Callable[[str], str],
    warnings: list[tuple[str, str]],
) -> Member | None:
    text = _text(history.get(name))
    if text is None:
        return None
    found = members.get(member_key(text))
    if found is None:
        column = column_of(name)
        warnings.append(
            (
                column,
                f"{text!r} is not a team member: the lead was imported without this owner "
                "(add the member under Settings → Team and import again to keep it).",
            )
        )
    return found


def new_lead_event(created_at: dt.datetime, details: Mapping[str, Any]) -> PlannedEvent:
    """The first event of an imported lead."""
    return PlannedEvent(EventKind.IMPORTED, created_at, None, Stage.NEW, None, dict(details))


__all__ = [
    "ACTIONS",
    "DATE_FIELDS",
    "STEP_DATES",
    "HistoryPlan",
    "Member",
    "PlannedEvent",
    "lost_reason",
    "member_key",
    "new_lead_event",
    "plan_history",
    "reject_code",
]
