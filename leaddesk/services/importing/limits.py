"""The bounds every read stays within, and the callback types long operations accept."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from leaddesk.services.importing.problems import Cancelled

MiB = 1024 * 1024
GiB = 1024 * MiB

#: `progress(done, total)`: rows when the total is known in rows, else bytes.
Progress = Callable[[int, int], None]
#: `should_cancel()`: polled between chunks; True stops the work with `Cancelled`.
CancelCheck = Callable[[], bool]

#: Excel's own grid: no genuine workbook is larger.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


def _default_child_memory() -> int:
    """Address space for the reader process: half the machine's memory, between 1.5 and 6 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = 8 * GiB
    return max(int(1.5 * GiB), min(6 * GiB, total // 2))


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Bounds on time, memory and size for reading one file. The defaults suit real lead lists."""

    #: Largest file accepted at all.
    max_file_bytes: int = 300 * MiB
    #: Sum of the declared unpacked sizes of an xlsx/ods archive's parts.
    max_unpacked_bytes: int = 2 * GiB
    #: Unpacked/packed ratio above which a large part is taken for a zip bomb.
    max_compression_ratio: float = 200.0
    #: Parts smaller than this when unpacked are never judged by their ratio.
    ratio_grace_bytes: int = 16 * MiB
    #: Most parts an archive may hold.
    max_parts: int = 20_000
    #: Unpacked sheet XML the pre-scan reads looking for far cell references (past it: the
    #: declared `<dimension>` and the reader process's own limits decide).
    scan_budget_bytes: int = 1 * GiB
    #: Cells (rows x columns of the dense grid) a sheet may span.
    max_cells: int = 40_000_000
    #: Rows (records) a sheet or CSV file may hold.
    max_rows: int = EXCEL_MAX_ROWS
    #: Columns a sheet or CSV file may hold.
    max_columns: int = EXCEL_MAX_COLUMNS
    #: Characters one cell may hold.
    max_cell_chars: int = 1_000_000
    #: Address-space limit (RLIMIT_AS) of the reader process; None: a default from the machine's RAM.
    child_memory_bytes: int | None = None
    #: Wall-clock limit for the reader process.
    timeout_seconds: float = 300.0
    #: Rows per chunk passed from the reader process.
    chunk_rows: int = 4096

    def memory_bytes(self) -> int:
        return self.child_memory_bytes if self.child_memory_bytes is not None else _default_child_memory()


DEFAULT_LIMITS = ReadLimits()


def check_cancel(should_cancel: CancelCheck | None) -> None:
    """Raise `Cancelled` when the caller asked to stop."""
    if should_cancel is not None and should_cancel():
        raise Cancelled("The import was cancelled.")
