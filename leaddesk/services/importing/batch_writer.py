"""Writing prepared rows into the database: new leads, merges into duplicates, history, touches.

One `BatchWriter` lives inside the import's one transaction and is fed `BuiltChunk`s in file order:
rows already normalised and built as new leads by the preparation workers (`new_leads`), so that the
app's process does little per row besides deciding whether it is a new lead or a duplicate. Per chunk it
runs a handful of statements, whatever the chunk's size: the duplicate lookups (batched IN lists on the
indexes), one SELECT of the matched leads and their touches, then bulk inserts (executemany of plain
tuples on SQLite) of the leads, their events, the search index and the touches (INSERT … SELECT), and
one executemany UPDATE of the merged leads. No ORM object is made per row.

Lead ids are allocated up front so that events and touches can be written without reading ids back: on
SQLite the transaction holds the write lock (BEGIN IMMEDIATE), so the ids above the current maximum are
ours; on PostgreSQL they come from the table's sequence (`nextval`, one round trip per chunk).

Duplicates (see `leaddesk.services.importing.import_service` for the rules) are matched against the
database — which already holds the leads this import created from earlier chunks, in the same
transaction — and against earlier rows of the same chunk. A row merges into the first lead it matches by
email, else phone, else name + company. A row that merges, a new lead that a later row of its chunk
merges into, and a row naming its own campaign are built here from the row (the slow path, same rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from leaddesk.domain.enums import DuplicatePolicy, EventKind
from leaddesk.domain.fields import PROFILE_FIELD_NAMES
from leaddesk.domain.identity import name_company_key
from leaddesk.domain.scoring import SETTING_KEY, rules_from_dict
from leaddesk.models import CampaignTouch, ImportBatchChange, Lead, LeadEvent, TeamMember
from leaddesk.models.driver_rows import to_driver_columns
from leaddesk.models.search import SQLITE_FILL
from leaddesk.services.campaign_service import find_or_create_campaign
from leaddesk.services.duplicate_service import MatchedBy
from leaddesk.services.importing.history_events import member_key
from leaddesk.services.importing.new_leads import (
    EVENT_COLUMNS,
    LEAD_COLUMNS,
    BuiltRow,
    LeadBuilder,
    LeadSpec,
    NewLead,
    RowKeys,
    fast_name_key,
    json_safe,
    row_keys,
    source_row,
)
from leaddesk.services.importing.prepared_rows import BuiltChunk, PreparedRow, RowError
from leaddesk.services.settings_service import read_setting
from leaddesk.storage.deferred_indexes import SetAside, build_again, count_rows, set_aside

__all__ = [
    "IN_CHUNK",
    "MERGE_COLUMNS",
    "UPDATE_MERGED",
    "BatchWriter",
    "RowKeys",
    "WriterCounts",
    "WriterSetup",
    "bulk_insert",
    "fast_name_key",
    "find_existing",
    "json_safe",
    "row_keys",
]

_leads: Table = Lead.__table__  # type: ignore[assignment]
_events: Table = LeadEvent.__table__  # type: ignore[assignment]
_touches: Table = CampaignTouch.__table__  # type: ignore[assignment]
_changes: Table = ImportBatchChange.__table__  # type: ignore[assignment]

#: Ids per IN (...) list.
IN_CHUNK = 900
#: SQLite page cache of the importing connection (KiB, as `PRAGMA cache_size` takes a negative number):
#: a million-lead table has some twenty indexes, and inserts land all over them (measured on 1M leads:
#: 64 MB → 384 MB saved about a tenth of the processor time; 192 MB keeps the import under 500 MB).
IMPORT_CACHE_KIB = 196_608
_SEARCH_TRIGGER = "leads_fts_ai"
#: History fields whose presence on a duplicate row earns a warning (they are not replayed on it).
_HISTORY_ON_DUPLICATE = (
    "stage", "created_at", "mql_at", "handed_off_at", "accepted_at", "rejected_at", "first_contact_at",
    "closed_at", "sales_owner", "marketing_owner", "outcome", "lost_reason", "reject_reason", "value",
)  # fmt: skip
_HISTORY_FIELDS = frozenset(_HISTORY_ON_DUPLICATE)
#: Columns a merge may change on an existing lead.
MERGE_COLUMNS = (*PROFILE_FIELD_NAMES, "campaign_id")
_LOAD_COLUMNS = ("id", "version", "import_batch_id", *MERGE_COLUMNS, "custom_fields")

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

_INSERT_LEADS = f"INSERT INTO leads ({', '.join(LEAD_COLUMNS)}) VALUES ({', '.join('?' * len(LEAD_COLUMNS))})"
_INSERT_EVENTS = (
    f"INSERT INTO lead_events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
)
#: The first touch of each new lead of a chunk: its campaign, at its creation time. (`+` keeps SQLite
#: on the id range rather than the import-batch index, which holds the earlier chunks' leads too.)
_NEW_TOUCHES = (
    "INSERT INTO campaign_touches (lead_id, campaign_id, content, content_type, touched_at, import_batch_id) "
    "SELECT leads.id, leads.campaign_id, NULL, NULL, leads.created_at, leads.import_batch_id FROM leads "
    "WHERE leads.id BETWEEN :lo AND :hi AND +leads.import_batch_id = :batch AND leads.campaign_id IS NOT NULL"
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
    values = [[row[k] for row in rows] for k in keys]
    to_driver_columns(conn.dialect, table, keys, values)
    sql = f"INSERT INTO {table.name} ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
    conn.exec_driver_sql(sql, list(zip(*values, strict=True)))


def insert_tuples(
    conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT rows given as tuples in `columns` order, already in the driver's form on SQLite (see
    `new_leads`); elsewhere they hold Python values and go through a Core insert."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        if table is _leads:
            sql = _INSERT_LEADS
        elif table is _events:
            sql = _INSERT_EVENTS
        else:
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        conn.exec_driver_sql(sql, rows)
        return
    conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


#: Values per IN (...) list of the duplicate lookups.
LOOKUP_CHUNK = 2000
#: The SQL expression each lookup goes by: the indexed one, exactly.
LOOKUP_SQL = {
    "email": "lower(email)",
    "phone": "phone",
    "name": "name_company_key",
}
#: The indexes of those expressions: the only ones of the leads an import reads while it writes.
LOOKUP_INDEXES = frozenset({"ix_leads_email_lower", "ix_leads_phone", "ix_leads_name_company_key"})
#: On SQLite, once the first rows are written: when the rest of the file should bring at least this many
#: new leads (going by the first rows' share of new ones), and at least twice the leads stored, the leads'
#: other indexes are set aside and built once at the end (`storage.deferred_indexes`: a million new leads
#: into an empty database, 160–190 s → 148–154 s). Below that, building them again over the whole table
#: costs as much as it saves: in plain SQL, 100,000 new rows into 100,000 leads broke even, 50,000 lost
#: (4.0 s kept up, 4.7 s set aside).
DEFER_INDEXES_ROWS = 50_000


def _lookup(conn: Connection, kind: str, values: set[str]) -> dict[str, int]:
    """value -> lowest id of a live, not erased lead having it.

    The query names only the indexed expression: SQLite without ANALYZE statistics would otherwise pick
    the `deleted_at` index for a `deleted_at IS NULL` term and scan every live lead per list (the
    trash and erasure are filtered here, on the few rows found).
    """
    found: dict[str, int] = {}
    ordered = sorted(values)
    sqlite = conn.dialect.name == "sqlite"
    column: Any = {
        "email": func.lower(_leads.c.email),
        "phone": _leads.c.phone,
        "name": _leads.c.name_company_key,
    }[kind]
    expr = LOOKUP_SQL[kind]
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        part = ordered[start : start + LOOKUP_CHUNK]
        if sqlite:
            # Plain SQL: compiling an expanding IN list of thousands of values costs more than the query.
            sql = (
                f"SELECT {expr}, id, deleted_at IS NULL AND erased_at IS NULL FROM leads "
                f"WHERE {expr} IN ({', '.join('?' * len(part))})"
            )
            rows: Iterable[Any] = conn.exec_driver_sql(sql, tuple(part)).fetchall()
        else:
            stmt = select(
                column, _leads.c.id, _leads.c.deleted_at.is_(None) & _leads.c.erased_at.is_(None)
            ).where(column.in_(part))
            rows = conn.execute(stmt).fetchall()
        for value, lead_id, live in rows:
            if value is None or not live:
                continue
            known = found.get(value)
            if known is None or lead_id < known:
                found[value] = lead_id
    return found


def find_existing(
    conn: Connection, keys: Sequence[tuple[str | None, str | None, str | None]]
) -> dict[int, tuple[int, MatchedBy]]:
    """row index -> (id of the live lead it duplicates, matched by): email first, then phone, then name +
    company — the rules of `duplicate_service.find_match_details`, in a handful of indexed queries."""
    emails = _lookup(conn, "email", {k[0] for k in keys if k[0]})
    phones = _lookup(conn, "phone", {k[1] for k in keys if k[1]})
    names = _lookup(conn, "name", {k[2] for k in keys if k[2]})
    matches: dict[int, tuple[int, MatchedBy]] = {}
    if not (emails or phones or names):
        return matches
    for index, (email, phone, name) in enumerate(keys):
        if email and email in emails:
            matches[index] = (emails[email], MatchedBy.EMAIL)
        elif phone and phone in phones:
            matches[index] = (phones[phone], MatchedBy.PHONE)
        elif name and name in names:
            matches[index] = (names[name], MatchedBy.NAME_COMPANY)
    return matches


def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False


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


def _file_of(conn: Connection) -> str | None:
    """The SQLite database file `conn` writes (for the workers' read-only look), else None."""
    if conn.dialect.name != "sqlite":
        return None
    name = conn.engine.url.database
    # Absolute: a relative URL (sqlite:///leads.db) is relative to this process's folder.
    return str(Path(name).resolve()) if name and Path(name).is_file() else None


class BatchWriter:
    """Writes an import's chunks inside one transaction; `finish()` writes what spans chunks."""

    def __init__(self, session: Session, setup: WriterSetup, column_of: Mapping[str, str]) -> None:
        self._session = session
        self._conn: Connection = session.connection()
        self._setup = setup
        self._dialect = self._conn.dialect.name
        self.counts = WriterCounts()
        #: Warnings the writer adds to rows (unknown owners, history on duplicates, cut values).
        self.warnings: list[RowError] = []
        members = tuple(
            (member_key(name), member_id, name)
            for member_id, name in session.execute(select(TeamMember.id, TeamMember.name))
        )
        #: What the preparation workers need to build new leads as this writer would.
        self.spec = LeadSpec(
            batch_id=setup.batch_id,
            file_name=setup.file_name,
            actor_id=setup.actor_id,
            now=setup.now,
            campaign_id=setup.campaign_id,
            rules=rules_from_dict(read_setting(session, SETTING_KEY)),
            members=members,
            column_of=tuple(sorted(column_of.items())),
            dialect=self._dialect,
            probe_db=_file_of(self._conn),
        )
        self._builder = LeadBuilder(self.spec, self._conn.dialect)
        self._campaigns: dict[str, int] = {}
        self._next_id: int | None = None
        #: Before-images of pre-existing leads this import changed: lead id -> {field: old, "_after": …}.
        self._before: dict[int, dict[str, Any]] = {}
        #: Leads whose touches or fields changed (re-scored at the end) and new leads handed off (SLA).
        self.rescore_ids: set[int] = set()
        self.sla_ids: list[int] = []
        self._counted: set[int] = set()
        self._search_trigger: str | None = None
        self._cache_size: int | None = None
        #: The leads' indexes set aside for a big import (built again by `finish`).
        self._aside: SetAside | None = None
        #: (rows the file has, leads stored before it) while setting the indexes aside is to be decided.
        self._undecided: tuple[int, int] | None = None
        self._rows_seen = 0

    def open(self, expected_rows: int = 0) -> None:
        """SQLite: a larger page cache for this connection, the search index filled in bulk, and for a
        file of `expected_rows` that brings many new leads, the indexes the import does not read set
        aside until `finish` (decided after its first rows, see `DEFER_INDEXES_ROWS`).

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
        if expected_rows >= DEFER_INDEXES_ROWS:
            self._undecided = (expected_rows, count_rows(self._conn, _leads.name))

    def _consider_setting_indexes_aside(self) -> None:
        """After the first rows are written: set the leads' indexes aside when the rest of the file, at the
        first rows' share of new leads, should bring at least `DEFER_INDEXES_ROWS` and twice the stored."""
        assert self._undecided is not None
        expected, stored = self._undecided
        self._undecided = None
        created = self.counts.created
        coming = (expected - self._rows_seen) * created / max(self._rows_seen, 1)
        if coming >= DEFER_INDEXES_ROWS and coming >= 2 * (stored + created):
            aside = set_aside(self._conn, _leads.name, keep=LOOKUP_INDEXES)
            self._aside = aside if aside.indexes else None

    def close(self) -> None:
        """Put the page cache back (the connection returns to the pool, possibly after a rollback)."""
        if self._cache_size is not None:
            self._conn.exec_driver_sql(f"PRAGMA cache_size = {self._cache_size}")
            self._cache_size = None

    # --- lookups -------------------------------------------------------------------------------------

    def _column(self, name: str) -> str:
        return self._builder.column(name)

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

    def write(self, chunk: BuiltChunk) -> None:
        rows = chunk.rows
        self._rows_seen += len(rows) + len(chunk.rejected)
        if not rows:
            return
        keys = [r.keys for r in rows]
        db_matches = find_existing(self._conn, keys)
        maps: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        kinds = (MatchedBy.EMAIL, MatchedBy.PHONE, MatchedBy.NAME_COMPANY)
        new_leads: list[BuiltRow | NewLead] = []
        merges: list[tuple[PreparedRow, int, MatchedBy]] = []  # (row, target, matched by)
        for index, built in enumerate(rows):
            match = db_matches.get(index)
            target: int | None = None
            by = MatchedBy.EMAIL
            row_key = keys[index]
            for kind, value, seen in zip(kinds, row_key, maps, strict=True):
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
                new_leads.append(built if built.lead is not None else self._new_lead(built))
            else:
                merges.append((source_row(built), target, by))
                if target < 0:
                    into = new_leads[-target - 1]
                    if isinstance(into, BuiltRow):
                        # A row merges into it: build it here, where the merge can change it.
                        new_leads[-target - 1] = self._new_lead(into)
            for value, seen in zip(row_key, maps, strict=True):
                if value and value not in seen:
                    seen[value] = target
        existing = self._load_existing({t for _r, t, _b in merges if t > 0})
        touched = self._existing_touches(existing)
        ids = self._allocate(len(new_leads))
        for lead_id, lead in zip(ids, new_leads, strict=True):
            if isinstance(lead, NewLead):
                lead.values["id"] = lead_id
        events: list[dict[str, Any]] = []
        touches: list[dict[str, Any]] = []
        for row, target, by in merges:
            self.counts.duplicates += 1
            if target < 0:
                lead = new_leads[-target - 1]
                assert isinstance(lead, NewLead)
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
        self._insert_new(ids, new_leads)
        bulk_insert(self._conn, _events, events)
        bulk_insert(self._conn, _touches, touches)
        self._update_existing(existing)
        if self._undecided is not None:
            self._consider_setting_indexes_aside()

    # --- new leads -----------------------------------------------------------------------------------

    def _new_lead(self, built: BuiltRow) -> NewLead:
        row = source_row(built)
        return self._builder.new_lead(row, built.keys[2], self._campaign_for(row), self.warnings)

    def _clean_profile(self, row: PreparedRow) -> dict[str, Any]:
        return self._builder.clean_profile(row, self.warnings)

    def _insert_new(self, ids: Sequence[int], new_leads: Sequence[BuiltRow | NewLead]) -> None:
        """Insert the chunk's new leads (ids in file order), their events, search entries and touches."""
        if not new_leads:
            return
        builder = self._builder
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        more_touches: list[dict[str, Any]] = []
        sla = self.sla_ids
        for lead_id, lead in zip(ids, new_leads, strict=True):
            if isinstance(lead, BuiltRow):
                rows.append((lead_id, *lead.lead))  # type: ignore[misc]
                events.extend([(lead_id, *event) for event in lead.events])
                if lead.handed_off:
                    sla.append(lead_id)
                if lead.warnings:
                    self.warnings.extend(lead.warnings)
                continue
            builder.score(lead)
            rows.append((lead_id, *builder.lead_values(lead)))
            events.extend([(lead_id, *builder.event_values(event)) for event in lead.events])
            # The first campaign is the lead's own (its touch is written with the others' below).
            for campaign in lead.campaigns[1:]:
                more_touches.append(self._touch(lead_id, campaign, lead.touched_at))
            if lead.values["handed_off_at"] is not None:
                sla.append(lead_id)
        insert_tuples(self._conn, _leads, LEAD_COLUMNS, rows)
        lo, hi = min(ids), max(ids)
        if self._search_trigger is not None:
            self._conn.execute(
                text(SQLITE_FILL + " WHERE leads.id BETWEEN :lo AND :hi"), {"lo": lo, "hi": hi}
            )
        insert_tuples(self._conn, _events, EVENT_COLUMNS, events)
        self._conn.execute(text(_NEW_TOUCHES), {"lo": lo, "hi": hi, "batch": self._setup.batch_id})
        bulk_insert(self._conn, _touches, more_touches)
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
        return self._builder.event_row(lead_id, EventKind.MERGED, self._setup.now, None, None, None, details)

    def _warn_history_on_duplicate(
        self, row: PreparedRow, target: int, new_leads: Sequence[BuiltRow | NewLead]
    ) -> None:
        history = row.history
        if not history or _HISTORY_FIELDS.isdisjoint(history):
            return
        given = [name for name in _HISTORY_ON_DUPLICATE if name in history]
        if target < 0:
            into = new_leads[-target - 1]
            first = into.row.row_number if isinstance(into, NewLead) else into.number
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
        batch_id = self._setup.batch_id
        for start in range(0, len(wanted), IN_CHUNK):
            part = wanted[start : start + IN_CHUNK]
            # `.all()`: one fetch per list; iterating a result fetches row by row (a merge-heavy import of a
            # million rows spent 9 s there).
            for row in self._conn.execute(select(*columns).where(_leads.c.id.in_(part))).all():
                values = dict(zip(_LOAD_COLUMNS, row, strict=True))
                values["custom_fields"] = dict(values.get("custom_fields") or {})
                # A lead this import created from an earlier chunk carries its batch.
                created_here = values.pop("import_batch_id") == batch_id
                found[values["id"]] = _Existing(values, created_here)
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
            pairs.update((lead_id, campaign_id) for lead_id, campaign_id in self._conn.execute(stmt).all())
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

    # --- the end -------------------------------------------------------------------------------------

    def finish(self, *, build_indexes: bool = True, step: Callable[[int, int], None] | None = None) -> None:
        """Write the before-images of the leads this import changed (one row per lead); put the search
        trigger back; build the set-aside indexes again (`step(done, total)` per index), unless told not
        to (a dry run, which is rolled back: that puts them back too)."""
        if self._search_trigger is not None:
            self._conn.exec_driver_sql(self._search_trigger)
            self._search_trigger = None
        if self._aside is not None and build_indexes:
            build_again(self._conn, self._aside, step=step)
            self._aside = None
        if self._before:
            self._conn.execute(
                insert(_changes),
                [
                    {"batch_id": self._setup.batch_id, "lead_id": lead_id, "before": image}
                    for lead_id, image in sorted(self._before.items())
                ],
            )
