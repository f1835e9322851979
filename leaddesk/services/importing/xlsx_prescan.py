"""Checks on an .xlsx/.ods archive made before any spreadsheet parser opens it.

Everything here is bounded: the archive's central directory (declared sizes, compression ratios), the
XML prolog of every part (no DTDs, so no entity expansion), the workbook's sheet list (parsed with
defusedxml), and one streaming pass over each worksheet's XML that finds the farthest cell reference and
whether the sheet holds any value, within a byte budget. A sheet whose cells would span more than
`max_cells` of a dense grid is refused here, because the reader allocates that grid (a 4.7 KB file with
cells A1 and XFD1048576 makes it request 550 GB and abort the process).
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from leaddesk.services.importing.limits import MiB, ReadLimits
from leaddesk.services.importing.problems import FileProblem, refuse
from leaddesk.services.importing.sniffing import FileFormat


class SheetKind(StrEnum):
    WORKSHEET = "worksheet"
    CHART = "chart"
    DIALOG = "dialog"
    MACRO = "macro"


@dataclass(frozen=True, slots=True)
class SheetScan:
    """One sheet as the archive describes it."""

    name: str
    index: int
    kind: SheetKind
    visible: bool
    #: True when the sheet XML holds at least one value (None: not known, e.g. the part is missing).
    has_data: bool | None
    #: Farthest row and column (1-based) a cell or the `<dimension>` claims.
    rows: int
    columns: int
    #: Why this sheet must not be opened (too large), or None.
    refusal: str | None = None
    #: The worksheet's part in the archive, and whether its cells were scanned to the end (a quick
    #: scan stops at the first value: `scan_worksheet` finishes it, while the reader runs).
    part: str | None = None
    complete: bool = True


@dataclass(frozen=True, slots=True)
class ZipReport:
    format: FileFormat
    #: Sheets in workbook order (xlsx only; the reader lists .ods sheets).
    sheets: tuple[SheetScan, ...]
    date_1904: bool


_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_OFFICE_DOC_REL = re.compile(r"/officeDocument$")
_PROLOG_BYTES = 64 * 1024
_SCAN_CHUNK = 1 * MiB
_CARRY = 256

_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\b[^>]*?\bref="([^"]{1,40})"')
#: The rest of a start tag that is not self-closing: only cells with content count, as for the reader
#: (writers such as Gnumeric emit empty styled cells up to row 1,048,576).
_OPEN_TAG_END = rb'(?:\s+[\w:.-]+\s*=\s*"[^"<>]*")*\s*>'
_COL_WIDE = re.compile(rb'r="([A-Z]{2,})[0-9]{1,9}"' + _OPEN_TAG_END)
_COL_ONE = re.compile(rb'r="[A-Z][0-9]')
_REF_AT = re.compile(rb'([A-Z]{0,4})([0-9]{1,9})"')
_HAS_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|is)\b")
_REF = re.compile(r"^\$?([A-Z]{1,4})\$?([0-9]{1,9})$")


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _ref_extent(ref: str) -> tuple[int, int]:
    """(row, column) of the far corner of a reference such as 'A1:XFD1048576'."""
    corner = ref.split(":")[-1].strip().upper()
    m = _REF.match(corner)
    if not m:
        return (0, 0)
    return (int(m.group(2)), column_number(m.group(1)))


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        text = str(exc)
        if "not a zip file" in text.lower() or "truncated" in text.lower():
            raise refuse(
                FileProblem.INCOMPLETE,
                f"The file is incomplete: {path.name!r} was cut short (an interrupted download or copy?), so "
                "the end of the archive is missing. Get the complete file and try again.",
            ) from None
        raise refuse(FileProblem.DAMAGED, f"The file is damaged: its archive is broken ({text}).") from None
    except (OSError, ValueError, NotImplementedError) as exc:
        raise refuse(
            FileProblem.DAMAGED, f"The file is damaged: its archive cannot be read ({exc})."
        ) from None


def _check_directory(path: Path, z: zipfile.ZipFile, limits: ReadLimits) -> dict[str, zipfile.ZipInfo]:
    infos = z.infolist()
    if len(infos) > limits.max_parts:
        raise refuse(
            FileProblem.TOO_LARGE, f"The file is too large to import: its archive holds {len(infos):,} parts."
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse(
                FileProblem.PASSWORD,
                "The workbook is password-protected (its archive is encrypted): remove the password and "
                "import it again.",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse(
                FileProblem.DAMAGED,
                f"The file is damaged: part {info.filename!r} uses a compression method that "
                "spreadsheets never use.",
            )
        total += info.file_size
        if info.file_size > limits.ratio_grace_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise refuse(
                    FileProblem.TOO_LARGE,
                    f"The file is too large to import: part {info.filename!r} unpacks to "
                    f"{info.file_size / MiB:,.0f} MB from {info.compress_size / MiB:,.1f} MB (ratio "
                    f"{ratio:,.0f}:1), which only a zip bomb does.",
                )
    if total > limits.max_unpacked_bytes:
        raise refuse(
            FileProblem.TOO_LARGE,
            f"The file is too large to import: it unpacks to {total / MiB:,.0f} MB, the limit is "
            f"{limits.max_unpacked_bytes / MiB:,.0f} MB.",
        )
    # Some writers use Windows separators in part names; readers accept them, so do we.
    return {info.filename.replace("\\", "/"): info for info in infos}


def _damaged(exc: Exception) -> Exception:
    return refuse(FileProblem.DAMAGED, f"The file is damaged: {exc}.")


def _read_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    if info.file_size > max_bytes:
        raise refuse(
            FileProblem.TOO_LARGE,
            f"The file is too large to import: part {info.filename!r} is {info.file_size / MiB:,.0f} MB.",
        )
    try:
        with z.open(info) as handle:
            return handle.read(max_bytes + 1)[:max_bytes]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise _damaged(exc) from None


def _check_prolog(name: str, head: bytes) -> None:
    first = _FIRST_ELEMENT.search(head)
    prolog = head if first is None else head[: first.start()]
    if _DOCTYPE.search(prolog):
        raise refuse(
            FileProblem.UNSAFE,
            f"The file is unsafe to open: its part {name!r} declares XML entities (a DOCTYPE), which "
            "spreadsheets never do; files like this are made to exhaust memory (an 'XML bomb').",
        )
    if first is None and len(head) >= _PROLOG_BYTES:
        raise refuse(FileProblem.DAMAGED, f"The file is damaged: part {name!r} does not look like XML.")


def _check_prologs(z: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> None:
    for name, info in parts.items():
        if not name.lower().endswith((".xml", ".rels")) or info.file_size == 0:
            continue
        try:
            with z.open(info) as handle:
                head = handle.read(_PROLOG_BYTES)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise _damaged(exc) from None
        _check_prolog(name, head)


def _parse_xml(name: str, data: bytes) -> Element:
    try:
        root: Element = safe_fromstring(data, forbid_dtd=True)
        return root
    except DefusedXmlException:
        raise refuse(
            FileProblem.UNSAFE, f"The file is unsafe to open: part {name!r} declares XML entities."
        ) from None
    except (ParseError, ValueError) as exc:
        raise refuse(
            FileProblem.DAMAGED, f"The file is damaged: part {name!r} is not valid XML ({exc})."
        ) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: Element, local: str) -> str | None:
    for key, value in el.attrib.items():
        if _local(key) == local:
            return value
    return None


def _relationships(
    z: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], name: str
) -> list[tuple[str, str, str]]:
    info = parts.get(name)
    if info is None:
        return []
    root = _parse_xml(name, _read_part(z, info, 16 * MiB))
    base = posixpath.dirname(posixpath.dirname(name))  # 'xl/_rels/workbook.xml.rels' -> 'xl'
    out = []
    for rel in root:
        rid, rtype, target = rel.get("Id", ""), rel.get("Type", ""), rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        out.append((rid, rtype, posixpath.normpath(resolved)))
    return out


def prescan_zip(path: Path, extension: str, limits: ReadLimits, *, quick: bool = False) -> ZipReport:
    """Check an archive and describe the workbook in it; raise `UnreadableFileError` if it is refused.

    `quick`: scan each worksheet only up to its first value (enough to choose the sheet); the chosen
    sheet's scan is then finished with `scan_worksheet`, and its verdict must be awaited before the
    sheet's rows are used.
    """
    z = _open_zip(path)
    with z:
        parts = _check_directory(path, z, limits)
        if not parts:
            raise refuse(
                FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: {path.name!r} is an empty zip archive."
            )
        names = set(parts)
        if "mimetype" in names or "content.xml" in names:
            return _prescan_ods(path, z, parts, limits)
        if "[Content_Types].xml" not in names:
            what = (
                "an Apple Numbers document"
                if any(n.startswith("Index/") for n in names)
                else "a zip archive with no workbook in it"
            )
            problem = FileProblem.UNSUPPORTED if what.startswith("an Apple") else FileProblem.NOT_SPREADSHEET
            hint = (
                " Export it from Numbers as .xlsx and import that."
                if problem is FileProblem.UNSUPPORTED
                else ""
            )
            raise refuse(problem, f"Not a spreadsheet: {path.name!r} is {what}.{hint}")
        _check_prologs(z, parts)
        return _prescan_xlsx(path, z, parts, limits, quick)


def _main_part(z: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> str | None:
    for _rid, rtype, target in _relationships(z, parts, "_rels/.rels"):
        if _OFFICE_DOC_REL.search(rtype):
            return target
    return "xl/workbook.xml" if "xl/workbook.xml" in parts else None


def _prescan_xlsx(
    path: Path, z: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], limits: ReadLimits, quick: bool = False
) -> ZipReport:
    main = _main_part(z, parts)
    if main is None or main not in parts:
        lowered = " ".join(parts).lower()
        what = (
            "a Word document"
            if "word/" in lowered
            else "a PowerPoint presentation"
            if "ppt/" in lowered
            else "an Office package with no workbook in it"
        )
        raise refuse(FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: {path.name!r} is {what}.")
    if main.lower().endswith(".bin"):
        raise refuse(
            FileProblem.UNSUPPORTED,
            f"Unsupported format: {path.name!r} is an Excel binary workbook (.xlsb). "
            "Open it in Excel, save it as .xlsx and import that.",
        )
    if not main.startswith("xl/") and "workbook" not in main.lower():
        raise refuse(
            FileProblem.NOT_SPREADSHEET, f"Not a spreadsheet: {path.name!r} is not an Excel workbook."
        )
    root = _parse_xml(main, _read_part(z, parts[main], 16 * MiB))
    date_1904 = False
    sheet_elements: list[Element] = []
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            date_1904 = (el.get("date1904") or "").strip().lower() in ("1", "true")
        elif tag == "sheet":
            sheet_elements.append(el)
    rels_name = posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels")
    # _relationships resolves targets against the grandparent of the .rels part: the workbook's folder.
    rels = {rid: (rtype, target) for rid, rtype, target in _relationships(z, parts, rels_name)}
    budget = [limits.scan_budget_bytes]
    sheets: list[SheetScan] = []
    for index, el in enumerate(sheet_elements):
        name = el.get("name") or f"Sheet{index + 1}"
        state = (el.get("state") or "visible").strip()
        rid = _attr(el, "id") or ""
        rtype, target = rels.get(rid, ("", ""))
        kind = _sheet_kind(rtype)
        visible = state not in ("hidden", "veryHidden")
        info = parts.get(target)
        if kind is not SheetKind.WORKSHEET or info is None:
            sheets.append(SheetScan(name, index, kind, visible, None if info is None else False, 0, 0))
            continue
        sheets.append(_scan_sheet(z, info, name, index, visible, limits, budget, quick=quick))
    return ZipReport(FileFormat.XLSX, tuple(sheets), date_1904)


def scan_worksheet(path: Path, sheet: SheetScan, limits: ReadLimits) -> SheetScan:
    """The full scan of a worksheet that a quick prescan described (see `prescan_zip`)."""
    if sheet.complete or sheet.part is None:
        return sheet
    z = _open_zip(path)
    with z:
        try:
            info = z.getinfo(sheet.part)
        except KeyError:
            raise _damaged(KeyError(sheet.part)) from None
        budget = [limits.scan_budget_bytes]
        return _scan_sheet(z, info, sheet.name, sheet.index, sheet.visible, limits, budget)


def _sheet_kind(rtype: str) -> SheetKind:
    tail = rtype.rsplit("/", 1)[-1].lower()
    if tail == "worksheet":
        return SheetKind.WORKSHEET
    if tail == "chartsheet":
        return SheetKind.CHART
    if tail == "dialogsheet":
        return SheetKind.DIALOG
    return SheetKind.MACRO if "macro" in tail else SheetKind.WORKSHEET


def _chunks(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> Iterator[bytes]:
    """The part's bytes in overlapping chunks (each starts with the previous chunk's last bytes)."""
    carry = b""
    first = True
    try:
        with z.open(info) as handle:
            while budget[0] > 0 or first:
                # The first block always covers the prolog, where the <dimension> is declared.
                size = max(min(_SCAN_CHUNK, budget[0]), _PROLOG_BYTES if first else 1)
                block = handle.read(size)
                if not block:
                    return
                first = False
                budget[0] -= len(block)
                yield carry + block
                carry = block[-_CARRY:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise _damaged(exc) from None


@functools.lru_cache(maxsize=64)
def _beyond(row: int) -> re.Pattern[bytes]:
    """A pattern for cell references whose row is well past `row`: more digits, or a larger lead digit."""
    digits = len(str(row))
    lead = int(str(row)[0])
    longer = f"[0-9]{{{digits + 1},}}"
    if lead == 9:
        return re.compile(f'r="[A-Z]{{1,4}}({longer})"'.encode() + _OPEN_TAG_END)
    same = f"[{lead + 1}-9][0-9]{{{digits - 1}}}"
    return re.compile(f'r="[A-Z]{{1,4}}({longer}|{same})"'.encode() + _OPEN_TAG_END)


def _last_value_row(chunk: bytes) -> int:
    """The row of the last cell with a value in the chunk (0 if none): the sheet's end, in sheet order."""
    end = max(chunk.rfind(b"v>"), chunk.rfind(b"is>"))
    if end < 0:
        return 0
    start = chunk.rfind(b' r="', 0, end)
    if start < 0:
        return 0
    m = _REF_AT.match(chunk, start + 4)
    return int(m.group(2)) if m else 0


