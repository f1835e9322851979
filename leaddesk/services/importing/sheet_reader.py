"""Workbooks (.xlsx/.xlsm, .xls, .ods) through python-calamine. Only used inside the reader process.

calamine builds a dense grid of the whole sheet before the first row comes out; what protects the app
from that is the pre-scan and the reader process's limits, not this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine as calamine

from leaddesk.services.importing.limits import ReadLimits
from leaddesk.services.importing.problems import FileProblem, UnreadableFileError, refuse
from leaddesk.services.importing.row_store import CellValue

_KINDS = (
    (calamine.SheetTypeEnum.WorkSheet, "worksheet"),
    (calamine.SheetTypeEnum.ChartSheet, "chart"),
    (calamine.SheetTypeEnum.DialogSheet, "dialog"),
    (calamine.SheetTypeEnum.MacroSheet, "macro"),
    (calamine.SheetTypeEnum.Vba, "macro"),
)  # the enum members are not hashable

#: Merged ranges are only needed around the header; no more than this many are passed on.
MAX_MERGES = 5000


@dataclass(frozen=True, slots=True)
class SheetListing:
    name: str
    index: int
    kind: str
    visible: bool
    has_data: bool | None


@dataclass(frozen=True, slots=True)
class SheetGeometry:
    name: str
    #: 0-based column of the first cell in each row that `rows()` yields.
    first_column: int
    height: int
    width: int
    #: Merged ranges ((row, col), (row, col)), 0-based and inclusive, near the top of the sheet.
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def translate_error(exc: BaseException) -> UnreadableFileError:
    """The user-facing refusal for an exception raised by calamine."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, calamine.PasswordError) or "password" in lowered:
        return refuse(
            FileProblem.PASSWORD,
            "The workbook is password-protected: open it in Excel or LibreOffice, remove the password and "
            "import it again.",
        )
    if "cell limit exceeded" in lowered:
        return refuse(FileProblem.TOO_LARGE, f"The file is too large to import: {text}.")
    if "eocd" in lowered or "unexpected eof" in lowered or "end of file" in lowered:
        return refuse(
            FileProblem.INCOMPLETE,
            "The file is incomplete: it ends before its content does (an interrupted download or copy?).",
        )
    if "cfb" in lowered or "invalid ole" in lowered:
        return refuse(
            FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: the file is not an Excel workbook ({text})."
        )
    if isinstance(exc, calamine.WorksheetNotFound):
        return refuse(
            FileProblem.DAMAGED, f"The file is damaged: the workbook lists sheet {text!r} but it is missing."
        )
    return refuse(FileProblem.DAMAGED, f"The file is damaged: {text or type(exc).__name__}.")


def open_workbook(path: Path) -> Any:
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.CalamineError as exc:
        raise translate_error(exc) from None


def list_sheets(workbook: Any, *, probe_data: bool) -> list[SheetListing]:
    """The sheets in workbook order; with `probe_data`, loads each worksheet to see if it holds values."""
    out: list[SheetListing] = []
    for index, meta in enumerate(workbook.sheets_metadata):
        kind = next((label for typ, label in _KINDS if meta.typ == typ), "worksheet")
        visible = meta.visible == calamine.SheetVisibleEnum.Visible
        has_data: bool | None = None
        if probe_data and kind == "worksheet":
            try:
                sheet = workbook.get_sheet_by_index(index)
                has_data = sheet.start is not None and _any_value(sheet)
            except calamine.CalamineError:
                has_data = None
        out.append(SheetListing(meta.name, index, kind, visible, has_data))
    return out


def _any_value(sheet: Any) -> bool:
    return any(row.count("") != len(row) for row in sheet.iter_rows())


def load_default_sheet(workbook: Any, limits: ReadLimits) -> tuple[SheetGeometry, Any] | None:
    """The first visible worksheet with data (hidden, very hidden and chart sheets are skipped)."""
    for listing in list_sheets(workbook, probe_data=False):
        if listing.kind != "worksheet" or not listing.visible:
            continue
        geometry, sheet = load_sheet(workbook, listing.index, listing.name, limits)
        if sheet.start is not None and _any_value(sheet):
            return geometry, sheet
    return None


def load_sheet(workbook: Any, index: int, name: str, limits: ReadLimits) -> tuple[SheetGeometry, Any]:
    names = workbook.sheet_names
    try:
        if 0 <= index < len(names) and names[index] == name:
            sheet = workbook.get_sheet_by_index(index)
        else:
            sheet = workbook.get_sheet_by_name(name)
    except calamine.CalamineError as exc:
        raise translate_error(exc) from None
    start = sheet.start
    height, width = sheet.height, sheet.width
    if height * width > limits.max_cells or height > limits.max_rows or width > limits.max_columns:
        raise refuse(
            FileProblem.TOO_LARGE,
            f"The file is too large to import: sheet {name!r} spans {height:,} rows x {width:,} columns; "
            f"the limit is {limits.max_cells:,} cells.",
        )
    merged_raw = sheet.merged_cell_ranges or []
    merged = tuple(
        ((int(a[0]), int(a[1])), (int(b[0]), int(b[1])))
        for a, b in merged_raw[:MAX_MERGES]
        if int(a[0]) < 1000
    )
    first_column = int(start[1]) if start is not None else 0
    return SheetGeometry(name, first_column, height, width, merged), sheet


def iter_sheet_rows(sheet: Any) -> Iterator[tuple[int, list[CellValue]]]:
    """(1-based row number, cells) for every row that holds a value; empty cells are ''."""
    if sheet.start is None:
        return
    # iter_rows yields from row 1 (the empty rows above the data first), columns from the first used.
    for number, row in enumerate(sheet.iter_rows(), start=1):
        if row.count("") != len(row):
            yield number, row
