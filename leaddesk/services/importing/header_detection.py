"""Find the header row below title rows, and name the columns as the user sees them.

The header is the first of the top rows whose cells are mostly short text labels covering most of the
columns used below it (title and 'Exported by: ...' rows cover one or two cells; data rows hold numbers,
dates, emails); a row naming known fields ('Email', 'Cognome'...) wins over one that does not. A header
spread over several rows by merged cells ('Contact' over 'Email' and 'Phone') becomes 'Contact Email',
'Contact Phone'. Multi-line header cells are joined into one line; an empty header over a column with data
becomes 'Column F'; duplicates become 'Email', 'Email (2)'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from leaddesk.services.importing.column_mapping import match_target
from leaddesk.services.importing.problems import FileProblem, refuse
from leaddesk.services.importing.row_store import CellValue, DataRow

#: How many non-empty rows at the top are candidates for the header.
SEARCH_ROWS = 30
#: How many rows below the header are looked at to see which columns are used.
SAMPLE_ROWS = 50
#: The most rows a header may span.
MAX_HEADER_ROWS = 6
_MAX_LABEL_CHARS = 120

_VALUE_LIKE = re.compile(
    r"""^(?:
        [+\-(]?[\d\s.,'’]+%?\)?                          # numbers, amounts, phone digits
      | \d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T].*)?      # dates
      | [^@\s]+@[^@\s]+\.[^@\s]+                        # emails
      | (?:https?://|www\.)\S+                          # links
    )$""",
    re.VERBOSE | re.IGNORECASE,
)

Merge = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the table: where its cells are in each row, its position and its header."""

    index: int
    #: The column as the user sees it: a letter for sheets ('C'), a number for text files ('3').
    position: str
    header: str


@dataclass(frozen=True, slots=True)
class HeaderLayout:
    #: Row numbers (as the user sees them) of the first and last header rows; None without a header.
    first_row: int | None
    last_row: int | None
    columns: tuple[Column, ...]

    @property
    def data_after(self) -> int:
        """Rows numbered up to this one are not data."""
        return self.last_row or 0


def column_letter(number: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def clean_header(value: CellValue) -> str:
    """A header cell as one line of text: 'Data\\nconsegna ' -> 'Data consegna'."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value == "" else str(value)


def _blank(cell: CellValue) -> bool:
    return isinstance(cell, str) and not cell.strip()


#: Header cells without letters that still name a column ('#' for a count, '%' for a share).
_SYMBOL_LABELS = frozenset({"#", "%", "№", "€", "$", "£", "n.", "n°", "nr."})


def _label(cell: CellValue) -> str | None:
    """The cell's text if it reads like a column name, else None."""
    if not isinstance(cell, str):
        return None
    text = " ".join(cell.split())
    if text.casefold() in _SYMBOL_LABELS:
        return text
    if not text or len(text) > _MAX_LABEL_CHARS or _VALUE_LIKE.match(text):
        return None
    if not any(ch.isalpha() for ch in text) or text.endswith((":", "：")):
        return None  # 'Exported by:' labels a value beside it, not a column
    return text


def _filled(row: DataRow) -> int:
    return sum(1 for cell in row.cells if not _blank(cell))


def _last_filled(row: DataRow) -> int:
    for j in range(len(row.cells) - 1, -1, -1):
        if not _blank(row.cells[j]):
            return j
    return -1


def _plausible(rows: Sequence[DataRow], k: int) -> tuple[bool, int]:
    """(is the row at k a plausible header, how many of its labels name known fields)."""
    row = rows[k]
    filled = _filled(row)
    labels = [text for cell in row.cells if (text := _label(cell)) is not None]
    if not labels:
        return False, 0
    # The table's width: what at least two rows below reach (one odd wide row does not count).
    below = sorted((_filled(r) for r in rows[k + 1 : k + 1 + SAMPLE_ROWS]), reverse=True)
    span = max(filled, below[min(1, len(below) - 1)]) if below else filled
    known = sum(1 for text in labels if match_target(text) is not None)
    enough = len(labels) >= 0.6 * span and (len(labels) >= 2 or span == 1 or (known >= 1 and span <= 2))
    mostly_labels = len(labels) >= 0.8 * filled
    return enough and mostly_labels, known


def find_header_row(rows: Sequence[DataRow]) -> int | None:
    """The index in `rows` of the header row, or None when no row looks like one."""
    best: tuple[int, int] | None = None  # (known fields, -index)
    for k in range(min(len(rows), SEARCH_ROWS)):
        ok, known = _plausible(rows, k)
        if not ok:
            continue
        if best is None:
            best = (known, -k)
        elif known > best[0] and known >= 2:
            best = (known, -k)  # a later row naming more known fields is the real header
    return None if best is None else -best[1]


def _merges_by_cell(
    merged: Sequence[Merge], first_column: int, rows: Sequence[DataRow], width: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """(row number, column index) -> the merge's top-left cell, for the header rows' cells only."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    numbers = [r.number for r in rows]
    if not numbers:
        return out
    low, high = min(numbers), max(numbers)
    budget = 1_000_000  # merges come from the file: bound the work whatever they claim
    for (r1, c1), (r2, c2) in merged:
        top = (r1 + 1, c1 - first_column)
        for r in range(max(r1 + 1, low), min(r2 + 1, high) + 1):
            for c in range(max(c1 - first_column, 0), min(c2 - first_column, width - 1) + 1):
                out[(r, c)] = top
                budget -= 1
                if budget <= 0:
                    return out
    return out


def _header_block(rows: Sequence[DataRow], k: int, merged: Sequence[Merge]) -> int:
    """Index of the last header row: merges starting in the header reach down, or a sub-header follows."""
    start = rows[k].number
    cap = start + MAX_HEADER_ROWS - 1
    last = start
    changed = True
    while changed:
        changed = False
        for (r1, _c1), (r2, _c2) in merged:
            reach = min(r2 + 1, cap)
            if start <= r1 + 1 <= last and reach > last:
                last = reach
                changed = True
    horizontal = any(r1 + 1 == start and c2 > c1 for (r1, c1), (_r2, c2) in merged)
    end = k
    while end + 1 < len(rows) and rows[end + 1].number <= last:
        end += 1
    # A single header row with a group label merged across columns: the row right below names them.
    if end == k and horizontal and end + 1 < len(rows) and rows[end + 1].number == rows[end].number + 1:
        nxt = rows[end + 1]
        labels = [_label(c) for c in nxt.cells if not _blank(c)]
        if labels and all(labels) and rows[end + 1].number < start + MAX_HEADER_ROWS:
            end += 1
    return end


def layout_columns(
    rows: Sequence[DataRow],
    *,
    merged: Sequence[Merge] = (),
    first_column: int = 0,
    sheet: bool = True,
    header_row: int | None = None,
) -> HeaderLayout:
    """Find the header among the top `rows` (non-empty rows, in order) and describe the columns.

    `header_row`: None finds it; 0 means the file has no header (columns are named by position); a row
    number (as the user sees it) takes that row.
    """
    if not rows:
        raise refuse(FileProblem.EMPTY, "The sheet is empty: it holds no values.")
    if header_row == 0:
        k, end = None, -1
    elif header_row is not None:
        k = next((i for i, r in enumerate(rows) if r.number == header_row), None)
        if k is None:
            raise refuse(
                FileProblem.NO_HEADER, f"No header row found: row {header_row} is empty or past the top rows."
            )
        end = k
    else:
        k = find_header_row(rows)
        if k is None:
            raise refuse(
                FileProblem.NO_HEADER,
                "No header row found: none of the top rows names the columns (like 'Email', 'Nome', "
                "'Azienda'). Add a header row to the file, or say that it has none.",
            )
        end = k
    if k is not None and header_row is None:
        end = _header_block(rows, k, merged)
    header_rows = rows[k : end + 1] if k is not None else []
    sample = rows[end + 1 : end + 1 + SAMPLE_ROWS]
    width = max((_last_filled(r) + 1 for r in [*header_rows, *sample]), default=0)
    by_cell = _merges_by_cell(merged, first_column, header_rows, width)
    cells = {(r.number, j): r.cells[j] for r in header_rows for j in range(len(r.cells))}
    columns: list[Column] = []
    seen: dict[str, int] = {}
    for j in range(width):
        parts: list[str] = []
        own = False  # does the column have header text of its own (not only a merged neighbour's)?
        for r in header_rows:
            source = by_cell.get((r.number, j), (r.number, j))
            text = clean_header(cells.get(source, ""))
            if text and (not parts or parts[-1] != text):
                parts.append(text)
            own = own or (bool(text) and source[1] == j)
        position = column_letter(first_column + j + 1) if sheet else str(j + 1)
        has_data = any(j < len(r.cells) and not _blank(r.cells[j]) for r in sample)
        name = " ".join(parts)
        if not own and not has_data:
            continue  # covered by a merged header cell, and empty
        if not name:
            name = f"Column {position}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            candidate = f"{name} ({seen[key]})"
            while candidate.casefold() in seen:
                seen[key] += 1
                candidate = f"{name} ({seen[key]})"
            seen[candidate.casefold()] = 1
            name = candidate
        else:
            seen[key] = 1
        columns.append(Column(j, position, name))
    first = rows[k].number if k is not None else None
    last = rows[end].number if k is not None else None
    return HeaderLayout(first, last, tuple(columns))
