"""Writing formatted tables into openpyxl write-only worksheets: bold header, widths from the content,
frozen header row, autofilter, real numbers and dates with their formats, formula-looking text as text.

Big tables (the report's lead lists: thousands of rows) are not sent through openpyxl cell by cell, which
builds an object and an XML element per cell (about 20 µs a cell without lxml). openpyxl writes the sheet
with its settings and the header row, and a `RowSplicer` adds the body rows as SpreadsheetML into the saved
file: the same cells (inline strings, numbers, Excel dates) with the style ids openpyxl registered for
each format, so the workbook is the one openpyxl would have written, in a fraction of the time.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from leaddesk.services.export.cells import LiteralText, safe_cell
from leaddesk.services.export.xlsx_stream import _serial

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
MONEY_FORMAT = '"€" #,##0'

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
SECTION = Font(bold=True, size=12)
GOOD = Font(color="1E7B46", bold=True)
BAD = Font(color="B03A2E", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8ECF1")
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    #: Excel number format for the column's values (None: as the value's type suggests).
    number_format: str | None = None
    width: float | None = None


def cell(ws: Any, value: object, *, number_format: str | None = None, font: Font | None = None) -> Any:
    """A write-only cell; text through `safe_cell`, formula-looking text stored as literal text."""
    v = safe_cell(value)
    if isinstance(v, Decimal):
        v = float(v)
    c = WriteOnlyCell(ws, value=str(v) if isinstance(v, LiteralText) else v)
    if isinstance(v, LiteralText):
        c.data_type = "s"
        c.quotePrefix = True
    if number_format is not None and v is not None:
        c.number_format = number_format
    elif isinstance(v, datetime):
        c.number_format = DATETIME_FORMAT
    elif isinstance(v, date):
        c.number_format = DATE_FORMAT
    if font is not None:
        c.font = font
    return c


def _value(ws: Any, value: object, number_format: str | None) -> Any:
    """A table value: plain text and whole numbers go in as they are (openpyxl's cheapest path); dates,
    formatted numbers and formula-looking text as styled cells."""
    v = safe_cell(value)
    if v is None or (type(v) is str and number_format is None) or (type(v) is int and number_format is None):
        return v
    return cell(ws, v, number_format=number_format)


def _text_width(value: object, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float | Decimal):
        return 12 if number_format != PERCENT_FORMAT else 7
    if isinstance(value, int):
        return max(len(f"{value:,}"), 4)
    return max((len(line) for line in str(value).splitlines()), default=0)


def set_widths(ws: Any, columns: Sequence[Column], sample: Iterable[Sequence[object]]) -> None:
    """Column widths from the header and a sample of the rows (call before the first row is written)."""
    widths = [len(c.title) + 3 for c in columns]
    for row in sample:
        for i, value in enumerate(row):
            if i < len(widths):
                widths[i] = max(widths[i], _text_width(value, columns[i].number_format) + 2)
    for i, (column, width) in enumerate(zip(columns, widths, strict=True), 1):
        ws.column_dimensions[get_column_letter(i)].width = column.width or min(width, MAX_WIDTH)


def header_row(ws: Any, columns: Sequence[Column]) -> list[Any]:
    cells = []
    for c in columns:
        h = cell(ws, c.title, font=BOLD)
        h.fill = HEADER_FILL
        cells.append(h)
    return cells


def write_table(
    ws: Any,
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    *,
    sample: int = 300,
) -> int:
    """A whole sheet as one formatted table from A1; returns the number of data rows."""
    set_widths(ws, columns, rows[:sample])
    ws.freeze_panes = "A2"
    ws.append(header_row(ws, columns))
    formats = [c.number_format for c in columns]
    for row in rows:
        ws.append([_value(ws, v, f) for v, f in zip(row, formats, strict=True)])
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    return len(rows)


class RowSplicer:
    """The body rows of write-only sheets, written as SpreadsheetML into the workbook once it is saved."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, str]] = []
        self._styles: dict[tuple[int, str | None, bool], int] = {}

    def style_id(self, ws: Any, number_format: str | None, literal: bool = False) -> int:
        """The workbook's cell style id (cellXfs index) for a plain cell with this format / quote prefix."""
        key = (id(ws.parent), number_format, literal)
        found = self._styles.get(key)
        if found is None:
            c = WriteOnlyCell(ws)
            if number_format is not None:
                c.number_format = number_format
            if literal:
                c.quotePrefix = True
            found = self._styles[key] = int(c.style_id)  # registers the style with the workbook
        return found

    def add(self, ws: Any, xml: str) -> None:
        self._rows.append((ws, xml))

    def apply(self, path: Path) -> None:
        """Put the rows into the saved workbook at `path` (after each sheet's last openpyxl row)."""
        if not self._rows:
            return
        parts: dict[str, list[str]] = {}
        for ws, xml in self._rows:
            parts.setdefault(ws.path.lstrip("/"), []).append(xml)
        tmp = Path(f"{path}.splice")
        try:
            with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
                for item in src.infolist():
                    data = src.read(item.filename)
                    if item.filename in parts:
                        text = data.decode("utf-8")
                        at = text.rindex("</sheetData>")
                        data = (text[:at] + "".join(parts[item.filename]) + text[at:]).encode("utf-8")
                    dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def _number(value: int | float) -> str:
    """A number as openpyxl writes it (16 significant digits), so both paths give the same cells."""
    return str(value) if type(value) is int else f"{value:.16g}"


def _text_cell(ref: str, text: str, style: int) -> str:
    if not text:
        return ""
    escaped = escape(text)
    if "\r" in escaped:
        escaped = escaped.replace("\r", "&#13;")  # a bare CR would be read back as a line feed
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'


def _cell_encoder(ws: Any, splicer: RowSplicer, number_format: str | None) -> Callable[[str, object], str]:
    """How one column's values become cells: `cell()` / `_value()`'s rules, as XML."""
    plain = splicer.style_id(ws, number_format) if number_format is not None else 0
    literal = splicer.style_id(ws, number_format, literal=True)
    dt_style = plain if number_format is not None else splicer.style_id(ws, DATETIME_FORMAT)
    date_style = plain if number_format is not None else splicer.style_id(ws, DATE_FORMAT)
    numeric = f' s="{plain}"' if plain else ""

    def encode(ref: str, value: object) -> str:
        v = safe_cell(value)
        if v is None:
            return ""
        if isinstance(v, str):
            return _text_cell(ref, str(v), literal if isinstance(v, LiteralText) else plain)
        if isinstance(v, bool):
            return f'<c r="{ref}"{numeric} t="b"><v>{int(v)}</v></c>'
        if isinstance(v, datetime):
            return f'<c r="{ref}" s="{dt_style}" t="n"><v>{_serial(v):.16g}</v></c>'
        if isinstance(v, date):
            return f'<c r="{ref}" s="{date_style}" t="n"><v>{_serial(v):.16g}</v></c>'
        number = float(v) if isinstance(v, Decimal) else v
        if isinstance(number, float) and not math.isfinite(number):
            return ""
        return f'<c r="{ref}"{numeric} t="n"><v>{_number(number)}</v></c>'

    return encode


def write_table_spliced(
    ws: Any,
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    splicer: RowSplicer,
    *,
    sample: int = 300,
) -> int:
    """`write_table`, with the body rows written by `splicer` when the workbook is saved."""
    set_widths(ws, columns, rows[:sample])
    ws.freeze_panes = "A2"
    ws.append(header_row(ws, columns))
    encoders = [_cell_encoder(ws, splicer, c.number_format) for c in columns]
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    out = []
    for r, row in enumerate(rows, 2):
        cells = "".join(enc(f"{letter}{r}", v) for enc, letter, v in zip(encoders, letters, row, strict=True))
        out.append(f'<row r="{r}">{cells}</row>')
    splicer.add(ws, "".join(out))
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    return len(rows)
