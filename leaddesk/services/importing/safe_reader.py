"""Parse untrusted files in a separate, limited process, so that no file can take the app down.

The reader process (forked from a clean fork server on Linux and macOS, spawned on Windows) first
limits itself: address space (RLIMIT_AS), CPU time, and the size of files it may write; its standard
error goes to a log file. It then parses the file with calamine or the csv module and appends the rows,
in pickled chunks, to a file in a private temporary folder; small messages (progress, the result, or a
refusal) come back through a pipe. The app polls that pipe, honours `should_cancel()` and a wall-clock
deadline, and kills the process when either fires. A reader that dies (calamine aborts the whole process
when it cannot allocate a grid, the kernel kills it, it crashes) becomes one clear `ImportFileError`.

Messages from the reader are unpickled with an allow-list, like the row chunks, so a reader subverted by
a hostile file could at worst send wrong rows, never make the app run code.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import pickle
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from leaddesk.services.importing.limits import CancelCheck, GiB, MiB, Progress, ReadLimits
from leaddesk.services.importing.problems import Cancelled, FileProblem, UnreadableFileError, refuse
from leaddesk.services.importing.row_store import ChunkRef, ChunkWriter
from leaddesk.services.importing.sniffing import FileFormat
from leaddesk.services.processes import end_with_app, process_context

_POLL_SECONDS = 0.05
_LOG_NAME = "reader.log"
_STORE_NAME = "rows.bin"


@dataclass(frozen=True, slots=True)
class ReaderRequest:
    mode: Literal["inspect", "read"]
    path: str
    format: FileFormat
    work_dir: str
    limits: ReadLimits
    #: The sheet to read (None: the first visible sheet with data) and its position in the workbook.
    sheet_name: str | None = None
    sheet_index: int = -1


@dataclass(frozen=True, slots=True)
class SheetOutline:
    name: str
    index: int
    kind: str
    visible: bool
    has_data: bool | None


@dataclass(frozen=True, slots=True)
class InspectOutcome:
    sheets: tuple[SheetOutline, ...]


@dataclass(frozen=True, slots=True)
class ReadOutcome:
    sheet: str | None
    first_column: int
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    chunks: tuple[ChunkRef, ...]
    sha256: str
    encoding: str | None
    delimiter: str | None
    store_path: str
    #: The reader process's peak resident memory in bytes (0 where the platform does not say).
    peak_rss: int = 0
    #: Processor time the reader process used, in seconds.
    cpu_seconds: float = 0.0


# --- the reader process -----------------------------------------------------------------------------


def _limit_self(limits: ReadLimits) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: only the deadline applies
        return
    memory = limits.memory_bytes()
    cpu = int(limits.timeout_seconds) + 5
    store = max(limits.max_unpacked_bytes, 2 * limits.max_file_bytes) + 256 * MiB
    for which, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, store),
        (resource.RLIMIT_CORE, 0),
    ):
        with contextlib.suppress(ValueError, OSError):
            _soft, hard = resource.getrlimit(which)
            resource.setrlimit(which, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit raises OSError instead


def _redirect_stderr(work_dir: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(os.path.join(work_dir, _LOG_NAME), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def child_main(request: ReaderRequest, conn: Connection, app_pid: int | None = None) -> None:
    """Entry point of the reader process."""
    if app_pid is not None:
        end_with_app(app_pid)
    _limit_self(request.limits)
    _redirect_stderr(request.work_dir)
    try:
        if request.mode == "inspect":
            outcome: InspectOutcome | ReadOutcome = _inspect(request)
        else:
            outcome = _read(request, conn)
        _send(conn, ("result", outcome))
    except UnreadableFileError as exc:
        _send(conn, ("refused", exc.problem, exc.message))
    except MemoryError:
        _send(conn, ("refused", FileProblem.TOO_LARGE, _memory_message(request.limits)))
    except OSError as exc:
        if exc.errno == errno.EFBIG:  # the row store hit RLIMIT_FSIZE
            _send(
                conn,
                (
                    "refused",
                    FileProblem.TOO_LARGE,
                    "The file is too large to import: it holds too much data.",
                ),
            )
        else:
            _send(conn, ("failed", f"{type(exc).__name__}: {exc}"))
    except BaseException as exc:  # calamine panics surface as BaseException subclasses
        with contextlib.suppress(BaseException):
            print(f"reader failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            _send(conn, ("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _outline(listing: Any) -> SheetOutline:
    return SheetOutline(listing.name, listing.index, listing.kind, listing.visible, listing.has_data)


def _inspect(request: ReaderRequest) -> InspectOutcome:
    from leaddesk.services.importing import sheet_reader

    workbook = sheet_reader.open_workbook(Path(request.path))
    listings = sheet_reader.list_sheets(workbook, probe_data=True)
    return InspectOutcome(tuple(_outline(item) for item in listings))


def _read(request: ReaderRequest, conn: Connection) -> ReadOutcome:
    store_path = os.path.join(request.work_dir, _STORE_NAME)
    limits = request.limits
    with open(store_path, "wb") as handle:
        writer = ChunkWriter(handle, limits.chunk_rows, limits.max_cell_chars)
        if request.format is FileFormat.CSV:
            outcome = _read_csv(request, writer, conn)
        else:
            outcome = _read_sheet(request, writer, conn)
        writer.flush()
    return ReadOutcome(
        outcome.sheet,
        outcome.first_column,
        outcome.merged,
        tuple(writer.chunks),
        outcome.sha256,
        outcome.encoding,
        outcome.delimiter,
        store_path,
        _peak_rss(),
        time.process_time(),
    )


def _peak_rss() -> int:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


def _read_csv(request: ReaderRequest, writer: ChunkWriter, conn: Connection) -> ReadOutcome:
    from leaddesk.services.importing import csv_reader

    path = Path(request.path)
    fmt = csv_reader.detect_format(path)
    total = path.stat().st_size
    _send(conn, ("progress", 0, total))
    for number, record, position in csv_reader.iter_records(path, fmt, request.limits):
        if any(record) and writer.add(number, tuple(record)) is not None:
            _send(conn, ("progress", position, total))
    return ReadOutcome(None, 0, (), (), fmt.sha256, fmt.encoding, fmt.delimiter, "")


def _read_sheet(request: ReaderRequest, writer: ChunkWriter, conn: Connection) -> ReadOutcome:
    from leaddesk.services.importing import sheet_reader

    path = Path(request.path)
    sha256 = sheet_reader.file_sha256(path)
    workbook = sheet_reader.open_workbook(path)
    if request.sheet_name is None:
        found = sheet_reader.load_default_sheet(workbook, request.limits)
        if found is None:
            raise refuse(FileProblem.NO_SHEET, "The workbook has no visible sheet with data in it.")
        geometry, sheet = found
    else:
        names = list(workbook.sheet_names)
        if request.sheet_name not in names:
            listed = ", ".join(repr(n) for n in names)
            raise refuse(
                FileProblem.NO_SHEET,
                f"The workbook has no sheet named {request.sheet_name!r} (its sheets: {listed}).",
            )
        geometry, sheet = sheet_reader.load_sheet(
            workbook, request.sheet_index, request.sheet_name, request.limits
        )

    total = (sheet.end[0] + 1) if sheet.end is not None else 0
    _send(conn, ("progress", 0, total))
    for number, row in sheet_reader.iter_sheet_rows(sheet):
        if writer.add(number, tuple(row)) is not None:
            _send(conn, ("progress", number, total))
    return ReadOutcome(geometry.name, geometry.first_column, geometry.merged, (), sha256, None, None, "")


# --- the app's side ----------------------------------------------------------------------------------

_ALLOWED_MESSAGE_CLASSES: dict[tuple[str, str], Any] = {
    (__name__, "InspectOutcome"): InspectOutcome,
    (__name__, "ReadOutcome"): ReadOutcome,
    (__name__, "SheetOutline"): SheetOutline,
    ("leaddesk.services.importing.row_store", "ChunkRef"): ChunkRef,
    ("leaddesk.services.importing.problems", "FileProblem"): FileProblem,
}


class _MessageUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_MESSAGE_CLASSES[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} from the reader") from None


def _memory_message(limits: ReadLimits) -> str:
    return (
        "The file is too large to import: reading it needs more than the "
        f"{limits.memory_bytes() / GiB:,.1f} GB of memory allowed. Split it into smaller files."
    )


def _log_text(work_dir: str) -> str:
    """The start and the end of the reader's standard error (a Rust abort writes its reason first)."""
    try:
        with open(os.path.join(work_dir, _LOG_NAME), "rb") as handle:
            head = handle.read(8192)
            handle.seek(0, io.SEEK_END)
            size = handle.tell()
            handle.seek(max(len(head), size - 4096))
            return (head + handle.read()).decode("utf-8", "replace")
    except OSError:
        return ""


