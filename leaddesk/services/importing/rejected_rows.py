"""The rejected rows of an import as an .xlsx the user can fix and import again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from leaddesk.domain.errors import UserError
from leaddesk.services.export.xlsx_stream import XlsxTableWriter
from leaddesk.services.importing.prepared_rows import RejectedRow

#: Columns added after the file's own: where the row was, and what was wrong. A file that carries them
#: back is mapped with both ignored.
ROW_HEADER = "Row in the original file"
PROBLEM_HEADER = "Problem"
HELPER_HEADERS = (ROW_HEADER, PROBLEM_HEADER)


def write_rejected_rows(path: str | Path, headers: Sequence[str], rejected: Iterable[RejectedRow]) -> Path:
    """Write the rejected rows under the file's headers, each with its row number and problems."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    columns = [h for h in headers if h not in HELPER_HEADERS]
    try:
        with XlsxTableWriter(path, "Rejected rows", [*columns, ROW_HEADER, PROBLEM_HEADER]) as writer:
            writer.begin()
            batch: list[list[object]] = []
            for row in rejected:
                problems = "; ".join(
                    f"{e.column}: {e.message}" if e.column and e.column not in e.message else e.message
                    for e in row.errors
                )
                batch.append([*(row.values.get(h, "") for h in columns), row.row_number, problems])
                if len(batch) >= 2000:
                    writer.write(batch)
                    batch = []
            writer.write(batch)
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return path