def _scan_sheet(
    z: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    index: int,
    visible: bool,
    limits: ReadLimits,
    budget: list[int],
    *,
    quick: bool = False,
) -> SheetScan:
    """Find how far the sheet's cells reach, at C speed (every pattern starts with a literal).

    Only cells with content count (the reader skips empty ones). The farthest row is the last such
    cell's, checked against cell references that lie beyond it (a cell may claim any row, in any order):
    exact to within a factor of 2; the reader process's memory limit catches what slips through.
    """
    claimed_rows = claimed_cols = 0
    max_row = max_col = 0
    has_data = False
    scanned = 0
    first = True
    for chunk in _chunks(z, info, budget):
        if first:
            first = False
            m = _DIMENSION.search(chunk, 0, _PROLOG_BYTES)
            if m:
                claimed_rows, claimed_cols = _ref_extent(m.group(1).decode("ascii", "replace"))
            scanned = len(chunk)
        else:
            scanned += len(chunk) - _CARRY
        max_row = max(max_row, _last_value_row(chunk))
        far = _beyond(max(max_row, 1)).findall(chunk)
        while far:
            max_row = max(max_row, max(map(int, far)))
            far = _beyond(max_row).findall(chunk)
        wide = _COL_WIDE.findall(chunk)
        if wide:
            max_col = max(max_col, max(column_number(w.decode("ascii")) for w in set(wide)))
        elif max_col < 26 and _COL_ONE.search(chunk):
            max_col = 26  # one-letter columns only: at most Z
        if not has_data and _HAS_VALUE.search(chunk):
            has_data = True
        if quick and has_data:
            break
    complete = scanned >= info.file_size
    if quick and not complete:
        # Only what was seen so far can refuse the sheet here; the full scan follows (`scan_worksheet`).
        cells = max_row * max_col
        refusal = None
        if cells > limits.max_cells or max_row > limits.max_rows or max_col > limits.max_columns:
            refusal = (
                f"The file is too large to import: sheet {name!r} spans {max_row:,} rows x {max_col:,} "
                f"columns ({cells:,} cells); the limit is {limits.max_cells:,} cells and "
                f"{limits.max_rows:,} rows."
            )
        kind, part = SheetKind.WORKSHEET, info.filename
        return SheetScan(name, index, kind, visible, has_data, max_row, max_col, refusal, part, False)
    # A scan cut short by the budget trusts the larger of what it saw and what the sheet declares.
    rows_est = max_row if complete else max(max_row, claimed_rows)
    cols_est = max_col if complete else max(max_col, claimed_cols)
    refusal = None
    cells = rows_est * cols_est
    if cells > limits.max_cells or rows_est > limits.max_rows or cols_est > limits.max_columns:
        refusal = (
            f"The file is too large to import: sheet {name!r} spans {rows_est:,} rows x {cols_est:,} columns "
            f"({cells:,} cells); the limit is {limits.max_cells:,} cells and {limits.max_rows:,} rows."
        )
    return SheetScan(
        name, index, SheetKind.WORKSHEET, visible, has_data, rows_est, cols_est, refusal, info.filename
    )


