"""Writing formatted tables into openpyxl write-only worksheets: bold header, widths from the content,
frozen header row, autofilter, real numbers and dates with their formats, formula-looking text as text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from leaddesk.services.export.cells import LiteralText, safe_cell

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
