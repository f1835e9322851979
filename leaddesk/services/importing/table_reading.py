"""From a path on disk to a table of raw cells: `inspect_file` and `read_table`.

Order of work for every file: sniff the bytes (sniffing), check the archive (xlsx_prescan), parse in the
limited reader process (safe_reader), then find the header (header_detection) in the parent. Rows stay on
disk in the reader's chunk store until they are iterated.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from leaddesk.domain.errors import NotFoundError
from leaddesk.services.importing.header_detection import (
    MAX_HEADER_ROWS,
    SAMPLE_ROWS,
    SEARCH_ROWS,
    Column,
    layout_columns,
)
from leaddesk.services.importing.limits import DEFAULT_LIMITS, CancelCheck, Progress, ReadLimits, check_cancel
from leaddesk.services.importing.problems import Cancelled, FileProblem, UnreadableFileError, refuse
from leaddesk.services.importing.row_store import CellValue, DataRow, RowStore
from leaddesk.services.importing.safe_reader import InspectOutcome, ReaderRequest, ReadOutcome, run_reader
from leaddesk.services.importing.sniffing import Container, FileFormat, Sniffed, sniff
from leaddesk.services.importing.work_dirs import new_work_dir
from leaddesk.services.importing.xlsx_prescan import (
    SheetKind,
    SheetScan,
    ZipReport,
    prescan_zip,
    scan_worksheet,
)


@dataclass(frozen=True, slots=True)
class SheetInfo:
    name: str
    visible: bool
    #: 'worksheet', 'chart', 'dialog' or 'macro'; only worksheets hold tables.
    kind: str
    #: Whether the sheet holds any value (None: not known).
    has_data: bool | None
    #: Why this sheet cannot be read (for example too large), or None.
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class WorkbookInfo:
    path: Path
    format: FileFormat
    #: Sheets in workbook order; empty for text files.
    sheets: tuple[SheetInfo, ...]
    #: The sheet read when none is chosen: the first visible worksheet with data (None for text files).
    default_sheet: str | None
    date_1904: bool
    size: int


@dataclass(frozen=True, slots=True)
class RawTable:
    """The cells of one sheet (or text file) below its header, as read, with where they came from.

    Rows are kept on disk; iterate them with `iter_rows()` and call `close()` (or use `with`) when done.
    """

    path: Path
    format: FileFormat
    sheet: str | None
    #: Row number of the (first) header row as the user sees it; None when the file has no header.
    header_row: int | None
    #: Rows numbered up to this one (title and header rows) are not data.
    data_after: int
    columns: tuple[Column, ...]
    #: Non-empty data rows.
    row_count: int
    #: True when numeric dates are counted from 1904 (Mac Excel), for serial numbers in date columns.
    date_1904: bool
    sha256: str
    encoding: str | None
    delimiter: str | None
    store: RowStore
    #: Peak memory of the reader process, in bytes, and its processor time, in seconds (diagnostics).
    reader_peak_rss: int = 0
    reader_cpu_seconds: float = 0.0

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def iter_rows(self) -> Iterator[DataRow]:
        """Every non-empty data row, in file order (cells as stored: index them with `Column.index`)."""
        return self.store.iter_rows(self.data_after)

    def values(self, row: DataRow) -> tuple[CellValue, ...]:
        """The row's cells in column order ('' where the row is shorter), e.g. for a preview grid."""
        cells = row.cells
        return tuple(cells[c.index] if c.index < len(cells) else "" for c in self.columns)

    def preview(self, limit: int = 20) -> list[DataRow]:
        out: list[DataRow] = []
        for row in self.iter_rows():
            if len(out) >= limit:
                break
            out.append(row)
        return out

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> RawTable:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _scan_to_info(scan: SheetScan) -> SheetInfo:
    return SheetInfo(scan.name, scan.visible, scan.kind.value, scan.has_data, scan.refusal)


def _default(sheets: tuple[SheetInfo, ...]) -> str | None:
    for info in sheets:
        if info.kind == "worksheet" and info.visible and info.has_data:
            return info.name
    return None


