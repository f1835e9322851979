"""A new lead from a prepared row: its column values, score, history events and keys, ready to insert.

Pure and database-free, so that it runs in the preparation worker processes as well as in the writer:
for a big import the workers build every row's lead and events (on all cores) while the app's process
only decides, per row, whether it is a new lead or a duplicate, and writes. `LeadSpec` is what a worker
needs to know (plain data, sent with each task): the batch, the import's time and campaign, the scoring
rules and the team members by name.

A built row (`BuiltRow`) carries the lead's column values without its id (the writer allocates ids in
file order), its events without the lead id, and the row itself (pickled) for the writer's slow path:
a row that merges into another, a lead that a later row merges into, and a row naming its own campaign
(campaigns are found or created in the database) are handled by the writer from the `PreparedRow`, with
the same `LeadBuilder`, so both paths store the same values. A worker does not build a row whose email
is already a live lead's (`known_emails`): the writer merges it (or builds it, should it be new after all).

On SQLite the values are already in the driver's form (each through its column type's bind processor):
SQLAlchemy's per-row parameter processing would cost the writer more than SQLite's own work.
"""

from __future__ import annotations

import datetime as dt
import functools
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import String, Table
from sqlalchemy.engine import Dialect

from leaddesk.domain.enums import EventKind, Stage
from leaddesk.domain.fields import PROFILE_FIELD_NAMES
from leaddesk.domain.identity import fold
from leaddesk.domain.scoring import CompiledRules, LeadFacts, ScoringRules
from leaddesk.models import Lead, LeadEvent
from leaddesk.services.importing.history_events import Member, new_lead_event, plan_history
from leaddesk.services.importing.prepared_rows import PreparedRow, RowError

_leads: Table = Lead.__table__  # type: ignore[assignment]
_events: Table = LeadEvent.__table__  # type: ignore[assignment]

#: The columns of an inserted lead, in the order of a built row's values (after the id).
LEAD_COLUMNS = (
    "id", *PROFILE_FIELD_NAMES, "name_company_key", "custom_fields", "campaign_id", "score", "stage",
    "marketing_owner_id", "sales_owner_id", "reject_reason", "reject_note", "close_reason", "expected_value",
    "mql_at", "handed_off_at", "accepted_at", "rejected_at", "first_contact_at", "closed_at", "attempts",
    "import_batch_id", "created_at", "updated_at", "updated_by_id", "version",
)  # fmt: skip
EVENT_COLUMNS = (
    "lead_id", "at", "actor_id", "kind", "from_stage", "to_stage", "reason", "details", "import_batch_id",
)  # fmt: skip

#: Text columns' lengths (longer values are cut, with a warning: PostgreSQL would refuse them).
_LENGTHS: dict[str, int] = {
    c.name: c.type.length
    for c in _leads.columns
    if isinstance(c.type, String) and c.type.length and c.name in PROFILE_FIELD_NAMES
}
_SHORTEST = min(_LENGTHS.values())


class RowKeys(NamedTuple):
    """What finds the same person: lower-case email, E.164 phone, normalised name + company."""

    email: str | None
    phone: str | None
    name: str | None


#: `fold` remembers its answers: a list repeats first names and companies over and over.
_fold = functools.lru_cache(maxsize=100_000)(fold)


def fast_name_key(first_name: str | None, last_name: str | None, company: str | None) -> str | None:
    """`identity.name_company_key`, with the folding of each part remembered."""
    if first_name and last_name:
        name = _fold(f"{first_name} {last_name}")
    else:
        name = _fold(first_name or last_name or "")
    if not name:
        return None
    firm = _fold(company) if company else ""
    return f"{name}|{firm}" if firm else None


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def row_keys(profile: Mapping[str, Any]) -> RowKeys:
    email, phone = _s(profile.get("email")), _s(profile.get("phone"))
    return RowKeys(
        email.lower() if email else None,
        phone,
        fast_name_key(
            _s(profile.get("first_name")), _s(profile.get("last_name")), _s(profile.get("company"))
        ),
    )


def json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass(frozen=True, slots=True)
class LeadSpec:
    """What building a new lead needs besides its row; plain data, sent to the worker processes."""

    batch_id: int
    file_name: str
    actor_id: int | None
    now: dt.datetime
    #: The import's campaign (rows naming their own campaign take the writer's slow path).
    campaign_id: int | None
    rules: ScoringRules
    #: Team members as (member_key(name), id, name).
    members: tuple[tuple[str, int, str], ...]
    #: Lead field -> the file's header (for warnings).
    column_of: tuple[tuple[str, str], ...]
    #: The database dialect's name: on SQLite built values are in the driver's form.
    dialect: str
    #: The SQLite file, for the workers' look at the leads it already holds (`known_emails`); else None.
    probe_db: str | None = None


