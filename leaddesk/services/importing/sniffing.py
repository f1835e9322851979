"""What a file really is, from its first bytes, before any parser sees it.

The extension is only a hint: a workbook renamed .csv is still read as a workbook, while a text file
named .xlsx is refused with a message saying so. Encrypted Office files (an OLE2 container holding an
`EncryptedPackage`) and password-protected .xls files (a FILEPASS record) are recognised here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from leaddesk.domain.errors import NotFoundError
from leaddesk.services.importing.cfb import (
    ENCRYPTED_PACKAGE_STREAMS,
    CfbError,
    CompoundFile,
    read_biff_globals,
)
from leaddesk.services.importing.limits import MiB, ReadLimits
from leaddesk.services.importing.problems import FileProblem, refuse


class FileFormat(StrEnum):
    XLSX = "xlsx"  # also .xlsm: the same package with macros, which are never run
    XLS = "xls"
    ODS = "ods"
    CSV = "csv"  # any delimited text: .csv, .tsv, .txt


class Container(StrEnum):
    ZIP = "zip"
    OLE = "ole"
    TEXT = "text"


SPREADSHEET_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".xltx", ".xltm", ".ots"})
TEXT_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".tab", ".psv"})

_HEAD_BYTES = 64 * 1024

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

#: Signatures of common files that are not spreadsheets, with what to call them.
_OTHER_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"{\\rtf", "an RTF document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x00\x00\x00\x0cjP", "a JPEG 2000 image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
)


@dataclass(frozen=True, slots=True)
class Sniffed:
    """The container a file's bytes show, with what the first bytes already told."""

    container: Container
    size: int
    extension: str
    #: For OLE files: an .xls workbook whose globals say 1904 dates.
    date_1904: bool = False


def _name(path: Path) -> str:
    return path.name or str(path)


def sniff(path: Path, limits: ReadLimits) -> Sniffed:
    """Classify `path` by its content; raise `UnreadableFileError` for anything we will not read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise NotFoundError(f"The file {str(path)!r} does not exist.") from None
    except OSError as exc:
        raise refuse(FileProblem.UNREADABLE, f"The file cannot be opened: {exc.strerror or exc}.") from None
    if path.is_dir():
        raise refuse(FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: {_name(path)!r} is a folder.")
    size = st.st_size
    ext = path.suffix.lower()
    if size == 0:
        raise refuse(FileProblem.EMPTY, f"The file is empty: {_name(path)!r} has 0 bytes.")
    if size > limits.max_file_bytes:
        raise refuse(
            FileProblem.TOO_LARGE,
            f"The file is too large to import: {size / MiB:,.0f} MB, the limit is "
            f"{limits.max_file_bytes / MiB:,.0f} MB. Split it into smaller files.",
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise refuse(FileProblem.UNREADABLE, f"The file cannot be read: {exc.strerror or exc}.") from None

    if head.startswith(_ZIP_MAGICS):
        return Sniffed(Container.ZIP, size, ext)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _sniff_ole(path, size, ext)
    for magic, what in _OTHER_MAGICS:
        if head.startswith(magic):
            raise refuse(FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: {_name(path)!r} is {what}.")
    return _sniff_text(path, head, size, ext)


def _sniff_ole(path: Path, size: int, ext: str) -> Sniffed:
    try:
        with path.open("rb") as handle:
            cfb = CompoundFile(handle, size)
            names = cfb.stream_names()
            if names & ENCRYPTED_PACKAGE_STREAMS:
                raise refuse(
                    FileProblem.PASSWORD,
                    "The workbook is password-protected: open it in Excel, remove the password "
                    "(File > Info > Protect Workbook > Encrypt with Password) and import it again.",
                )
            lowered = {n.lower() for n in names}
            if "workbook" in lowered or "book" in lowered:
                stream = cfb.read_stream("Workbook" if "workbook" in lowered else "Book", 16 * MiB)
                globals_ = read_biff_globals(stream)
                if globals_.encrypted:
                    raise refuse(
                        FileProblem.PASSWORD,
                        "The workbook is password-protected: open it in Excel, remove the password "
                        "and import it again.",
                    )
                return Sniffed(Container.OLE, size, ext, date_1904=globals_.date_1904)
    except CfbError as exc:
        if exc.truncated:
            raise refuse(
                FileProblem.INCOMPLETE,
                f"The file is incomplete: {_name(path)!r} looks like an Excel 97-2003 workbook that was cut "
                "short (an interrupted download or copy?). Get the complete file and try again.",
            ) from None
        raise refuse(
            FileProblem.DAMAGED, f"The file is damaged: its Office container is broken ({exc})."
        ) from None
    what = "a Word document" if "worddocument" in lowered else None
    what = what or ("a PowerPoint presentation" if "powerpoint document" in lowered else None)
    what = what or "an Office file with no workbook in it"
    raise refuse(FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: {_name(path)!r} is {what}.")


def _looks_utf16(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:4096]
    if len(sample) < 8:
        return False
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    return max(even_nuls, odd_nuls) > 0.3 * half and min(even_nuls, odd_nuls) < 0.05 * half


def _sniff_text(path: Path, head: bytes, size: int, ext: str) -> Sniffed:
    utf16 = _looks_utf16(head)
    if not utf16:
        if b"\x00" in head:
            raise refuse(
                FileProblem.NOT_SPREADSHEET,
                f"Not a spreadsheet: {_name(path)!r} contains NUL bytes, so it is binary data, not text "
                "(CSV).",
            )
        controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 11, 12, 13, 26))
        if controls > max(8, len(head) // 50):
            raise refuse(FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: {_name(path)!r} is binary data.")
    text_head = (
        head[:2048].decode("utf-16" if utf16 else "latin-1", "replace").lstrip("\ufeff \t\r\n").lower()
    )
    if text_head.startswith(("<!doctype html", "<html", "<table")) or (
        text_head.startswith("<") and "<html" in text_head
    ):
        raise refuse(
            FileProblem.NOT_SPREADSHEET,
            f"Not a spreadsheet: {_name(path)!r} is a web page (HTML) saved with a spreadsheet name. "
            "Open it in Excel and save it as .xlsx, then import that.",
        )
    if text_head.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text_head:
        raise refuse(
            FileProblem.UNSUPPORTED,
            f"Unsupported format: {_name(path)!r} is an Excel 2003 XML spreadsheet. "
            "Open it in Excel and save it as .xlsx, then import that.",
        )
    if ext in SPREADSHEET_EXTENSIONS:
        raise refuse(
            FileProblem.NOT_SPREADSHEET,
            f"Not a spreadsheet: {_name(path)!r} is named {ext} but it is a plain text file. If it is a "
            "CSV export, rename it to .csv and import it again.",
        )
    return Sniffed(Container.TEXT, size, ext)