def _classify(
    path: Path, limits: ReadLimits, *, quick: bool = False
) -> tuple[Sniffed, FileFormat, ZipReport | None]:
    sniffed = sniff(path, limits)
    if sniffed.container is Container.ZIP:
        report = prescan_zip(path, sniffed.extension, limits, quick=quick)
        return sniffed, report.format, report
    if sniffed.container is Container.OLE:
        return sniffed, FileFormat.XLS, None
    return sniffed, FileFormat.CSV, None


def inspect_file(
    path: str | Path, *, limits: ReadLimits = DEFAULT_LIMITS, should_cancel: CancelCheck | None = None
) -> WorkbookInfo:
    """The file's format and sheets (visible or hidden, with or without data) and the default sheet."""
    path = Path(path)
    sniffed, fmt, report = _classify(path, limits)
    if fmt is FileFormat.CSV:
        return WorkbookInfo(path, fmt, (), None, False, sniffed.size)
    if report is not None and fmt is FileFormat.XLSX:
        sheets = tuple(_scan_to_info(s) for s in report.sheets)
        return WorkbookInfo(path, fmt, sheets, _default(sheets), report.date_1904, sniffed.size)
    work_dir = new_work_dir()
    try:
        outcome = run_reader(
            ReaderRequest("inspect", str(path), fmt, work_dir, limits), should_cancel=should_cancel
        )
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    if not isinstance(outcome, InspectOutcome):  # pragma: no cover - the reader answers what it was asked
        raise TypeError(f"unexpected reader outcome {type(outcome).__name__}")
    sheets = tuple(SheetInfo(s.name, s.visible, s.kind, s.has_data) for s in outcome.sheets)
    return WorkbookInfo(path, fmt, sheets, _default(sheets), sniffed.date_1904, sniffed.size)


def _choose_xlsx_sheet(path: Path, report: ZipReport, sheet: str | None) -> SheetScan:
    worksheets = [s for s in report.sheets if s.kind is SheetKind.WORKSHEET]
    if sheet is None:
        chosen = next((s for s in worksheets if s.visible and s.has_data), None)
        if chosen is not None:
            return chosen
        if worksheets and all(s.has_data is None for s in worksheets):
            raise refuse(
                FileProblem.DAMAGED,
                f"The file is damaged: {path.name!r} lists sheets but their contents are missing.",
            )
        hidden = [s.name for s in worksheets if s.has_data and not s.visible]
        if hidden:
            names = ", ".join(repr(n) for n in hidden)
            raise refuse(
                FileProblem.NO_SHEET,
                f"The workbook has no visible sheet with data; only hidden sheets do ({names}). Choose one.",
            )
        raise refuse(FileProblem.NO_SHEET, "The workbook has no sheet with data in it.")
    chosen = next((s for s in report.sheets if s.name == sheet), None) or next(
        (s for s in report.sheets if s.name.casefold() == sheet.casefold()), None
    )
    if chosen is None:
        names = ", ".join(repr(s.name) for s in report.sheets)
        raise NotFoundError(f"The workbook has no sheet named {sheet!r} (its sheets: {names}).")
    if chosen.kind is not SheetKind.WORKSHEET:
        raise refuse(
            FileProblem.NO_SHEET, f"Sheet {chosen.name!r} is a {chosen.kind.value} sheet, not a table."
        )
    return chosen


def _head(store: RowStore, header_row: int | None) -> list[DataRow]:
    """The top rows (from the row the user chose as header, if any): enough to find the header and
    sample the columns below it."""
    want = SEARCH_ROWS + SAMPLE_ROWS + MAX_HEADER_ROWS
    head: list[DataRow] = []
    for row in store.iter_rows(after_row=max(0, (header_row or 0) - 1)):
        head.append(row)
        if len(head) >= want:
            break
    return head


def _rows_up_to(store: RowStore, number: int) -> int:
    """How many stored rows are numbered `number` or less (title and header rows)."""
    count = 0
    for row in store.iter_rows():
        if row.number > number:
            break
        count += 1
    return count


