"""Importing a campaign list: the write side, the batch list, undo and presets. Qt-free.

    service = ImportService(db, clock, sla=sla, scoring=scoring, backup=maintenance.backup_before)
    result = service.import_file(path, ImportSettings(campaign="SMAU 2024"))      # or, in a wizard:
    table = service.read(path, sheet)            # the reader child process; keep it open for the preview
    check = service.check(table, mapping)        # validation summary: rejected rows, duplicates (read-only)
    result = service.import_table(table, mapping, settings, progress=…, should_cancel=…)
    service.undo(result.batch_id)

**All or nothing.** One import is one `ImportBatch` written in one transaction (`Database.writing()`:
BEGIN IMMEDIATE on SQLite), from the batch row to the last lead, event, touch, before-image, score and
SLA due time. Rows stream through in chunks (bounded memory); Cancel is polled between chunks and raises,
which rolls the transaction back; a crash or kill leaves an uncommitted transaction that the database
discards. Before the transaction a restore point is taken (`backup_before("pre-import")` on SQLite).

**Duplicates.** A row is the same person as a lead with the same email (case-insensitive), else the same
E.164 phone, else the same normalised name + company — a lead already in the database (live, not in the
trash; including those this import created from earlier rows) or an earlier row of the file (later rows
merge into the lead the first one made). Per import, the policy says what a duplicate does to the lead:
`skip` nothing, `fill` (default) fills the lead's empty fields, `overwrite` lets the file's non-empty cells
win. Custom columns merge into the lead's custom fields the same way. Whatever the policy, a duplicate from
a campaign the lead has not seen yet records that campaign's touch, and every merge is a `merged` event
with what it changed. The history columns of a duplicate row are not replayed on the lead (it keeps its own
history; a row warning says so). `duplicates` counts the rows that matched; `updated` the existing leads
whose fields changed.

**History.** See `history_events`: the stage and dates of a new lead's row become its lifecycle events.
SLA due times and scores are computed for the imported and merged leads inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import DuplicatePolicy
from leaddesk.domain.errors import NotFoundError, UserError, ValidationError
from leaddesk.models import Campaign, ImportBatch, TeamMember
from leaddesk.models.database import Database
from leaddesk.services.campaign_service import find_or_create_campaign
from leaddesk.services.importing.batch_writer import BatchWriter, WriterSetup, find_existing, row_keys
from leaddesk.services.importing.column_mapping import FULL_NAME, IGNORE, ColumnMapping, propose_mapping
from leaddesk.services.importing.limits import DEFAULT_LIMITS, CancelCheck, ReadLimits, check_cancel
from leaddesk.services.importing.prepared_rows import (
    BuiltChunk,
    PreparedChunk,
    PrepareOptions,
    RejectedRow,
    RowError,
    iter_built,
    iter_prepared,
)
from leaddesk.services.importing.presets import (
    PresetRow,
    delete_preset,
    find_preset,
    list_presets,
    presets_for,
    save_preset,
)
from leaddesk.services.importing.problems import Cancelled
from leaddesk.services.importing.rejected_rows import HELPER_HEADERS, write_rejected_rows
from leaddesk.services.importing.table_reading import RawTable, WorkbookInfo, inspect_file, read_table
from leaddesk.services.importing.undo import UndoResult, undo_batch
from leaddesk.services.processes import start_fork_server

#: `progress(phase, done, total)`: phase is READING (bytes or rows read), IMPORTING (rows written),
#: INDEXING (indexes built again after a big import, see `batch_writer.DEFER_INDEXES_ROWS`) or FINISHING
#: (scores and SLA clocks).
ImportProgress = Callable[[str, int, int], None]
READING, IMPORTING, INDEXING, FINISHING = "reading", "importing", "indexing", "finishing"
#: Hooks run inside the import's transaction with lead ids: the SLA refresh and the re-scoring.
LeadHook = Callable[[Session, Sequence[int]], None]

#: Problems kept in a result (the count is always exact) and stored with the batch.
MAX_ERRORS = 10_000
MAX_STORED_ERRORS = 1_000
#: Rejected rows kept in a result with their cells (for the "save rejected rows" file).
MAX_REJECTED_ROWS = 100_000
_HOOK_CHUNK = 900


class ImportCancelled(UserError):
    """The user cancelled the import; nothing was saved."""

    def __init__(self) -> None:
        super().__init__("The import was cancelled; nothing was saved.")


@dataclass(frozen=True, slots=True)
class ImportSettings:
    policy: DuplicatePolicy = DuplicatePolicy.FILL
    #: The campaign the list came from, by name (created when missing), or by id.
    campaign: str | None = None
    campaign_id: int | None = None
    prepare: PrepareOptions = field(default_factory=PrepareOptions)
    #: Run everything, report, and roll back.
    dry_run: bool = False
    actor_id: int | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    batch_id: int | None
    file_name: str
    sheet: str | None
    rows_read: int
    created: int
    updated: int
    duplicates: int
    rejected: int
    #: Problems in row order (rejected rows' reasons and the warnings of imported rows), at most MAX_ERRORS.
    errors: tuple[RowError, ...]
    errors_total: int
    rejected_rows: tuple[RejectedRow, ...]
    headers: tuple[str, ...]
    dry_run: bool
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The CLI's `--json` object."""
        out: dict[str, Any] = {
            "batch_id": self.batch_id,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }
        if self.errors_total > len(self.errors):
            out["errors_omitted"] = self.errors_total - len(self.errors)
        if self.dry_run:
            out["dry_run"] = True
        return out


