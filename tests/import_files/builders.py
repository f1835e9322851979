"""Make test files: plain workbooks through openpyxl, and hand-built (often hostile) xlsx and OLE2 files."""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>\n'
)


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "Leads",
    merges: Iterable[str] = (),
    date_1904: bool = False,
    sheets: Mapping[str, tuple[Sequence[Sequence[Any]], str]] | None = None,
    first_hidden: bool = False,
) -> Path:
    """A real workbook: `rows` on the first sheet (None = empty cell); `sheets`: name -> (rows, state)."""
    wb = Workbook()
    if date_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    if first_hidden:
        ws.sheet_state = "hidden"
    for name, (other_rows, state) in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in other_rows:
            other.append(list(row))
        other.sheet_state = state
    wb.save(path)
    return path


def cell_xml(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def raw_xlsx(
    path: Path,
    sheet_xml: str | bytes,
    *,
    workbook: str = WORKBOOK,
    extra: Mapping[str, str | bytes] | None = None,
) -> Path:
    """An xlsx built part by part, so that a test can put anything in the sheet XML."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def sheet(cells_xml: str, *, dimension: str | None = None, head: str = SHEET_HEAD) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{head}{dim}<sheetData>{cells_xml}</sheetData></worksheet>"


_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole_file(path: Path, streams: Mapping[str, bytes]) -> Path:
    """A minimal OLE2 compound file (512-byte sectors, one FAT sector) holding `streams`.

    Each stream is padded to at least 4096 bytes so that it lives in regular sectors.
    """
    names = list(streams)
    datas = [streams[n].ljust(max(4096, -(-len(streams[n]) // 512) * 512), b"\x00") for n in names]
    fat = [_FATSECT, _END]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for data in datas:
        count = len(data) // 512
        start = len(fat)
        starts.append(start)
        fat.extend(range(start + 1, start + count))
        fat.append(_END)
    if len(fat) > 128 or len(names) > 3:
        raise ValueError("too much for the minimal writer")
    fat.extend([_FREE] * (128 - len(fat)))

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw = encoded.ljust(64, b"\x00")
        raw += struct.pack("<HBB", len(encoded), kind, 1)
        raw += struct.pack("<III", _FREE, right, child)
        raw += b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
        raw += struct.pack("<IQ", start, size)
        return raw

    directory = entry("Root Entry", 5, _END, 0, 1 if names else _FREE, _FREE)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else _FREE
        directory += entry(name, 2, starts[i], len(datas[i]), _FREE, right)
    directory = directory.ljust(512, b"\x00")
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    difat = [0] + [_FREE] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    body = bytes(header) + struct.pack("<128I", *fat) + directory + b"".join(datas)
    path.write_bytes(body)
    return path


def biff_records(*records: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<HH", kind, len(data)) + data for kind, data in records)


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def handmade_zip(path: Path, parts: Sequence[tuple[str, bytes, int, int]]) -> Path:
    """A zip written byte by byte: (name, raw deflate data, CRC-32, declared unpacked size) per part.

    Lets a test declare sizes that do not match the data, or store a bomb without unpacking it.
    """
    body = bytearray()
    central = bytearray()
    for name, data, crc, size in parts:
        encoded = name.encode("utf-8")
        offset = len(body)
        body += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        body += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(body), 0)
    path.write_bytes(bytes(body + central + end))
    return path


def _plain_part(name: str, text: str) -> tuple[str, bytes, int, int]:
    data = text.encode("utf-8")
    return (name, _raw_deflate(data), zlib.crc32(data), len(data))


def _xlsx_frame() -> list[tuple[str, bytes, int, int]]:
    return [
        _plain_part("[Content_Types].xml", CONTENT_TYPES),
        _plain_part("_rels/.rels", ROOT_RELS),
        _plain_part("xl/workbook.xml", WORKBOOK),
        _plain_part("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ]


def zip_bomb_xlsx(path: Path, mib: int = 1024) -> Path:
    """An xlsx whose sheet XML is `mib` MiB of zeros packed into about a thousandth of that.

    The deflate stream is one fully flushed 1 MiB block repeated, so making it costs no compression.
    """
    block = b"0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    data = packed * mib + b"\x03\x00"  # an empty final block ends the stream
    return handmade_zip(path, [*_xlsx_frame(), ("xl/worksheets/sheet1.xml", data, crc, mib << 20)])


def lying_size_xlsx(path: Path, actual_mib: int = 64) -> Path:
    """An xlsx whose sheet part declares 1,000 bytes but unpacks to `actual_mib` MiB."""
    text = sheet(cell_xml("A1", "Email") + ("<!--" + "x" * ((actual_mib << 20) - 100) + "-->"))
    data = text.encode()
    return handmade_zip(
        path, [*_xlsx_frame(), ("xl/worksheets/sheet1.xml", _raw_deflate(data), zlib.crc32(data), 1000)]
    )


def ods_file(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    """A minimal OpenDocument spreadsheet: text and float cells, one table per sheet."""
    tables = []
    for name, rows in sheets.items():
        body = []
        for row in rows:
            cells = []
            for value in row:
                if value is None:
                    cells.append("<table:table-cell/>")
                elif isinstance(value, int | float):
                    cells.append(
                        f'<table:table-cell office:value-type="float" office:value="{value}">'
                        f"<text:p>{value}</text:p></table:table-cell>"
                    )
                else:
                    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
                    cells.append(
                        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>'
                        "</table:table-cell>"
                    )
            body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
        tables.append(f'<table:table table:name="{name}">{"".join(body)}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path
