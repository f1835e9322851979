"""Rows read from a file, kept on disk in pickled chunks so that a million-row sheet costs no memory.

The reader process appends chunks with `ChunkWriter`; the app reads them back with `RowStore`, one chunk
at a time (`os.pread`, so several threads or processes may read the same store). Chunks are unpickled
with an allow-list (plain values and the `datetime` types only), so even a reader process subverted by a
hostile file could not make the app run code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import pickle
import shutil
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from leaddesk.services.importing.problems import FileProblem, refuse

#: A cell as read: '' for an empty cell, else str, int, float, bool or a datetime type.
CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta


class DataRow(NamedTuple):
    """One non-empty row: its number as the user sees it (1-based sheet row or CSV record) and its cells."""

    number: int
    cells: tuple[CellValue, ...]


@dataclass(frozen=True, slots=True)
class ChunkRef:
    offset: int
    length: int
    first_row: int
    last_row: int
    count: int


_ALLOWED = {
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "date"): dt.date,
    ("datetime", "time"): dt.time,
    ("datetime", "timedelta"): dt.timedelta,
    ("datetime", "timezone"): dt.timezone,
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a row chunk") from None


def load_chunk(data: bytes) -> list[DataRow]:
    raw: list[tuple[int, tuple[CellValue, ...]]] = _SafeUnpickler(io.BytesIO(data)).load()
    return [DataRow(number, cells) for number, cells in raw]


class ChunkWriter:
    """Appends rows to a store file in chunks of `chunk_rows` (used inside the reader process)."""

    def __init__(self, handle: BinaryIO, chunk_rows: int, max_cell_chars: int) -> None:
        self._f = handle
        self._chunk_rows = chunk_rows
        self._max_cell_chars = max_cell_chars
        self._rows: list[tuple[int, tuple[CellValue, ...]]] = []
        self._offset = 0
        self.chunks: list[ChunkRef] = []
        self.count = 0

    def add(self, number: int, cells: tuple[CellValue, ...]) -> ChunkRef | None:
        """Add one row; returns the chunk written when this row completed one."""
        self._rows.append((number, cells))
        self.count += 1
        if len(self._rows) >= self._chunk_rows:
            return self.flush()
        return None

    def flush(self) -> ChunkRef | None:
        if not self._rows:
            return None
        data = pickle.dumps(self._rows, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > self._max_cell_chars:  # cheap test first: only a big chunk can hold a huge cell
            self._check_cell_sizes()
        self._f.write(data)
        ref = ChunkRef(self._offset, len(data), self._rows[0][0], self._rows[-1][0], len(self._rows))
        self._offset += len(data)
        self.chunks.append(ref)
        self._rows = []
        return ref

    def _check_cell_sizes(self) -> None:
        for number, cells in self._rows:
            for cell in cells:
                if isinstance(cell, str) and len(cell) > self._max_cell_chars:
                    raise refuse(
                        FileProblem.TOO_LARGE,
                        f"The file is too large to import: a cell in row {number} holds {len(cell):,} "
                        f"characters; the limit is {self._max_cell_chars:,}.",
                    )

    @property
    def pending(self) -> list[tuple[int, tuple[CellValue, ...]]]:
        return self._rows


def _cleanup(folder: str, state: dict[str, int | None]) -> None:
    fd = state.get("fd")
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
        state["fd"] = None
    shutil.rmtree(folder, ignore_errors=True)


class RowStore:
    """The chunks of one read, in a private temporary folder removed by `close()` (or at exit)."""

    def __init__(self, folder: Path, path: Path, chunks: tuple[ChunkRef, ...], *, owner: bool = True) -> None:
        self.folder = folder
        self.path = path
        self.chunks = chunks
        self._state: dict[str, int | None] = {"fd": None}
        self._finalizer = weakref.finalize(self, _cleanup, str(folder), self._state) if owner else None

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy sent to another process only reads; the original keeps ownership of the folder.
        return (_store_view, (self.folder, self.path, self.chunks))

    @property
    def row_count(self) -> int:
        return sum(c.count for c in self.chunks)

    def _descriptor(self) -> int:
        fd = self._state["fd"]
        if fd is None:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            self._state["fd"] = fd
        return fd

    def read_chunk(self, index: int) -> list[DataRow]:
        ref = self.chunks[index]
        fd = self._descriptor()
        if hasattr(os, "pread"):
            data = os.pread(fd, ref.length, ref.offset)
        else:  # pragma: no cover - Windows
            with open(self.path, "rb") as handle:
                handle.seek(ref.offset)
                data = handle.read(ref.length)
        return load_chunk(data)

    def iter_rows(self, after_row: int = 0) -> Iterator[DataRow]:
        """Every stored row whose number is greater than `after_row`, in order."""
        for index, ref in enumerate(self.chunks):
            if ref.last_row <= after_row:
                continue
            for row in self.read_chunk(index):
                if row.number > after_row:
                    yield row

    def close(self) -> None:
        """Release the file; the owning store also removes its folder."""
        if self._finalizer is not None:
            self._finalizer()
            return
        fd = self._state["fd"]
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
            self._state["fd"] = None


def _store_view(folder: Path, path: Path, chunks: tuple[ChunkRef, ...]) -> RowStore:
    return RowStore(folder, path, chunks, owner=False)