@dataclass(frozen=True, slots=True)
class ImportCheck:
    """The validation summary before an import: nothing is written."""

    rows_read: int
    valid: int
    rejected: int
    rejected_rows: tuple[RejectedRow, ...]
    errors: tuple[RowError, ...]
    errors_total: int
    #: Rows that repeat an earlier row of the file, and rows that match a lead already in the database.
    duplicates_in_file: int
    duplicates_existing: int
    #: Earlier imports of the same file (same content), not undone.
    previous_imports: tuple[BatchRow, ...]

    @property
    def duplicates(self) -> int:
        return self.duplicates_in_file + self.duplicates_existing


@dataclass(frozen=True, slots=True)
class BatchRow:
    id: int
    file_name: str
    sheet: str | None
    created_at: dt.datetime
    member_name: str | None
    campaign_id: int | None
    campaign_name: str | None
    policy: DuplicatePolicy
    rows_read: int
    created: int
    updated: int
    duplicates: int
    rejected: int
    errors_total: int
    undone_at: dt.datetime | None
    undone_by_name: str | None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@dataclass(frozen=True, slots=True)
class MappingSuggestion:
    mapping: ColumnMapping
    #: The saved preset applied (the newest for these headers), or None for the automatic mapping.
    preset: PresetRow | None


class _DryRun(Exception):
    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


def require_identity_columns(mapping: ColumnMapping) -> None:
    """Refuse a mapping with which no row could become a lead."""
    targets = {t for _h, t in mapping.assignments if t}
    named = bool(targets & {"first_name", "last_name", FULL_NAME})
    if "email" in targets or "phone" in targets or (named and "company" in targets):
        return
    raise ValidationError(
        "No column is mapped to Email, Phone, or a name with Company: no row could become a lead. "
        "Map at least one of them."
    )


