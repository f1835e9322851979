"""From a raw table and a column mapping to validated, normalised rows ready to be written.

`prepare_rows` returns everything at once (`PreparedBatch`); `iter_prepared` yields the same rows chunk
by chunk, in file order, for writers that stream a million rows in bounded memory. Both normalise in
this process for small tables and, above `PrepareOptions.parallel_threshold` rows, in worker processes
(all cores), which read their chunks straight from the table's row store.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from leaddesk.domain.enums import Stage
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.fields import FIELDS_BY_NAME, FieldKind
from leaddesk.domain.records import LeadDraft
from leaddesk.services.importing.column_mapping import FULL_NAME, IGNORE, ColumnMapping
from leaddesk.services.importing.limits import CancelCheck, Progress, check_cancel
from leaddesk.services.importing.normalising import (
    CellError,
    cell_text,
    is_blank,
    normalise_bool,
    normalise_count,
    normalise_country,
    normalise_datetime,
    normalise_email,
    normalise_money,
    normalise_phone,
    outcome_stage,
    parse_stage,
    split_full_name,
)
from leaddesk.services.importing.row_store import DataRow, RowStore
from leaddesk.services.importing.row_validation import identity_problem, infer_stage
from leaddesk.services.importing.table_reading import RawTable
from leaddesk.services.processes import process_context, start_helper

if TYPE_CHECKING:
    from leaddesk.services.importing.new_leads import BuiltRow, LeadSpec

#: A profile value: text, a whole number (company size) or a yes/no (consent).
ProfileValue = str | int | bool
#: A history value: a stage, an aware UTC date-time, an amount, or text (owners, campaign, reasons).
HistoryValue = Stage | dt.datetime | Decimal | str


@dataclass(frozen=True, slots=True)
class PrepareOptions:
    """How to read ambiguous values. Check the time zone and region when the options are made."""

    #: Region for phone numbers written without a country code (ISO 3166 alpha-2).
    default_region: str = "IT"
    #: The team's IANA time zone: naive date-times in the file are taken as local times there.
    time_zone: str = "Europe/Rome"
    #: 03/04/2024 is 3 April (True) or 4 March (False) when both numbers could be the month.
    day_first: bool = True
    #: '1,5' is one and a half (True) and '1.500' is fifteen hundred.
    decimal_comma: bool = True
    #: Worker processes for big tables (None: one per core; 1: never leave this process).
    workers: int | None = None
    #: Tables with more rows than this are normalised in worker processes.
    parallel_threshold: int = 20_000

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"Unknown time zone {self.time_zone!r}.") from None
        if self.default_region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError(f"Unknown phone region {self.default_region!r}.")


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one row: its number and column as the user sees them, and what is wrong."""

    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class PreparedRow:
    row_number: int
    #: Normalised lead fields, named as in `LeadDraft` (only those the row gives).
    profile: dict[str, ProfileValue]
    #: History fields: stage, *_at (aware UTC), owners and campaign by name, outcome, reasons, value.
    history: dict[str, HistoryValue]
    #: Columns mapped to no field: header -> the cell's text, as typed.
    custom: dict[str, str]
    #: The stage the file gives, or the one its latest history date implies, or new.
    inferred_stage: Stage
    #: Problems that did not stop the row (the value concerned was left out).
    errors: tuple[RowError, ...] = ()

    def draft(self, *, campaign_id: int | None = None, marketing_owner_id: int | None = None) -> LeadDraft:
        """The row as a `LeadDraft` (the writer resolves campaign and owner names to ids)."""
        p = self.profile
        return LeadDraft(
            first_name=_str(p.get("first_name")),
            last_name=_str(p.get("last_name")),
            email=_str(p.get("email")),
            phone=_str(p.get("phone")),
            job_title=_str(p.get("job_title")),
            company=_str(p.get("company")),
            company_size=_int(p.get("company_size")),
            industry=_str(p.get("industry")),
            country=_str(p.get("country")),
            province=_str(p.get("province")),
            city=_str(p.get("city")),
            source=_str(p.get("source")),
            consent=_bool(p.get("consent")),
            notes=_str(p.get("notes")),
            campaign_id=campaign_id,
            marketing_owner_id=marketing_owner_id,
            custom_fields=dict(self.custom),
        )


def _str(value: ProfileValue | None) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: ProfileValue | None) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: ProfileValue | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    row_number: int
    #: Why: the identity rule, and any cell problems that caused it.
    errors: tuple[RowError, ...]
    #: The row's cells as text, by header (for a report of rejected rows).
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class PreparedChunk:
    rows: tuple[PreparedRow, ...]
    rejected: tuple[RejectedRow, ...]


