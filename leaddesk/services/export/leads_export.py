"""The plain leads list as .xlsx or .csv: every lead field, the campaign touches summarised, the stage
timestamps — for the leads a filter selects.

Rows are read in keyset pages of `CHUNK` leads (`ORDER BY id`, `id > last`), with the touches of each page
aggregated in SQL (count, first, last, the campaigns touched), and streamed into the file: memory stays
flat whatever the number of leads. `progress(done, total)` is called after each page and
`should_cancel()` checked before it; a cancelled or failed export leaves no file behind (the file is
written beside the target and renamed at the end). Times are the SLA calendar's wall-clock time.
"""

from __future__ import annotations

import csv
import json
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, type_coerce
from sqlalchemy.types import NullType

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.errors import UserError, ValidationError
from leaddesk.domain.fields import PROFILE_FIELDS, FieldKind
from leaddesk.domain.queries import LeadFilter
from leaddesk.models import Campaign, CampaignTouch, Lead, TeamMember
from leaddesk.models.database import Database
from leaddesk.services.export.cells import (
    FORMULA_FIRST,
    ExportCancelled,
    LocalTimes,
    atomic_output,
    csv_text,
    safe_cell,
)
from leaddesk.services.export.xlsx_stream import XlsxTableWriter
from leaddesk.services.lead_query_service import filter_conditions
from leaddesk.services.reporting import labels as L
from leaddesk.services.sla.sla_service import SlaService

Progress = Callable[[int, int], None]
ShouldCancel = Callable[[], bool]
CHUNK = 2000
FORMATS = ("xlsx", "csv")


