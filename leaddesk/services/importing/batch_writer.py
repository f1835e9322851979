"""Writing prepared rows into the database: new leads, merges into duplicates, history, touches.

One `BatchWriter` lives inside the import's one transaction and is fed `PreparedChunk`s in file order.
Per chunk it runs a handful of statements, whatever the chunk's size: the duplicate lookups (the
colleague's `find_match_details`, batched IN lists on the indexes), one SELECT of the matched leads and
their touches, then SQLAlchemy Core bulk inserts (executemany) of the leads, their events and touches,
and one executemany UPDATE of the merged leads. No ORM object is made per row.

Lead ids are allocated up front so that events and touches can be written without reading ids back: on
SQLite the transaction holds the write lock (BEGIN IMMEDIATE), so the ids above the current maximum are
ours; on PostgreSQL they come from the table's sequence (`nextval`, one round trip per chunk).

Duplicates (see `leaddesk.services.importing.import_service` for the rules) are matched against the
database — which already holds the leads this import created from earlier chunks, in the same
transaction — and against earlier rows of the same chunk. A row merges into the first lead it matches by
email, else phone, else name + company.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, String, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from leaddesk.domain.enums import DuplicatePolicy, EventKind, Stage
from leaddesk.domain.fields import PROFILE_FIELD_NAMES
from leaddesk.domain.identity import fold, name_company_key
from leaddesk.domain.scoring import SETTING_KEY, CompiledRules, LeadFacts, rules_from_dict
from leaddesk.models import CampaignTouch, ImportBatchChange, Lead, LeadEvent, TeamMember
from leaddesk.models.search import SQLITE_FILL
from leaddesk.services.campaign_service import find_or_create_campaign
from leaddesk.services.duplicate_service import MatchedBy
from leaddesk.services.importing.history_events import Member, member_key, new_lead_event, plan_history
from leaddesk.services.importing.prepared_rows import PreparedChunk, PreparedRow, RowError
from leaddesk.services.settings_service import read_setting

_leads: Table = Lead.__table__  # type: ignore[assignment]
_events: Table = LeadEvent.__table__  # type: ignore[assignment]
_touches: Table = CampaignTouch.__table__  # type: ignore[assignment]
_changes: Table = ImportBatchChange.__table__  # type: ignore[assignment]

#: Ids per IN (...) list.
IN_CHUNK = 900
#: SQLite page cache of the importing connection (KiB, as `PRAGMA cache_size` takes a negative number):
#: a million-lead table has some twenty indexes, and inserts land all over them.
IMPORT_CACHE_KIB = 131_072
_SEARCH_TRIGGER = "leads_fts_ai"
#: History fields whose presence on a duplicate row earns a warning (they are not replayed on it).
_HISTORY_ON_DUPLICATE = (
    "stage", "created_at", "mql_at", "handed_off_at", "accepted_at", "rejected_at", "first_contact_at",
    "closed_at", "sales_owner", "marketing_owner", "outcome", "lost_reason", "reject_reason", "value",
)  # fmt: skip
#: Columns a merge may change on an existing lead.
MERGE_COLUMNS = (*PROFILE_FIELD_NAMES, "campaign_id")
_LOAD_COLUMNS = ("id", "version", *MERGE_COLUMNS, "custom_fields")

#: Text columns' lengths (longer values are cut, with a warning: PostgreSQL would refuse them).
_LENGTHS: dict[str, int] = {
    c.name: c.type.length
    for c in _leads.columns
    if isinstance(c.type, String) and c.type.length and c.name in PROFILE_FIELD_NAMES
}

_SHORTEST = min(_LENGTHS.values())

_LEAD_KEYS = (
    "id", *PROFILE_FIELD_NAMES, "name_company_key", "custom_fields", "campaign_id", "score", "stage",
    "marketing_owner_id", "sales_owner_id", "reject_reason", "reject_note", "close_reason", "expected_value",
    "mql_at", "handed_off_at", "accepted_at", "rejected_at", "first_contact_at", "closed_at", "attempts",
    "import_batch_id", "created_at", "updated_at", "updated_by_id", "version",
)  # fmt: skip
_STAMPS = ("mql_at", "handed_off_at", "accepted_at", "rejected_at", "first_contact_at", "closed_at")

UPDATE_MERGED = (
    update(_leads)
    .where(_leads.c.id == bindparam("b_id"))
    .values(
        **{name: bindparam(f"b_{name}") for name in MERGE_COLUMNS},
        name_company_key=bindparam("b_name_company_key"),
        custom_fields=bindparam("b_custom_fields", type_=_leads.c.custom_fields.type),
        updated_at=bindparam("b_updated_at", type_=_leads.c.updated_at.type),
        updated_by_id=bindparam("b_updated_by_id"),
        version=_leads.c.version + 1,
    )
)


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


def row_keys(profile: Mapping[str, Any]) -> RowKeys:
    email, phone = _s(profile.get("email")), _s(profile.get("phone"))
    return RowKeys(
        email.lower() if email else None,
        phone,
        fast_name_key(
            _s(profile.get("first_name")), _s(profile.get("last_name")), _s(profile.get("company"))
        ),
    )


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT many rows (all with the same keys) in one executemany.

    On SQLite the rows go to the driver as tuples, each value through its column type's own bind
    processor (skipped for None, and reused while a column repeats the same object): SQLAlchemy's
    per-row parameter building costs more than SQLite's own work here. Elsewhere: a Core insert.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), list(rows))
        return
    keys = list(rows[0])
    converters = [table.c[k].type._cached_bind_processor(conn.dialect) for k in keys]
    values = [[row[k] for row in rows] for k in keys]
    for index, convert in enumerate(converters):
        if convert is None:
            continue
        column = values[index]
        last_in: Any = object()
        last_out: Any = None
        for i, value in enumerate(column):
            if value is None:
                continue
            if value is not last_in:
                last_in, last_out = value, convert(value)
            column[i] = last_out
    sql = f"INSERT INTO {table.name} ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
    conn.exec_driver_sql(sql, list(zip(*values, strict=True)))


#: Values per IN (...) list of the duplicate lookups.
LOOKUP_CHUNK = 2000


def _lookup(conn: Connection, column: Any, values: set[str]) -> dict[str, int]:
    """value -> lowest id of a live, not erased lead having it.

    The query names only the indexed expression: SQLite without ANALYZE statistics would otherwise pick
    the `deleted_at` index for a `deleted_at IS NULL` term and scan every live lead per list (the
    trash and erasure are filtered here, on the few rows found).
    """
    found: dict[str, int] = {}
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        part = ordered[start : start + LOOKUP_CHUNK]
        stmt = select(column, _leads.c.id, _leads.c.deleted_at, _leads.c.erased_at).where(column.in_(part))
        for value, lead_id, deleted_at, erased_at in conn.execute(stmt):
            if value is None or deleted_at is not None or erased_at is not None:
                continue
            known = found.get(value)
            if known is None or lead_id < known:
                found[value] = lead_id
    return found


def find_existing(conn: Connection, keys: Sequence[RowKeys]) -> dict[int, tuple[int, MatchedBy]]:
    """row index -> (id of the live lead it duplicates, matched by): email first, then phone, then name +
    company — the rules of `duplicate_service.find_match_details`, in a handful of indexed queries."""
    emails = _lookup(conn, func.lower(_leads.c.email), {k.email for k in keys if k.email})
    phones = _lookup(conn, _leads.c.phone, {k.phone for k in keys if k.phone})
    names = _lookup(conn, _leads.c.name_company_key, {k.name for k in keys if k.name})
    matches: dict[int, tuple[int, MatchedBy]] = {}
    for index, (email, phone, name) in enumerate(keys):
        if email and email in emails:
            matches[index] = (emails[email], MatchedBy.EMAIL)
        elif phone and phone in phones:
            matches[index] = (phones[phone], MatchedBy.PHONE)
        elif name and name in names:
            matches[index] = (names[name], MatchedBy.NAME_COMPANY)
    return matches


def json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False


@dataclass(slots=True)
class _NewLead:
    """A lead this chunk will insert (rows merged into it before the insert change `values`)."""

    row: PreparedRow
    values: dict[str, Any]
    campaigns: list[int]
    touched_at: dt.datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    handoff_event: dict[str, Any] | None = None


@dataclass(slots=True)
class _Existing:
    """A lead already in the database (before this chunk) that rows of this chunk merge into."""

    values: dict[str, Any]
    created_here: bool
    changed: bool = False


@dataclass(slots=True)
class WriterCounts:
    created: int = 0
    updated: int = 0
    duplicates: int = 0


@dataclass(frozen=True, slots=True)
class WriterSetup:
    batch_id: int
    file_name: str
    policy: DuplicatePolicy
    campaign_id: int | None
    actor_id: int | None
    now: dt.datetime


class BatchWriter:
    """Writes an import's chunks inside one transaction; `finish()` writes what spans chunks."""

    def __init__(self, session: Session, setup: WriterSetup, column_of: Mapping[str, str]) -> None:
        self._session = session
        self._conn: Connection = session.connection()
        self._setup = setup
        self._column_of = dict(column_of)
        self._dialect = self._conn.dialect.name
        self.counts = WriterCounts()
        #: Warnings the writer adds to rows (unknown owners, history on duplicates, cut values).
        self.warnings: list[RowError] = []
        self._members = {
            member_key(name): Member(member_id, name)
            for member_id, name in session.execute(select(TeamMember.id, TeamMember.name))
        }
        self._campaigns: dict[str, int] = {}
        self._rules = CompiledRules(rules_from_dict(read_setting(session, SETTING_KEY)))
        self._next_id: int | None = None
        #: Ids of the leads this import created (a later row may merge into one of them).
        self._created: set[int] = set()
        #: Before-images of pre-existing leads this import changed: lead id -> {field: old, "_after": …}.
        self._before: dict[int, dict[str, Any]] = {}
        #: Leads whose touches or fields changed (re-scored at the end) and new leads handed off (SLA).
        self.rescore_ids: set[int] = set()
        self.sla_ids: list[int] = []
        self._counted: set[int] = set()
        self._search_trigger: str | None = None
        self._cache_size: int | None = None

    def open(self) -> None:
        """SQLite: a larger page cache for this connection, and the search index filled in bulk.

        The full-text index is kept by a trigger per inserted lead; for an import the writer drops that
        trigger inside the transaction, adds each chunk's leads to the index with one INSERT … SELECT
        (several times cheaper than the trigger's row-by-row inserts), and recreates the trigger at the
        end — all in the same transaction, so a rollback restores it as it was.
        """
        if self._dialect != "sqlite":
            return
        self._cache_size = int(self._conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        self._conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        self._search_trigger = self._conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": _SEARCH_TRIGGER},
        ).scalar_one_or_none()
        if self._search_trigger is not None:
            self._conn.exec_driver_sql(f"DROP TRIGGER {_SEARCH_TRIGGER}")

    def close(self) -> None:
        """Put the page cache back (the connection returns to the pool, possibly after a rollback)."""
        if self._cache_size is not None:
            self._conn.exec_driver_sql(f"PRAGMA cache_size = {self._cache_size}")
            self._cache_size = None

    # --- lookups -------------------------------------------------------------------------------------

    def _column(self, name: str) -> str:
        return self._column_of.get(name, name)

    def _campaign_for(self, row: PreparedRow) -> int | None:
        name = row.history.get("campaign")
        if not isinstance(name, str) or not name.strip():
            return self._setup.campaign_id
        key = " ".join(name.split()).casefold()
        found = self._campaigns.get(key)
        if found is None:
            found = self._campaigns[key] = find_or_create_campaign(
                self._session, name[:200], lambda: self._setup.now
            )
        return found

    def _allocate(self, n: int) -> list[int]:
        if n == 0:
            return []
        if self._dialect == "postgresql":
            rows = self._conn.execute(
                text("SELECT nextval(pg_get_serial_sequence('leads', 'id')) FROM generate_series(1, :n)"),
                {"n": n},
            )
            return [int(r[0]) for r in rows]
        if self._next_id is None:
            # The transaction holds SQLite's write lock: nobody else can take these ids meanwhile.
            self._next_id = int(
                self._conn.execute(select(func.coalesce(func.max(_leads.c.id), 0))).scalar_one()
            )
        start = self._next_id + 1
        self._next_id += n
        return list(range(start, start + n))

    # --- one chunk -----------------------------------------------------------------------------------

    def write(self, chunk: PreparedChunk) -> None:
        rows = chunk.rows
        if not rows:
            return
        keys = [row_keys(r.profile) for r in rows]
        db_matches = find_existing(self._conn, keys)
        maps: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        kinds = (MatchedBy.EMAIL, MatchedBy.PHONE, MatchedBy.NAME_COMPANY)
        new_leads: list[_NewLead] = []
        merges: list[tuple[PreparedRow, int, MatchedBy]] = []  # (row, target, matched by)
        for index, row in enumerate(rows):
            match = db_matches.get(index)
            target: int | None = None
            by = MatchedBy.EMAIL
            for kind, value, seen in zip(kinds, keys[index], maps, strict=True):
                if not value:
                    continue
                found = seen.get(value)
                if found is None and match is not None and match[1] is kind:
                    found = match[0]
                if found is not None:
                    target, by = found, kind
                    break
            if target is None:
                target = -(len(new_leads) + 1)
                new_leads.append(self._new_lead(row, keys[index].name))
            else:
                merges.append((row, target, by))
            for value, seen in zip(keys[index], maps, strict=True):
                if value and value not in seen:
                    seen[value] = target
        existing = self._load_existing({t for _r, t, _b in merges if t > 0})
        touched = self._existing_touches(existing)
        ids = self._allocate(len(new_leads))
        for lead_id, lead in zip(ids, new_leads, strict=True):
            lead.values["id"] = lead_id
        events: list[dict[str, Any]] = []
        touches: list[dict[str, Any]] = []
        for row, target, by in merges:
            self.counts.duplicates += 1
            if target < 0:
                lead = new_leads[-target - 1]
                changes = self._merge_values(lead.values, row)
                lead_id = lead.values["id"]
                campaign = self._campaign_for(row)
                touch = campaign is not None and campaign not in lead.campaigns
                if touch and campaign is not None:
                    lead.campaigns.append(campaign)
                events.append(
                    self._merged_event(lead_id, row, by, changes, campaign if touch else None, True)
                )
            else:
                state = existing[target]
                before = dict(state.values)
                changes = self._merge_values(state.values, row)
                if changes:
                    state.changed = True
                    if not state.created_here:
                        self._remember_before(target, before, state.values, changes)
                campaign = self._campaign_for(row)
                touch = campaign is not None and (target, campaign) not in touched
                if touch and campaign is not None:
                    touched.add((target, campaign))
                    touches.append(self._touch(target, campaign, self._touch_time(row)))
                if touch or changes:
                    self.rescore_ids.add(target)
                events.append(
                    self._merged_event(
                        target, row, by, changes, campaign if touch else None, state.created_here
                    )
                )
            self._warn_history_on_duplicate(row, target, new_leads)
        self._insert_new(new_leads, events, touches)
        bulk_insert(self._conn, _events, events)
        bulk_insert(self._conn, _touches, touches)
        self._update_existing(existing)

    # --- new leads -----------------------------------------------------------------------------------

    def _new_lead(self, row: PreparedRow, name_key: str | None) -> _NewLead:
        setup = self._setup
        plan = plan_history(row.history, row.inferred_stage, setup.now, self._members, self._column)
        for column, message in plan.warnings:
            self.warnings.append(RowError(row.row_number, column, message))
        profile = self._clean_profile(row)
        values: dict[str, Any] = dict.fromkeys(_LEAD_KEYS)
        values.update(profile)
        values["consent"] = bool(profile.get("consent"))
        values["name_company_key"] = name_key
        values["custom_fields"] = dict(row.custom)
        campaign = self._campaign_for(row)
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
            import_batch_id=setup.batch_id,
            created_at=plan.created_at,
            updated_at=setup.now,
            updated_by_id=setup.actor_id,
            version=1,
            **plan.stamps,
        )
        details = {"file": setup.file_name, "row": row.row_number}
        first = new_lead_event(plan.created_at, details)
        lead = _NewLead(row, values, [campaign] if campaign is not None else [], plan.created_at)
        lead.events.append(
            self._event_row(0, first.kind, first.at, None, first.to_stage, None, first.details)
        )
        for planned in plan.events:
            event = self._event_row(
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

    def _clean_profile(self, row: PreparedRow) -> dict[str, Any]:
        profile = dict(row.profile)
        for name, value in profile.items():
            if value.__class__ is not str or len(value) <= _SHORTEST:
                continue
            limit = _LENGTHS.get(name)
            if limit is not None and len(value) > limit:
                profile[name] = value[:limit]
                self.warnings.append(
                    RowError(row.row_number, self._column(name), f"Cut to its first {limit} characters.")
                )
        return profile

    def _insert_new(
        self, new_leads: list[_NewLead], merge_events: list[dict[str, Any]], touches: list[dict[str, Any]]
    ) -> None:
        if not new_leads:
            return
        now = self._setup.now
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        new_touches: list[dict[str, Any]] = []
        score = self._rules.score
        for lead in new_leads:
            values = lead.values
            lead_id = values["id"]
            n_touches = len(lead.campaigns)
            facts = LeadFacts(
                values["job_title"],
                values["company_size"],
                values["industry"],
                values["country"],
                n_touches,
                lead.touched_at if n_touches else None,
            )
            values["score"] = score(facts, now)
            if lead.handoff_event is not None:
                # The score at handoff picks the SLA priority rule, as the lifecycle service records it.
                lead.handoff_event["details"]["score"] = values["score"]
            rows.append(values)
            for event in lead.events:
                event["lead_id"] = lead_id
                events.append(event)
            for campaign in lead.campaigns:
                new_touches.append(self._touch(lead_id, campaign, lead.touched_at))
            if values["handed_off_at"] is not None:
                self.sla_ids.append(lead_id)
            self._created.add(lead_id)
        bulk_insert(self._conn, _leads, rows)
        if self._search_trigger is not None:
            ids = [r["id"] for r in rows]
            self._conn.execute(
                text(SQLITE_FILL + " WHERE leads.id BETWEEN :lo AND :hi"), {"lo": min(ids), "hi": max(ids)}
            )
        bulk_insert(self._conn, _events, events)
        bulk_insert(self._conn, _touches, new_touches)
        self.counts.created += len(rows)

    # --- merges --------------------------------------------------------------------------------------

    def _merge_values(self, values: dict[str, Any], row: PreparedRow) -> dict[str, list[Any]]:
        """Apply the duplicate policy to `values` (a lead's current state); returns {field: [old, new]}."""
        policy = self._setup.policy
        changes: dict[str, list[Any]] = {}
        if policy is DuplicatePolicy.SKIP:
            return changes
        overwrite = policy is DuplicatePolicy.OVERWRITE
        for name, new in self._clean_profile(row).items():
            old = values.get(name)
            if new == old or (name == "consent" and not new and not overwrite):
                continue
            if overwrite or _empty(old):
                values[name] = new
                changes[name] = [json_safe(old), json_safe(new)]
        if values.get("campaign_id") is None:
            campaign = self._campaign_for(row)
            if campaign is not None:
                values["campaign_id"] = campaign
                changes["campaign_id"] = [None, campaign]
        custom = dict(values.get("custom_fields") or {})
        custom_changes: dict[str, list[Any]] = {}
        for header, new_text in row.custom.items():
            old_text = custom.get(header)
            if new_text != old_text and (overwrite or _empty(old_text)):
                custom[header] = new_text
                custom_changes[header] = [old_text, new_text]
        if custom_changes:
            values["custom_fields"] = custom
            changes["custom_fields"] = custom_changes  # type: ignore[assignment]
        if changes.keys() & {"first_name", "last_name", "company"}:
            values["name_company_key"] = name_company_key(
                values.get("first_name"), values.get("last_name"), values.get("company")
            )
        return changes

    def _merged_event(
        self,
        lead_id: int,
        row: PreparedRow,
        by: MatchedBy,
        changes: Mapping[str, Any],
        touch_campaign: int | None,
        into_new: bool,
    ) -> dict[str, Any]:
        details: dict[str, Any] = {
            "file": self._setup.file_name,
            "row": row.row_number,
            "matched_by": by.value,
            "policy": self._setup.policy.value,
            "changes": dict(changes),
        }
        if touch_campaign is not None:
            details["campaign_id"] = touch_campaign
        if into_new:
            details["into_lead_created_by_this_import"] = True
        return self._event_row(lead_id, EventKind.MERGED, self._setup.now, None, None, None, details)

    def _warn_history_on_duplicate(
        self, row: PreparedRow, target: int, new_leads: Sequence[_NewLead]
    ) -> None:
        given = [name for name in _HISTORY_ON_DUPLICATE if name in row.history]
        if not given:
            return
        if target < 0:
            first = new_leads[-target - 1].row.row_number
            where = f"row {first} of this file"
        else:
            where = f"lead #{target}"
        columns = ", ".join(self._column(name) for name in given)
        self.warnings.append(
            RowError(
                row.row_number,
                columns,
                f"Duplicate of {where}: its history ({columns}) was not applied; the lead keeps its own.",
            )
        )

    def _load_existing(self, ids: Iterable[int]) -> dict[int, _Existing]:
        wanted = sorted(ids)
        found: dict[int, _Existing] = {}
        columns = [_leads.c[name] for name in _LOAD_COLUMNS]
        for start in range(0, len(wanted), IN_CHUNK):
            part = wanted[start : start + IN_CHUNK]
            for row in self._conn.execute(select(*columns).where(_leads.c.id.in_(part))):
                values = dict(row._mapping)
                values["custom_fields"] = dict(values.get("custom_fields") or {})
                found[values["id"]] = _Existing(values, values["id"] in self._created)
        return found

    def _existing_touches(self, existing: Mapping[int, _Existing]) -> set[tuple[int, int]]:
        """(lead, campaign) pairs the matched leads already have: a campaign is recorded once per lead."""
        wanted = sorted(existing)
        pairs: set[tuple[int, int]] = set()
        for start in range(0, len(wanted), IN_CHUNK):
            part = wanted[start : start + IN_CHUNK]
            stmt = (
                select(_touches.c.lead_id, _touches.c.campaign_id)
                .where(_touches.c.lead_id.in_(part), _touches.c.campaign_id.is_not(None))
                .distinct()
            )
            pairs.update((lead_id, campaign_id) for lead_id, campaign_id in self._conn.execute(stmt))
        return pairs

    def _remember_before(
        self, lead_id: int, before: Mapping[str, Any], after: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> None:
        image = self._before.get(lead_id)
        if image is None:
            image = self._before[lead_id] = {"_version": before["version"], "_after": {}}
        for name in changes:
            if name not in image:
                old = before.get(name)
                image[name] = dict(old) if isinstance(old, dict) else json_safe(old)
            new = after.get(name)
            image["_after"][name] = dict(new) if isinstance(new, dict) else json_safe(new)

    def _update_existing(self, existing: Mapping[int, _Existing]) -> None:
        params = []
        now, actor = self._setup.now, self._setup.actor_id
        for lead_id, state in existing.items():
            if not state.changed:
                continue
            values = state.values
            param = {f"b_{name}": values.get(name) for name in MERGE_COLUMNS}
            param.update(
                b_id=lead_id,
                b_name_company_key=name_company_key(
                    values.get("first_name"), values.get("last_name"), values.get("company")
                ),
                b_custom_fields=values.get("custom_fields") or {},
                b_updated_at=now,
                b_updated_by_id=actor,
            )
            param["b_consent"] = bool(values.get("consent"))
            params.append(param)
            if not state.created_here and lead_id not in self._counted:
                self._counted.add(lead_id)
                self.counts.updated += 1
        if params:
            self._conn.execute(UPDATE_MERGED, params)

    # --- rows of other tables ------------------------------------------------------------------------

    def _touch(self, lead_id: int, campaign_id: int, at: dt.datetime) -> dict[str, Any]:
        return {
            "lead_id": lead_id,
            "campaign_id": campaign_id,
            "content": None,
            "content_type": None,
            "touched_at": at,
            "import_batch_id": self._setup.batch_id,
        }

    def _touch_time(self, row: PreparedRow) -> dt.datetime:
        created = row.history.get("created_at")
        return created if isinstance(created, dt.datetime) else self._setup.now

    def _event_row(
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
            "actor_id": self._setup.actor_id,
            "kind": kind.value,
            "from_stage": from_stage.value if from_stage is not None else None,
            "to_stage": to_stage.value if to_stage is not None else None,
            "reason": reason,
            "details": {k: json_safe(v) for k, v in details.items() if v is not None},
            "import_batch_id": self._setup.batch_id,
        }

    # --- the end -------------------------------------------------------------------------------------

    def finish(self) -> None:
        """Write the before-images of the leads this import changed (one row per lead); put the search
        trigger back."""
        if self._search_trigger is not None:
            self._conn.exec_driver_sql(self._search_trigger)
            self._search_trigger = None
        if self._before:
            self._conn.execute(
                insert(_changes),
                [
                    {"batch_id": self._setup.batch_id, "lead_id": lead_id, "before": image}
                    for lead_id, image in sorted(self._before.items())
                ],
            )


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