@dataclass(frozen=True, slots=True)
class BuiltChunk:
    """Accepted rows built as new leads (`new_leads.BuiltRow`), and the rejected rows."""

    rows: list[BuiltRow]
    rejected: tuple[RejectedRow, ...]


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    rows: tuple[PreparedRow, ...]
    rejected: tuple[RejectedRow, ...]
    #: Data rows read (accepted + rejected).
    total: int
    #: The file's SHA-256, to recognise a file imported before.
    sha256: str
    mapping: ColumnMapping = field(repr=False)

    @property
    def errors(self) -> tuple[RowError, ...]:
        """Every problem, rejected rows' and accepted rows' alike, in row order."""
        out = [e for r in self.rejected for e in r.errors] + [e for r in self.rows for e in r.errors]
        return tuple(sorted(out, key=lambda e: e.row))


# --- the plan each process compiles ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to do with each column; plain data, so that it can be sent to worker processes."""

    columns: tuple[tuple[int, str, str | None], ...]  # (cell index, header, target)
    region: str
    time_zone: str
    day_first: bool
    decimal_comma: bool
    date_1904: bool
    data_after: int


Handler = Callable[[Any], Any]


def _handlers(plan: _Plan) -> dict[str, Handler]:
    zone = ZoneInfo(plan.time_zone)
    region = plan.region.upper()

    def when(value: Any) -> dt.datetime:
        return normalise_datetime(value, zone=zone, day_first=plan.day_first, date_1904=plan.date_1904)

    return {
        FieldKind.TEXT: cell_text,
        FieldKind.EMAIL: normalise_email,
        FieldKind.PHONE: lambda v: normalise_phone(v, region),
        FieldKind.INTEGER: normalise_count,
        FieldKind.BOOLEAN: normalise_bool,
        FieldKind.COUNTRY: normalise_country,
        FieldKind.DATETIME: when,
        FieldKind.STAGE: parse_stage,
        FieldKind.MEMBER: cell_text,
        FieldKind.CAMPAIGN: cell_text,
        FieldKind.MONEY: lambda v: normalise_money(v, decimal_comma=plan.decimal_comma),
    }


class _Preparer:
    def __init__(self, plan: _Plan) -> None:
        handlers = _handlers(plan)
        self._plan = plan
        self._steps: list[tuple[int, str, str, bool, Handler]] = []
        self._custom: list[tuple[int, str]] = []
        self._full_name: tuple[int, str] | None = None
        self._outcome_index: int | None = None
        for index, header, target in plan.columns:
            if target is None:
                self._custom.append((index, header))
            elif target == FULL_NAME:
                self._full_name = (index, header)
            elif target != IGNORE:
                spec = FIELDS_BY_NAME[target]
                self._steps.append((index, header, target, spec.history, handlers[spec.kind]))
                if target == "outcome":
                    self._outcome_index = index
        self._all = [(index, header) for index, header, target in plan.columns if target != IGNORE]

    def row(self, row: DataRow) -> PreparedRow | RejectedRow:
        number, cells = row
        width = len(cells)
        profile: dict[str, Any] = {}
        history: dict[str, Any] = {}
        errors: list[RowError] = []
        for index, header, target, is_history, handle in self._steps:
            cell = cells[index] if index < width else ""
            if cell.__class__ is str and (cell == "" or cell.isspace()):
                continue
            try:
                value = handle(cell)
            except CellError as exc:
                errors.append(RowError(number, header, str(exc)))
                continue
            if value == "":
                continue
            (history if is_history else profile)[target] = value
        if self._full_name is not None:
            index, _header = self._full_name
            cell = cells[index] if index < width else ""
            if not is_blank(cell):
                first, last = split_full_name(cell)
                if first:
                    profile["first_name"] = first
                if last:
                    profile["last_name"] = last
        custom = {}
        for index, header in self._custom:
            cell = cells[index] if index < width else ""
            if not is_blank(cell):
                custom[header] = cell_text(cell)
        problem = identity_problem(profile)
        if problem is not None:
            reason = RowError(number, self._identity_columns(), f"Rejected: the row {problem}.")
            values = {h: cell_text(cells[i]) for i, h in self._all if i < width and not is_blank(cells[i])}
            return RejectedRow(number, (*errors, reason), values)
        outcome = None
        if self._outcome_index is not None and self._outcome_index < width:
            cell = cells[self._outcome_index]
            outcome = None if is_blank(cell) else outcome_stage(cell)
        given = history.get("stage")
        stage, warning = infer_stage(given if isinstance(given, Stage) else None, history, outcome)
        if warning:
            errors.append(RowError(number, self._plan_header("closed_at"), warning.capitalize() + "."))
        return PreparedRow(number, profile, history, custom, stage, tuple(errors))

    def _plan_header(self, target: str) -> str:
        return next((h for _i, h, t in self._plan.columns if t == target), "")

    def _identity_columns(self) -> str:
        names = [
            h
            for _i, h, t in self._plan.columns
            if t in ("email", "phone", FULL_NAME, "first_name", "last_name", "company")
        ]
        return ", ".join(names)

    def rows(self, rows: list[DataRow]) -> PreparedChunk:
        accepted: list[PreparedRow] = []
        rejected: list[RejectedRow] = []
        after = self._plan.data_after
        for row in rows:
            if row.number <= after:
                continue
            out = self.row(row)
            (accepted if isinstance(out, PreparedRow) else rejected).append(out)  # type: ignore[arg-type]
        return PreparedChunk(tuple(accepted), tuple(rejected))