_DATETIMES = (
    "created_at",
    "mql_at",
    "handed_off_at",
    "accepted_at",
    "rejected_at",
    "first_contact_at",
    "closed_at",
    "accept_due_at",
    "contact_due_at",
    "last_activity_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class ExportColumn:
    key: str
    title: str
    #: How the xlsx writer encodes it: text, int, money, datetime or any.
    kind: str = "any"


def _columns() -> tuple[ExportColumn, ...]:
    kinds = {"company_size": "int", "consent": "any"}
    extra = L.LEAD_EXTRA_COLUMNS
    cols = [ExportColumn("id", extra["id"], "int")]
    cols += [ExportColumn(f.name, f.label, kinds.get(f.name, "text")) for f in PROFILE_FIELDS]
    cols += [
        ExportColumn("campaign", extra["campaign"], "text"),
        ExportColumn("score", extra["score"], "int"),
        ExportColumn("stage", extra["stage"], "text"),
        ExportColumn("marketing_owner", extra["marketing_owner"], "text"),
        ExportColumn("sales_owner", extra["sales_owner"], "text"),
        ExportColumn("handoff_note", extra["handoff_note"], "text"),
        ExportColumn("reject_reason", extra["reject_reason"], "text"),
        ExportColumn("reject_note", extra["reject_note"], "text"),
        ExportColumn("lost_reason", extra["lost_reason"], "text"),
        ExportColumn("expected_value", extra["expected_value"], "money"),
        ExportColumn("expected_close_on", extra["expected_close_on"], "any"),
    ]
    cols += [ExportColumn(name, extra[name], "datetime") for name in _DATETIMES if name != "updated_at"]
    cols += [
        ExportColumn("attempts", extra["attempts"], "int"),
        ExportColumn("next_step_on", extra["next_step_on"], "any"),
        ExportColumn("touches", extra["touches"], "int"),
        ExportColumn("first_touch_at", extra["first_touch_at"], "datetime"),
        ExportColumn("last_touch_at", extra["last_touch_at"], "datetime"),
        ExportColumn("touched_campaigns", extra["touched_campaigns"], "text"),
        ExportColumn("updated_at", extra["updated_at"], "datetime"),
        ExportColumn("custom_fields", extra["custom_fields"], "text"),
    ]
    return tuple(cols)


COLUMNS = _columns()


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int


def export_format(path: Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError("Export to a file ending in .xlsx or .csv.")
    return suffix


class LeadExportService:
    def __init__(self, db: Database, sla: SlaService, clock: Clock = system_clock) -> None:
        self._db = db
        self._sla = sla
        self._clock = clock

    def count(self, flt: LeadFilter) -> int:
        with self._db.reading() as s:
            conds = filter_conditions(self._db.dialect, flt, conn=s.connection())
            return int(s.scalar(select(func.count()).select_from(Lead).where(*conds)) or 0)

    def export(
        self,
        path: Path,
        flt: LeadFilter | None = None,
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> ExportResult:
        """Write the leads `flt` selects (every live lead by default) to `path` (.xlsx or .csv)."""
        path = Path(path)
        fmt = export_format(path)
        flt = flt or LeadFilter()
        zone = self._sla.current_policy().calendar.zone
        total = self.count(flt)
        pages = _prefetch(self._pages(flt, zone, should_cancel))
        done = 0
        try:
            with atomic_output(path) as tmp:
                if fmt == "xlsx":
                    with XlsxTableWriter(
                        tmp,
                        L.SHEET_LEADS,
                        [c.title for c in COLUMNS],
                        kinds=[c.kind for c in COLUMNS],
                        title=L.SHEET_LEADS,
                        expected_rows=total,
                    ) as writer:
                        first = next(pages, [])
                        writer.begin(list(zip(*(c[:200] for c in first), strict=True)) if first else [])
                        for columns in _chain(first, pages):
                            writer.write_columns(columns)
                            done += len(columns[0])
                            if progress:
                                progress(done, total)
                else:
                    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                        out = csv.writer(fh)
                        out.writerow([c.title for c in COLUMNS])
                        kinds = [c.kind for c in COLUMNS]
                        for columns in pages:
                            out.writerows(_csv_rows(columns, kinds))
                            done += len(columns[0])
                            if progress:
                                progress(done, total)
        except OSError as exc:
            raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
        if progress:
            progress(total, total)
        return ExportResult(path, done)

    def _pages(
        self, flt: LeadFilter, zone: ZoneInfo, should_cancel: ShouldCancel | None
    ) -> Iterator[list[list[Any]]]:
        """Pages of leads as columns (a list of values per export column)."""
        profile = [getattr(Lead, f.name) for f in PROFILE_FIELDS]
        stmt = select(
            Lead.id,
            *profile,
            Lead.campaign_id,
            Lead.score,
            Lead.stage,
            Lead.marketing_owner_id,
            Lead.sales_owner_id,
            Lead.handoff_note,
            Lead.reject_reason,
            Lead.reject_note,
            Lead.close_reason,
            Lead.expected_value,
            Lead.expected_close_on,
            *(_raw(getattr(Lead, name)) for name in _DATETIMES if name != "updated_at"),
            Lead.attempts,
            Lead.next_step_on,
            _raw(Lead.updated_at),
            _raw(Lead.custom_fields),
        ).order_by(Lead.id)
        with self._db.reading() as s:
            conn = s.connection()
            conds = filter_conditions(self._db.dialect, flt, conn=conn)
            # The ids first, from whichever index the filter can use; the rows then by pages of ids (a
            # keyset scan in id order would read every lead to find the few a filter selects).
            ids = sorted(conn.execute(select(Lead.id).where(*conds)).scalars().all())
            campaigns = dict(conn.execute(select(Campaign.id, Campaign.name)).all())
            members = dict(conn.execute(select(TeamMember.id, TeamMember.name)).all())
        n_profile = len(profile)
        booleans = [1 + i for i, f in enumerate(PROFILE_FIELDS) if f.kind == FieldKind.BOOLEAN]
        base = 1 + n_profile
        first_dt = base + 11
        stages = {k.value: v for k, v in L.STAGES.items()}
        local = LocalTimes(zone)
        for start in range(0, len(ids), CHUNK):
            if should_cancel is not None and should_cancel():
                raise ExportCancelled()
            chunk = ids[start : start + CHUNK]
            # The page is the filter's leads in an id range (the ids were read above): two bound values
            # instead of a list of 2,000, which SQLAlchemy would compile value by value for each query.
            in_page = [*conds, Lead.id >= chunk[0], Lead.id <= chunk[-1]]
            page_ids = select(Lead.id).where(*in_page)
            with self._db.reading() as s:
                # Core rows, no ORM: the columns that need converting come raw and are converted below.
                conn = s.connection()
                rows = _raw_rows(conn, stmt.where(*in_page))
                touches = _raw_rows(
                    conn,
                    select(
                        CampaignTouch.lead_id,
                        func.count(),
                        _raw(func.min(CampaignTouch.touched_at)),
                        _raw(func.max(CampaignTouch.touched_at)),
                    )
                    .where(CampaignTouch.lead_id.in_(page_ids))
                    .group_by(CampaignTouch.lead_id),
                )
                touched = _raw_rows(
                    conn,
                    select(CampaignTouch.lead_id, CampaignTouch.campaign_id)
                    .where(CampaignTouch.lead_id.in_(page_ids), CampaignTouch.campaign_id.is_not(None))
                    .distinct(),
                )
            summary = {t[0]: t[1:] for t in touches}
            names: dict[int, list[str]] = defaultdict(list)
            for lead_id, campaign_id in touched:
                if campaign_id is not None:
                    names[lead_id].append(campaigns.get(campaign_id, ""))
            if not rows:
                continue
            # Converted a column at a time (a comprehension per column beats a loop per row).
            cols: list[list[Any]] = [list(c) for c in zip(*rows, strict=True)]
            lead_ids = cols[0]
            # id, profile…, campaign, score, stage, owners, notes, reasons, value, close date, stamps…
            for i in booleans:  # SQLite gives 0 / 1
                cols[i] = [None if v is None else bool(v) for v in cols[i]]
            cols[base] = [campaigns.get(v) for v in cols[base]]
            cols[base + 2] = [stages.get(v, v) for v in cols[base + 2]]
            cols[base + 3] = [members.get(v) for v in cols[base + 3]]
            cols[base + 4] = [members.get(v) for v in cols[base + 4]]
            for i in range(first_dt, first_dt + len(_DATETIMES) - 1):
                cols[i] = local.column(cols[i])
            attempts, next_step, updated, custom = cols[-4:]
            counts = [summary.get(lead_id, (0, None, None)) for lead_id in lead_ids]
            yield [
                *cols[:-4],
                attempts,
                next_step,
                [c[0] for c in counts],
                local.column([c[1] for c in counts]),
                local.column([c[2] for c in counts]),
                [", ".join(sorted(names[i])) if i in names else None for i in lead_ids],
                local.column(updated),
                [_custom_text(v) for v in custom],
            ]


def _csv_column(kind: str, values: Sequence[Any]) -> list[str]:
    """One column of a page as CSV fields. Text that `safe_cell` would leave unchanged, dates and whole
    numbers take a fast path; everything else goes through `safe_cell` and `csv_text`."""
    first = FORMULA_FIRST
    if kind == "text":
        return [
            ""
            if v is None
            else v
            if type(v) is str and v.isprintable() and v[:1] not in first
            else csv_text(safe_cell(v))
            for v in values
        ]
    if kind == "datetime":
        return [
            ""
            if v is None
            else v.isoformat(" ")
            if type(v) is datetime and not v.microsecond
            else csv_text(v)
            for v in values
        ]
    if kind == "int":
        return ["" if v is None else str(v) if type(v) is int else csv_text(safe_cell(v)) for v in values]
    return [csv_text(safe_cell(v)) for v in values]


def _csv_rows(columns: Sequence[Sequence[Any]], kinds: Sequence[str]) -> Iterator[tuple[str, ...]]:
    fields = [_csv_column(kind, col) for kind, col in zip(kinds, columns, strict=True)]
    return zip(*fields, strict=True)


def _raw_rows(conn: Any, stmt: Any) -> list[tuple[Any, ...]]:
    """The rows of `stmt` as the driver returns them (plain tuples): a page of 2,000 wide rows is read
    without building a result row object per lead. The statement's parameters go through SQLAlchemy (so
    they are bound with their types); the converters below take the drivers' raw values."""
    result = conn.execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _custom_text(value: Any) -> str | None:
    """Custom fields as JSON text (SQLite gives the stored text, PostgreSQL a dict); None when empty."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value.strip() in ("", "{}", "null") else value
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None


def _prefetch(pages: Iterator[list[list[Any]]], depth: int = 2) -> Iterator[list[list[Any]]]:
    """Read the next pages on a worker thread while the caller writes this one (the database waits for
    the disk while Python formats cells). Errors, a cancel included, reach the caller; a caller that stops
    early stops the reader."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        box.put(("page", page), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("end", None))
        except BaseException as exc:  # handed to the caller
            box.put(("error", exc))

    reader = threading.Thread(target=read, name="leads-export-reader", daemon=True)
    reader.start()
    try:
        while True:
            kind, item = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=5)


def _raw(column: Any) -> Any:
    """A timestamp column without its type processing: SQLite's UTC text or the driver's datetime, which
    `LocalTimes` converts far faster than the ORM type plus a zone conversion per value."""
    return type_coerce(column, NullType())


def _chain(first: list[list[Any]], rest: Iterator[list[list[Any]]]) -> Iterator[list[list[Any]]]:
    if first:
        yield first
    yield from rest


def column_titles() -> Sequence[str]:
    return [c.title for c in COLUMNS]


__all__ = ["COLUMNS", "ExportResult", "LeadExportService", "column_titles", "export_format"]