# --- OpenDocument ------------------------------------------------------------------------------------

_ODS_REPEAT = re.compile(rb'number-(rows|columns)-repeated="([0-9]+)"')
_ODS_VALUE = re.compile(rb"value-type=|<(?:[\w.-]+:)?p\b")
_ODS_ROW_END = re.compile(rb"</(?:[\w.-]+:)?table-row>")
#: Repeat counts up to these never matter (LibreOffice repeats empty cells and rows to fill the grid).
_SMALL_COLUMN_REPEAT = 256
_SMALL_ROW_REPEAT = 1000


def _prescan_ods(
    path: Path, z: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], limits: ReadLimits
) -> ZipReport:
    mime = parts.get("mimetype")
    if mime is not None:
        kind = _read_part(z, mime, 256).strip()
        if not kind.startswith(_ODS_MIME):
            doc = kind.decode("ascii", "replace").rsplit(".", 1)[-1] or "unknown"
            raise refuse(
                FileProblem.NOT_SPREADSHEET,
                f"Not a spreadsheet: {path.name!r} is an OpenDocument {doc} file.",
            )
    manifest = parts.get("META-INF/manifest.xml")
    if manifest is not None and b"encryption-data" in _read_part(z, manifest, 8 * MiB):
        raise refuse(
            FileProblem.PASSWORD,
            "The workbook is password-protected: open it in LibreOffice, remove the password "
            "(File > Properties > Security) and import it again.",
        )
    content = parts.get("content.xml")
    if content is None:
        raise refuse(FileProblem.DAMAGED, f"The file is damaged: {path.name!r} has no content part.")
    _check_prologs(z, parts)
    budget = [limits.scan_budget_bytes]
    for chunk in _chunks(z, content, budget):
        _check_ods_repeats(chunk, limits)
    return ZipReport(FileFormat.ODS, (), False)