class _SheetCheck:
    """The full prescan of the chosen sheet, in a thread of this process while the reader process reads
    it (two cores at work instead of one after the other). Its refusal wins over whatever the reader
    did: the reader is stopped when the scan refuses the sheet, and a reader that failed or finished is
    reported only once the scan has passed the sheet."""

    def __init__(self, path: Path, sheet: SheetScan, limits: ReadLimits) -> None:
        self._result: SheetScan | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._scan, args=(path, sheet, limits), name="leaddesk-prescan", daemon=True
        )
        self._thread.start()

    def _scan(self, path: Path, sheet: SheetScan, limits: ReadLimits) -> None:
        try:
            self._result = scan_worksheet(path, sheet, limits)
        except BaseException as exc:  # handed to the caller
            self._error = exc

    def _raise_if_refused(self) -> None:
        if self._error is not None:
            raise self._error
        if self._result is not None and self._result.refusal:
            raise refuse(FileProblem.TOO_LARGE, self._result.refusal)

    def _verdict(self) -> None:
        self._thread.join()
        self._raise_if_refused()

    def run(
        self, request: ReaderRequest, progress: Progress | None, should_cancel: CancelCheck | None
    ) -> InspectOutcome | ReadOutcome:
        def stop() -> bool:
            if not self._thread.is_alive():
                self._raise_if_refused()
            return should_cancel is not None and should_cancel()

        try:
            outcome = run_reader(request, progress=progress, should_cancel=stop)
        except Cancelled:
            raise
        except UnreadableFileError:
            self._verdict()
            raise
        self._verdict()
        return outcome


def read_table(
    path: str | Path,
    sheet: str | None = None,
    *,
    header_row: int | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    should_cancel: CancelCheck | None = None,
) -> RawTable:
    """Read one sheet (default: the first visible one with data) or text file into a `RawTable`.

    `header_row`: None finds the header below any title rows; 0 says the file has no header (columns
    are then named 'Column A', ...); a row number (as the user sees it) takes that row.
    Raises `ImportFileError` (an `UnreadableFileError`, with its `problem`) for files that cannot be
    imported, and `Cancelled` when `should_cancel()` returns True.
    """
    path = Path(path)
    check_cancel(should_cancel)
    # A quick prescan chooses the sheet; the chosen sheet's full scan runs while the reader reads it,
    # and its verdict is awaited before the rows are used (see `_SheetCheck`).
    sniffed, fmt, report = _classify(path, limits, quick=True)
    date_1904 = sniffed.date_1904
    sheet_name, sheet_index = sheet, -1
    sheet_check: _SheetCheck | None = None
    if fmt is FileFormat.XLSX and report is not None:
        chosen = _choose_xlsx_sheet(path, report, sheet)
        if chosen.refusal:
            raise refuse(FileProblem.TOO_LARGE, chosen.refusal)
        sheet_name, sheet_index, date_1904 = chosen.name, chosen.index, report.date_1904
        if not chosen.complete:
            sheet_check = _SheetCheck(path, chosen, limits)
    elif fmt is FileFormat.CSV:
        sheet_name = None
    check_cancel(should_cancel)
    work_dir = new_work_dir()
    store: RowStore | None = None
    try:
        request = ReaderRequest("read", str(path), fmt, work_dir, limits, sheet_name, sheet_index)
        if sheet_check is None:
            outcome = run_reader(request, progress=progress, should_cancel=should_cancel)
        else:
            outcome = sheet_check.run(request, progress, should_cancel)
        if not isinstance(outcome, ReadOutcome):  # pragma: no cover
            raise TypeError(f"unexpected reader outcome {type(outcome).__name__}")
        store = RowStore(Path(work_dir), Path(outcome.store_path), outcome.chunks)
        head = _head(store, header_row)
        if not head:
            where = "file" if fmt is FileFormat.CSV else f"sheet {outcome.sheet!r}"
            raise refuse(FileProblem.EMPTY, f"The {where} is empty: it holds no values.")
        layout = layout_columns(
            head,
            merged=outcome.merged,
            first_column=outcome.first_column,
            sheet=fmt is not FileFormat.CSV,
            header_row=header_row,
        )
        skipped = _rows_up_to(store, layout.data_after)
        return RawTable(
            path=path,
            format=fmt,
            sheet=outcome.sheet,
            header_row=layout.first_row,
            data_after=layout.data_after,
            columns=layout.columns,
            row_count=store.row_count - skipped,
            date_1904=date_1904,
            sha256=outcome.sha256,
            encoding=outcome.encoding,
            delimiter=outcome.delimiter,
            store=store,
            reader_peak_rss=outcome.peak_rss,
            reader_cpu_seconds=outcome.cpu_seconds,
        )
    except BaseException:
        if store is not None:
            store.close()
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