@dataclass(slots=True)
class NewLead:
    """A lead to insert (rows merged into it before the insert change `values`)."""

    row: PreparedRow
    values: dict[str, Any]
    campaigns: list[int]
    touched_at: dt.datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    handoff_event: dict[str, Any] | None = None


class BuiltRow(NamedTuple):
    """A prepared row as the writer takes it (see the module's docstring)."""

    number: int
    keys: tuple[str | None, str | None, str | None]
    #: The lead's values in LEAD_COLUMNS[1:] order, or None: the writer builds it (slow path).
    lead: tuple[Any, ...] | None
    #: Its events' values in EVENT_COLUMNS[1:] order.
    events: tuple[tuple[Any, ...], ...]
    #: Handed off (its SLA clocks are computed at the end).
    handed_off: bool
    #: Warnings the lead's history and cut values gave (when it is inserted as built).
    warnings: tuple[RowError, ...]
    #: The row's own problems (kept whatever the writer does with it).
    errors: tuple[RowError, ...]
    #: The row, pickled (from a worker) or as is.
    source: bytes | PreparedRow


def pack_row(row: PreparedRow) -> bytes:
    return pickle.dumps(
        (row.row_number, row.profile, row.history, row.custom, row.inferred_stage.value, row.errors),
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def source_row(built: BuiltRow) -> PreparedRow:
    source = built.source
    if isinstance(source, PreparedRow):
        return source
    n, p, h, c, s, e = pickle.loads(source)
    return PreparedRow(n, p, h, c, Stage(s), e)


Converter = Callable[[Any], Any]


def _converters(table: Table, columns: Sequence[str], dialect: Dialect | None) -> list[tuple[int, Converter]]:
    if dialect is None:
        return []
    out = []
    for index, name in enumerate(columns):
        convert = table.c[name].type._cached_bind_processor(dialect)
        if convert is not None:
            out.append((index, convert))
    return out


@functools.lru_cache(maxsize=4)
def _sqlite_dialect() -> Dialect:
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()  # type: ignore[no-any-return]


class RowConverter:
    """Values in a fixed column order to the driver's form (SQLite), remembering repeated objects."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect | None) -> None:
        self._steps = _converters(table, columns, dialect)
        self._last: dict[int, tuple[Any, Any]] = {}

    def __call__(self, values: Sequence[Any]) -> tuple[Any, ...]:
        if not self._steps:
            return tuple(values)
        out = list(values)
        last = self._last
        for index, convert in self._steps:
            value = out[index]
            if value is None:
                continue
            seen = last.get(index)
            if seen is not None and seen[0] is value:
                out[index] = seen[1]
                continue
            converted = convert(value)
            last[index] = (value, converted)
            out[index] = converted
        return tuple(out)


class LeadBuilder:
    """Builds new leads under one `LeadSpec` (in the writer and in the worker processes alike)."""

    def __init__(self, spec: LeadSpec, dialect: Dialect | None = None) -> None:
        self.spec = spec
        self.members = {key: Member(member_id, name) for key, member_id, name in spec.members}
        self._column_of = dict(spec.column_of)
        self.rules = CompiledRules(spec.rules)
        if dialect is None and spec.dialect == "sqlite":
            dialect = _sqlite_dialect()
        if dialect is not None and dialect.name != "sqlite":
            dialect = None  # other drivers take the Python values (and a Core insert)
        self._lead_values = RowConverter(_leads, LEAD_COLUMNS[1:], dialect)
        self._event_values = RowConverter(_events, EVENT_COLUMNS[1:], dialect)

    def column(self, name: str) -> str:
        return self._column_of.get(name, name)

    def clean_profile(self, row: PreparedRow, warnings: list[RowError]) -> dict[str, Any]:
        profile = dict(row.profile)
        for name, value in profile.items():
            if value.__class__ is not str or len(value) <= _SHORTEST:  # type: ignore[arg-type]
                continue
            limit = _LENGTHS.get(name)
            if limit is not None and len(value) > limit:  # type: ignore[arg-type]
                profile[name] = value[:limit]  # type: ignore[index]
                warnings.append(
                    RowError(row.row_number, self.column(name), f"Cut to its first {limit} characters.")
                )
        return profile

    def new_lead(
        self, row: PreparedRow, name_key: str | None, campaign: int | None, warnings: list[RowError]
    ) -> NewLead:
        spec = self.spec
        plan = plan_history(row.history, row.inferred_stage, spec.now, self.members, self.column)
        for column, message in plan.warnings:
            warnings.append(RowError(row.row_number, column, message))
        profile = self.clean_profile(row, warnings)
        values: dict[str, Any] = dict.fromkeys(LEAD_COLUMNS)
        values.update(profile)
        values["consent"] = bool(profile.get("consent"))
        values["name_company_key"] = name_key
        values["custom_fields"] = dict(row.custom)
        values.update(
            campaign_id=campaign,
            stage=plan.stage.value,
            marketing_owner_id=plan.marketing_owner.id if plan.marketing_owner else None,
            sales_owner_id=plan.sales_owner.id if plan.sales_owner else None,
            reject_reason=plan.reject_reason,
            reject_note=plan.reject_note,
            close_reason=plan.close_reason,
            expected_value=plan.expected_value,
            attempts=0,
            import_batch_id=spec.batch_id,
            created_at=plan.created_at,
            updated_at=spec.now,
            updated_by_id=spec.actor_id,
            version=1,
            **plan.stamps,
        )
        details = {"file": spec.file_name, "row": row.row_number}
        first = new_lead_event(plan.created_at, details)
        lead = NewLead(row, values, [campaign] if campaign is not None else [], plan.created_at)
        lead.events.append(self.event_row(0, first.kind, first.at, None, first.to_stage, None, first.details))
        for planned in plan.events:
            event = self.event_row(
                0,
                planned.kind,
                planned.at,
                planned.from_stage,
                planned.to_stage,
                planned.reason,
                planned.details,
            )
            if planned.kind is EventKind.HANDED_OFF:
                lead.handoff_event = event
            lead.events.append(event)
        return lead

    def event_row(
        self,
        lead_id: int,
        kind: EventKind,
        at: dt.datetime,
        from_stage: Stage | None,
        to_stage: Stage | None,
        reason: str | None,
        details: Mapping[str, Any],
    ) -> dict[str, Any]:
        return {
            "lead_id": lead_id,
            "at": at,
            "actor_id": self.spec.actor_id,
            "kind": kind.value,
            "from_stage": from_stage.value if from_stage is not None else None,
            "to_stage": to_stage.value if to_stage is not None else None,
            "reason": reason,
            "details": {k: json_safe(v) for k, v in details.items() if v is not None},
            "import_batch_id": self.spec.batch_id,
        }

    def score(self, lead: NewLead) -> int:
        """The new lead's score (its touches are its campaigns, at its creation time); the handoff event
        records it, as the lifecycle service does (the score at handoff picks the SLA priority rule)."""
        values = lead.values
        n_touches = len(lead.campaigns)
        facts = LeadFacts(
            values["job_title"],
            values["company_size"],
            values["industry"],
            values["country"],
            n_touches,
            lead.touched_at if n_touches else None,
        )
        score = values["score"] = self.rules.score(facts, self.spec.now)
        if lead.handoff_event is not None:
            lead.handoff_event["details"]["score"] = score
        return score

    def lead_values(self, lead: NewLead) -> tuple[Any, ...]:
        """LEAD_COLUMNS[1:] values of a scored lead, in the driver's form."""
        values = lead.values
        return self._lead_values([values[k] for k in LEAD_COLUMNS[1:]])

    def event_values(self, event: Mapping[str, Any]) -> tuple[Any, ...]:
        """EVENT_COLUMNS[1:] values of an event, in the driver's form."""
        return self._event_values([event[k] for k in EVENT_COLUMNS[1:]])

    def build(
        self, row: PreparedRow, packed: bool, keys: RowKeys | None = None, *, merges: bool = False
    ) -> BuiltRow:
        """The row as a new lead of the import's campaign (or for the writer's slow path). `merges`: the
        row's email is a live lead's (`known_emails`), so it is not built."""
        source: bytes | PreparedRow = pack_row(row) if packed else row
        keys = keys or row_keys(row.profile)
        campaign = row.history.get("campaign")
        if merges or (isinstance(campaign, str) and campaign.strip()):
            # A duplicate, or the campaign is found or created by name in the database: the writer builds
            # this one if it is a new lead.
            return BuiltRow(row.row_number, keys, None, (), False, (), row.errors, source)
        warnings: list[RowError] = []
        lead = self.new_lead(row, keys.name, self.spec.campaign_id, warnings)
        self.score(lead)
        events = tuple(self.event_values(e) for e in lead.events)
        return BuiltRow(
            row.row_number,
            keys,
            self.lead_values(lead),
            events,
            lead.values["handed_off_at"] is not None,
            tuple(warnings),
            row.errors,
            source,
        )


_builders: dict[LeadSpec, LeadBuilder] = {}


def builder_for(spec: LeadSpec) -> LeadBuilder:
    """One builder per spec in a worker process (the spec comes with every task)."""
    found = _builders.get(spec)
    if found is None:
        _builders.clear()
        found = _builders[spec] = LeadBuilder(spec)
    return found