_cache: dict[_Plan, _Preparer] = {}


def _preparer(plan: _Plan) -> _Preparer:
    prep = _cache.get(plan)
    if prep is None:
        _cache.clear()
        prep = _cache[plan] = _Preparer(plan)
    return prep


#: A prepared chunk as plain tuples: unpickling these costs a third of unpickling the dataclasses.
_Packed = tuple[
    list[tuple[int, dict[str, Any], dict[str, Any], dict[str, str], str, tuple[RowError, ...]]],
    list[tuple[int, tuple[RowError, ...], dict[str, str]]],
]


def _pack(chunk: PreparedChunk) -> _Packed:
    rows = [
        (r.row_number, r.profile, r.history, r.custom, r.inferred_stage.value, r.errors) for r in chunk.rows
    ]
    rejected = [(r.row_number, r.errors, r.values) for r in chunk.rejected]
    return rows, rejected


def _unpack(packed: _Packed) -> PreparedChunk:
    rows, rejected = packed
    return PreparedChunk(
        tuple(PreparedRow(n, p, h, c, Stage(s), e) for n, p, h, c, s, e in rows),
        tuple(RejectedRow(n, e, v) for n, e, v in rejected),
    )


def _work(plan: _Plan, store: RowStore, chunk_indexes: tuple[int, ...], spec: LeadSpec | None = None) -> Any:
    """A worker's task: prepare some chunks of the store (read straight from its file); with a `spec`,
    build each accepted row's new lead too (see `new_leads`)."""
    prep = _preparer(plan)
    rows: list[DataRow] = []
    for index in chunk_indexes:
        rows.extend(store.read_chunk(index))
    try:
        chunk = prep.rows(rows)
        if spec is None:
            return _pack(chunk)
        return _build(spec, chunk, packed=True)
    finally:
        store.close()


def _build(spec: LeadSpec, chunk: PreparedChunk, *, packed: bool) -> tuple[list[tuple[Any, ...]], Any]:
    from leaddesk.services.importing.new_leads import builder_for, row_keys

    build = builder_for(spec).build
    keys = [row_keys(row.profile) for row in chunk.rows]
    known: set[str] = set()
    if packed and spec.probe_db is not None:  # in a worker: skip the rows that will merge
        from leaddesk.services.importing.known_emails import known_emails

        known = known_emails(spec.probe_db, (k.email for k in keys if k.email))
    built = [
        tuple(build(row, packed, key, merges=key.email in known))
        for row, key in zip(chunk.rows, keys, strict=True)
    ]
    rejected = [(r.row_number, r.errors, r.values) for r in chunk.rejected]
    return built, rejected


def _unpack_built(packed: tuple[list[tuple[Any, ...]], Any]) -> BuiltChunk:
    from leaddesk.services.importing.new_leads import BuiltRow

    built, rejected = packed
    make = BuiltRow._make
    return BuiltChunk([make(b) for b in built], tuple(RejectedRow(n, e, v) for n, e, v in rejected))


def _plan(table: RawTable, mapping: ColumnMapping, options: PrepareOptions) -> _Plan:
    by_header = {c.header: c for c in table.columns}
    missing = [h for h in mapping.headers if h not in by_header]
    if missing:
        raise ValidationError(f"The mapping names columns the table does not have: {', '.join(missing)}.")
    columns = tuple((by_header[h].index, h, t) for h, t in mapping.assignments)
    return _Plan(
        columns,
        options.default_region,
        options.time_zone,
        options.day_first,
        options.decimal_comma,
        table.date_1904,
        table.data_after,
    )