def _death(exitcode: int | None, work_dir: str, limits: ReadLimits) -> UnreadableFileError:
    tail = _log_text(work_dir)
    if "memory allocation" in tail or "MemoryError" in tail or exitcode == -getattr(signal, "SIGKILL", 9):
        return refuse(FileProblem.TOO_LARGE, _memory_message(limits))
    if exitcode == -getattr(signal, "SIGXCPU", 24):
        return refuse(
            FileProblem.TOO_LARGE,
            f"The file took too long to read (more than {limits.timeout_seconds:,.0f} s of processor time); "
            "it is probably too large. Split it into smaller files.",
        )
    if exitcode is not None and exitcode < 0 and -exitcode == getattr(signal, "SIGABRT", 6):
        return refuse(
            FileProblem.TOO_LARGE,
            "The file could not be read: the spreadsheet reader gave up on it (it asked for more memory "
            "than allowed). The file is probably damaged or far too large.",
        )
    return refuse(
        FileProblem.DAMAGED,
        f"The file is damaged: the spreadsheet reader stopped on it (exit code {exitcode}).",
    )


def run_reader(
    request: ReaderRequest,
    *,
    progress: Progress | None = None,
    should_cancel: CancelCheck | None = None,
) -> InspectOutcome | ReadOutcome:
    """Run the request in a reader process; return its outcome or raise `ImportFileError`/`Cancelled`."""
    ctx = process_context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=child_main, args=(request, sender, os.getpid()), daemon=True, name="leaddesk-reader"
    )
    process.start()
    sender.close()
    deadline = time.monotonic() + request.limits.timeout_seconds
    try:
        while True:
            if should_cancel is not None and should_cancel():
                raise Cancelled("The import was cancelled.")
            if time.monotonic() > deadline:
                raise refuse(
                    FileProblem.TOO_LARGE,
                    f"The file took too long to read (more than {request.limits.timeout_seconds:,.0f} s) and "
                    "reading was stopped; it is probably too large. Split it into smaller files.",
                )
            if not receiver.poll(_POLL_SECONDS):
                if not process.is_alive() and not receiver.poll(0):
                    break
                continue
            try:
                message = _MessageUnpickler(io.BytesIO(receiver.recv_bytes())).load()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "progress":
                if progress is not None:
                    progress(int(message[1]), int(message[2]))
            elif kind == "result":
                outcome: InspectOutcome | ReadOutcome = message[1]
                return outcome
            elif kind == "refused":
                raise refuse(FileProblem(message[1]), str(message[2]))
            elif kind == "failed":
                raise refuse(
                    FileProblem.DAMAGED, f"The file is damaged: the reader failed on it ({message[1]})."
                )
        process.join(5)
        raise _death(process.exitcode, request.work_dir, request.limits)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(10)
        with contextlib.suppress(ValueError):
            process.close()