def suggest_for(headers: Sequence[str], presets: Sequence[PresetRow]) -> MappingSuggestion:
    """The newest matching preset applied, else the automatic mapping; helper columns of a rejected-rows
    file are ignored."""
    preset = presets[0] if presets else None
    mapping = preset.applied_to(headers) if preset else propose_mapping(headers)
    for header in HELPER_HEADERS:
        if header in mapping.headers:
            mapping = mapping.with_target(header, IGNORE)
    return MappingSuggestion(mapping, preset)


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class ImportService:
    def __init__(
        self,
        db: Database,
        clock: Clock = system_clock,
        *,
        refresh_clocks: LeadHook | None = None,
        rescore: LeadHook | None = None,
        backup: Callable[[str], Path | None] | None = None,
        limits: ReadLimits = DEFAULT_LIMITS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._refresh_clocks = refresh_clocks
        self._rescore = rescore
        self._backup = backup
        self.limits = limits

    # --- reading (the reading side, with this service's limits) --------------------------------------

    @staticmethod
    def get_ready() -> None:
        """Start the helper processes' fork server ahead of the first read (the import wizard, as it
        opens; the CLI, before it opens the database), so that reading a file does not wait for it."""
        start_fork_server()

    def inspect(self, path: str | Path, *, should_cancel: CancelCheck | None = None) -> WorkbookInfo:
        return inspect_file(path, limits=self.limits, should_cancel=should_cancel)

    def read(
        self,
        path: str | Path,
        sheet: str | None = None,
        *,
        header_row: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> RawTable:
        """The sheet's table (in the reader child process); close it when done."""
        try:
            return read_table(
                path,
                sheet,
                header_row=header_row,
                limits=self.limits,
                progress=progress,
                should_cancel=should_cancel,
            )
        except Cancelled:
            raise ImportCancelled() from None

    # --- presets -------------------------------------------------------------------------------------

    def presets(self) -> list[PresetRow]:
        with self._db.reading() as s:
            return list_presets(s)

    def presets_for(self, headers: Sequence[str]) -> list[PresetRow]:
        with self._db.reading() as s:
            return presets_for(s, headers)

    def preset(self, name: str) -> PresetRow:
        with self._db.reading() as s:
            return find_preset(s, name)

    def suggest_mapping(self, headers: Sequence[str]) -> MappingSuggestion:
        return suggest_for(headers, self.presets_for(headers))

    def save_preset(self, name: str, mapping: ColumnMapping) -> PresetRow:
        with self._db.writing() as s:
            return save_preset(s, name, mapping, self._clock())

    def delete_preset(self, name: str) -> None:
        with self._db.writing() as s:
            delete_preset(s, name)

    # --- validation ----------------------------------------------------------------------------------

    def check(
        self,
        table: RawTable,
        mapping: ColumnMapping,
        options: PrepareOptions | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> ImportCheck:
        """Prepare every row and look for duplicates, writing nothing (the wizard's validation page)."""
        require_identity_columns(mapping)
        seen: set[tuple[int, str]] = set()
        valid = rejected = in_file = existing = 0
        rejected_rows: list[RejectedRow] = []
        errors: list[RowError] = []
        errors_total = 0
        try:
            with self._db.reading() as session:
                for chunk in iter_prepared(
                    table, mapping, options, progress=progress, should_cancel=should_cancel
                ):
                    valid += len(chunk.rows)
                    rejected += len(chunk.rejected)
                    errors_total += self._collect(chunk, rejected_rows, errors, ())
                    keys = [row_keys(r.profile) for r in chunk.rows]
                    matches = find_existing(session.connection(), keys)
                    for index, row_key in enumerate(keys):
                        present = [(kind, v) for kind, v in enumerate(row_key) if v]
                        if any(k in seen for k in present):
                            in_file += 1
                        elif index in matches:
                            existing += 1
                        seen.update(present)
                previous = self._batches(session, sha256=table.sha256)
        except Cancelled:
            raise ImportCancelled() from None
        return ImportCheck(
            rows_read=valid + rejected,
            valid=valid,
            rejected=rejected,
            rejected_rows=tuple(rejected_rows),
            errors=tuple(errors),
            errors_total=errors_total,
            duplicates_in_file=in_file,
            duplicates_existing=existing,
            previous_imports=tuple(b for b in previous if not b.undone),
        )

    @staticmethod
    def _collect(
        chunk: PreparedChunk | BuiltChunk,
        rejected_rows: list[RejectedRow],
        errors: list[RowError],
        extra: Sequence[RowError],
    ) -> int:
        """Keep the chunk's rejected rows and problems (up to the caps); returns how many problems."""
        room = MAX_REJECTED_ROWS - len(rejected_rows)
        if room > 0:
            rejected_rows.extend(chunk.rejected[:room])
        found = [e for r in chunk.rejected for e in r.errors]
        found += [e for r in chunk.rows for e in r.errors]
        found += extra
        found.sort(key=lambda e: e.row)
        room = MAX_ERRORS - len(errors)
        if room > 0:
            errors.extend(found[:room])
        return len(found)

    def write_rejected_rows(
        self, path: str | Path, headers: Sequence[str], rows: Sequence[RejectedRow]
    ) -> Path:
        """Save rejected rows as an .xlsx to fix and import again."""
        return write_rejected_rows(path, headers, rows)

    # --- importing -----------------------------------------------------------------------------------

    def import_file(
        self,
        path: str | Path,
        settings: ImportSettings | None = None,
        *,
        sheet: str | None = None,
        header_row: int | None = None,
        mapping: ColumnMapping | None = None,
        preset: str | None = None,
        progress: ImportProgress | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> ImportResult:
        """Read the file (the sheet, or the first with data) and import it: the CLI's path."""
        settings = settings or ImportSettings()
        self._refuse_read_only()
        chosen = self.preset(preset) if preset is not None and mapping is None else None
        reading = (lambda done, total: progress(READING, done, total)) if progress else None
        with self.read(
            path, sheet, header_row=header_row, progress=reading, should_cancel=should_cancel
        ) as table:
            if mapping is None:
                mapping = (
                    chosen.applied_to(table.headers)
                    if chosen
                    else self.suggest_mapping(table.headers).mapping
                )
            return self.import_table(table, mapping, settings, progress=progress, should_cancel=should_cancel)

    def _refuse_read_only(self) -> None:
        if getattr(self._db, "read_only", False):
            raise ValidationError(
                "This window opened the database read-only: import from the LeadDesk that has it open."
            )

    def import_table(
        self,
        table: RawTable,
        mapping: ColumnMapping,
        settings: ImportSettings | None = None,
        *,
        progress: ImportProgress | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> ImportResult:
        """Import a table already read (the wizard keeps it open for the preview): one transaction."""
        settings = settings or ImportSettings()
        self._refuse_read_only()
        require_identity_columns(mapping)
        check_cancel_user(should_cancel)
        if not settings.dry_run and self._backup is not None:
            self._backup("pre-import")
        started = time.perf_counter()
        try:
            with self._db.writing(bulk=not settings.dry_run) as session:
                result = self._write(session, table, mapping, settings, progress, should_cancel)
                result = replace(result, seconds=time.perf_counter() - started)
                if settings.dry_run:
                    raise _DryRun(result)
                return result
        except _DryRun as done:
            return done.result
        except Cancelled:
            raise ImportCancelled() from None

    def _write(
        self,
        session: Session,
        table: RawTable,
        mapping: ColumnMapping,
        settings: ImportSettings,
        progress: ImportProgress | None,
        should_cancel: CancelCheck | None,
    ) -> ImportResult:
        now = self._clock()
        file_name = table.path.name[:400]
        campaign_id = settings.campaign_id
        if campaign_id is None and settings.campaign and settings.campaign.strip():
            campaign_id = find_or_create_campaign(session, settings.campaign[:200], self._clock)
        elif campaign_id is not None and session.get(Campaign, campaign_id) is None:
            raise NotFoundError(f"Campaign #{campaign_id} does not exist.")
        options = settings.prepare
        batch = ImportBatch(
            file_name=file_name,
            sha256=table.sha256,
            sheet=table.sheet[:200] if table.sheet else None,
            mapping={
                "columns": [[h, t] for h, t in mapping.assignments],
                "header_row": table.header_row,
                "options": {
                    "default_region": options.default_region,
                    "time_zone": options.time_zone,
                    "day_first": options.day_first,
                    "decimal_comma": options.decimal_comma,
                },
            },
            campaign_id=campaign_id,
            duplicate_policy=settings.policy.value,
            member_id=settings.actor_id,
            created_at=now,
            errors={},
        )
        session.add(batch)
        session.flush()
        column_of = {t: h for h, t in mapping.assignments if t}
        writer = BatchWriter(
            session,
            WriterSetup(batch.id, file_name, settings.policy, campaign_id, settings.actor_id, now),
            column_of,
        )
        try:
            writer.open(expected_rows=table.row_count)
            return self._write_rows(session, table, mapping, settings, writer, batch, progress, should_cancel)
        finally:
            writer.close()

    def _write_rows(
        self,
        session: Session,
        table: RawTable,
        mapping: ColumnMapping,
        settings: ImportSettings,
        writer: BatchWriter,
        batch: ImportBatch,
        progress: ImportProgress | None,
        should_cancel: CancelCheck | None,
    ) -> ImportResult:
        options = settings.prepare
        total = table.row_count
        done = rows_read = rejected = errors_total = 0
        rejected_rows: list[RejectedRow] = []
        errors: list[RowError] = []
        if progress is not None:
            progress(IMPORTING, 0, total)
        for chunk in iter_built(table, mapping, writer.spec, options, should_cancel=should_cancel):
            check_cancel(should_cancel)
            mark = len(writer.warnings)
            writer.write(chunk)
            errors_total += self._collect(chunk, rejected_rows, errors, writer.warnings[mark:])
            del writer.warnings[mark:]
            rows_read += len(chunk.rows) + len(chunk.rejected)
            rejected += len(chunk.rejected)
            done += len(chunk.rows) + len(chunk.rejected)
            if progress is not None:
                progress(IMPORTING, done, total)
        check_cancel(should_cancel)

        def indexing(done: int, total: int) -> None:
            check_cancel(should_cancel)
            if progress is not None:
                progress(INDEXING, done, total)

        writer.finish(build_indexes=not settings.dry_run, step=indexing)
        self._after_write(session, writer, progress, should_cancel)
        counts = writer.counts
        batch.rows_read = rows_read
        batch.created = counts.created
        batch.updated = counts.updated
        batch.duplicates = counts.duplicates
        batch.rejected = rejected
        batch.errors = {
            "total": errors_total,
            "items": [
                {"row": e.row, "column": e.column, "message": e.message} for e in errors[:MAX_STORED_ERRORS]
            ],
        }
        session.flush()
        return ImportResult(
            batch_id=None if settings.dry_run else batch.id,
            file_name=batch.file_name,
            sheet=table.sheet,
            rows_read=rows_read,
            created=counts.created,
            updated=counts.updated,
            duplicates=counts.duplicates,
            rejected=rejected,
            errors=tuple(errors),
            errors_total=errors_total,
            rejected_rows=tuple(rejected_rows),
            headers=table.headers,
            dry_run=settings.dry_run,
        )

    def _after_write(
        self,
        session: Session,
        writer: BatchWriter,
        progress: ImportProgress | None,
        should_cancel: CancelCheck | None,
    ) -> None:
        """Scores of the merged leads and SLA due times of the handed-off ones, in the same transaction."""
        rescore = sorted(writer.rescore_ids)
        sla = writer.sla_ids
        total = (len(rescore) if self._rescore else 0) + (len(sla) if self._refresh_clocks else 0)
        done = 0
        if progress is not None:
            progress(FINISHING, 0, total)
        for hook, ids in ((self._rescore, rescore), (self._refresh_clocks, sla)):
            if hook is None:
                continue
            for part in _chunks(ids, _HOOK_CHUNK):
                check_cancel(should_cancel)
                hook(session, part)
                done += len(part)
                if progress is not None:
                    progress(FINISHING, done, total)

    # --- the batch list and undo ---------------------------------------------------------------------

    def batches(self, *, limit: int = 200) -> list[BatchRow]:
        with self._db.reading() as s:
            return self._batches(s, limit=limit)

    def batch(self, batch_id: int) -> BatchRow:
        with self._db.reading() as s:
            found = self._batches(s, batch_id=batch_id)
        if not found:
            raise NotFoundError(f"Import #{batch_id} does not exist.")
        return found[0]

    @staticmethod
    def _batches(
        session: Session, *, limit: int = 200, batch_id: int | None = None, sha256: str | None = None
    ) -> list[BatchRow]:
        member = aliased(TeamMember)
        undoer = aliased(TeamMember)
        stmt = (
            select(ImportBatch, member.name, undoer.name, Campaign.name)
            .outerjoin(member, member.id == ImportBatch.member_id)
            .outerjoin(undoer, undoer.id == ImportBatch.undone_by_id)
            .outerjoin(Campaign, Campaign.id == ImportBatch.campaign_id)
            .order_by(ImportBatch.id.desc())
            .limit(limit)
        )
        if batch_id is not None:
            stmt = stmt.where(ImportBatch.id == batch_id)
        if sha256 is not None:
            stmt = stmt.where(ImportBatch.sha256 == sha256)
        rows = []
        for b, member_name, undoer_name, campaign_name in session.execute(stmt):
            rows.append(
                BatchRow(
                    id=b.id,
                    file_name=b.file_name,
                    sheet=b.sheet,
                    created_at=b.created_at,
                    member_name=member_name,
                    campaign_id=b.campaign_id,
                    campaign_name=campaign_name,
                    policy=DuplicatePolicy(b.duplicate_policy),
                    rows_read=b.rows_read,
                    created=b.created,
                    updated=b.updated,
                    duplicates=b.duplicates,
                    rejected=b.rejected,
                    errors_total=int((b.errors or {}).get("total", 0)),
                    undone_at=b.undone_at,
                    undone_by_name=undoer_name,
                )
            )
        return rows

    def batch_errors(self, batch_id: int) -> list[RowError]:
        """The stored problems of a batch (the first MAX_STORED_ERRORS)."""
        with self._db.reading() as s:
            batch = s.get(ImportBatch, batch_id)
            if batch is None:
                raise NotFoundError(f"Import #{batch_id} does not exist.")
            items = (batch.errors or {}).get("items", [])
        return [RowError(int(i["row"]), str(i["column"]), str(i["message"])) for i in items]

    def count_batches(self) -> int:
        with self._db.reading() as s:
            return int(s.scalar(select(func.count()).select_from(ImportBatch)) or 0)

    def undo(self, batch_id: int, *, actor_id: int | None = None, keep_worked: bool = False) -> UndoResult:
        """Undo a finished import in one transaction (see `undo`); a restore point is taken first."""
        self._refuse_read_only()
        self.batch(batch_id)  # a clear message for an unknown batch, before the backup
        if self._backup is not None:
            self._backup("pre-undo")
        with self._db.writing(bulk=True) as session:
            result, restored = undo_batch(
                session, batch_id, actor_id=actor_id, now=self._clock(), keep_worked=keep_worked
            )
            for part in _chunks(restored, _HOOK_CHUNK):
                if self._rescore is not None:
                    self._rescore(session, part)
            return result


def check_cancel_user(should_cancel: CancelCheck | None) -> None:
    if should_cancel is not None and should_cancel():
        raise ImportCancelled()