def _tasks(table: RawTable, workers: int) -> list[tuple[int, ...]]:
    chunks = [i for i, ref in enumerate(table.store.chunks) if ref.last_row > table.data_after]
    # At least four tasks per worker (for even load and progress), at most two store chunks each (so
    # that a task's rows, in flight, stay small: a built row takes a few KB until it is written).
    per_task = max(1, min(2, len(chunks) // (workers * 4)))
    # The writer waits for the first task: one chunk each for the first tasks, so that writing starts
    # sooner (measured on 100,000 rows: the first rows to write were ready after 0.57 s instead of 1.42 s).
    head = chunks[:workers] if per_task > 1 else []
    rest = chunks[len(head) :]
    return [(c,) for c in head] + [tuple(rest[i : i + per_task]) for i in range(0, len(rest), per_task)]


def _workers(table: RawTable, options: PrepareOptions) -> int:
    if options.workers == 1 or table.row_count <= options.parallel_threshold:
        return 1
    return max(1, options.workers or os.cpu_count() or 1)


def iter_prepared(
    table: RawTable,
    mapping: ColumnMapping,
    options: PrepareOptions | None = None,
    *,
    progress: Progress | None = None,
    should_cancel: CancelCheck | None = None,
) -> Iterator[PreparedChunk]:
    """Prepared rows chunk by chunk, in file order; `progress(rows done, rows in total)`."""
    return _iterate(table, mapping, options, None, progress, should_cancel)  # type: ignore[return-value]


def iter_built(
    table: RawTable,
    mapping: ColumnMapping,
    spec: LeadSpec,
    options: PrepareOptions | None = None,
    *,
    progress: Progress | None = None,
    should_cancel: CancelCheck | None = None,
) -> Iterator[BuiltChunk]:
    """As `iter_prepared`, each accepted row also built as a new lead under `spec` (`new_leads`): the
    writer's input, built by the worker processes for big tables."""
    return _iterate(table, mapping, options, spec, progress, should_cancel)  # type: ignore[return-value]


def _iterate(
    table: RawTable,
    mapping: ColumnMapping,
    options: PrepareOptions | None,
    spec: LeadSpec | None,
    progress: Progress | None,
    should_cancel: CancelCheck | None,
) -> Iterator[PreparedChunk | BuiltChunk]:
    options = options or PrepareOptions()
    plan = _plan(table, mapping, options)
    total = table.row_count
    done = 0
    workers = _workers(table, options)
    tasks = _tasks(table, workers)
    if workers == 1:
        prep = _Preparer(plan)
        for task in tasks:
            check_cancel(should_cancel)
            rows = [row for index in task for row in table.store.read_chunk(index)]
            chunk = prep.rows(rows)
            done += len(chunk.rows) + len(chunk.rejected)
            if progress is not None:
                progress(done, total)
            yield chunk if spec is None else _unpack_built(_build(spec, chunk, packed=False))
        return
    pool_size = min(workers, len(tasks))
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=pool_size,
        mp_context=process_context(),
        initializer=start_helper,
        initargs=(os.getpid(),),
    )
    try:
        # A few tasks in flight per worker, consumed in order: memory stays bounded by the window.
        pending: collections.deque[concurrent.futures.Future[Any]] = collections.deque()
        queue = iter(tasks)
        for task in itertools.islice(queue, pool_size * 2):
            pending.append(executor.submit(_work, plan, table.store, task, spec))
        while pending:
            future = pending.popleft()
            while True:
                check_cancel(should_cancel)
                try:
                    packed = future.result(timeout=0.1)
                    break
                except concurrent.futures.TimeoutError:
                    continue
            del future
            for task in itertools.islice(queue, 1):
                pending.append(executor.submit(_work, plan, table.store, task, spec))
            out = _unpack(packed) if spec is None else _unpack_built(packed)
            del packed
            done += len(out.rows) + len(out.rejected)
            if progress is not None:
                progress(done, total)
            yield out
    finally:
        executor.shutdown(wait=True, cancel_futures=True)  # running tasks are short (about a second)


def prepare_rows(
    table: RawTable,
    mapping: ColumnMapping,
    options: PrepareOptions | None = None,
    *,
    progress: Progress | None = None,
    should_cancel: CancelCheck | None = None,
) -> PreparedBatch:
    """Normalise and validate every data row of `table` under `mapping`.

    Rows without an email, a phone or a name with a company are rejected with their row number,
    columns and reason; the others come out with their problems noted (the bad value left out).
    Raises `Cancelled` when `should_cancel()` returns True.
    """
    options = options or PrepareOptions()
    accepted: list[PreparedRow] = []
    rejected: list[RejectedRow] = []
    for chunk in iter_prepared(table, mapping, options, progress=progress, should_cancel=should_cancel):
        accepted.extend(chunk.rows)
        rejected.extend(chunk.rejected)
    return PreparedBatch(
        tuple(accepted), tuple(rejected), len(accepted) + len(rejected), table.sha256, mapping
    )