def _tag_around(chunk: bytes, at: int) -> bytes:
    """The start tag containing position `at`."""
    begin = chunk.rfind(b"<", 0, at)
    close = chunk.find(b">", at)
    return chunk[max(begin, 0) : close + 1 if close >= 0 else len(chunk)]


def _check_ods_repeats(chunk: bytes, limits: ReadLimits) -> None:
    """Refuse repeated rows or cells that would make the reader build a huge grid of values.

    Only large repeat counts are looked at (a literal search, fast on big files); a repeated cell counts
    when it holds a value, a repeated row when any of its cells does.
    """
    widest = 1
    rows: list[tuple[int, int]] = []
    for m in _ODS_REPEAT.finditer(chunk):
        count = int(m.group(2))
        if m.group(1) == b"columns":
            if count <= _SMALL_COLUMN_REPEAT:
                continue
            tag = _tag_around(chunk, m.start())
            if tag.endswith(b"/>") and b"value-type=" not in tag:
                continue  # empty cells
            widest = max(widest, count)
            if count > limits.max_columns:
                raise refuse(
                    FileProblem.TOO_LARGE,
                    f"The file is too large to import: a cell is repeated {count:,} times across a row.",
                )
        elif count > _SMALL_ROW_REPEAT:
            tag = _tag_around(chunk, m.start())
            if not tag.endswith(b"/>"):
                rows.append((count, m.end()))
    for count, at in rows:
        end = _ODS_ROW_END.search(chunk, at, at + 256 * 1024)
        body = chunk[at : end.start() if end else at + 256 * 1024]
        if not _ODS_VALUE.search(body):
            continue  # trailing empty rows, as LibreOffice writes them
        valued = [
            int(r.group(2))
            for r in _ODS_REPEAT.finditer(body)
            if r.group(1) == b"columns" and b"value-type=" in _tag_around(body, r.start())
        ]
        width = max(valued or [1])
        if count > limits.max_rows or count * max(width, widest) > limits.max_cells:
            raise refuse(
                FileProblem.TOO_LARGE,
                f"The file is too large to import: a row with values is repeated {count:,} times "
                f"({count * max(width, 1):,} cells).",
            )
