"""Delimited text files: encoding and delimiter detection, then records as lists of strings.

Encoding: a BOM decides (UTF-8, UTF-16); else UTF-16 without BOM is recognised by its pattern of NUL
bytes; else the whole file must decode as UTF-8, or it is read as Windows-1252 (what Excel writes on
Italian and other Western Windows) and, if even that fails, as Latin-1, which decodes any byte. Greek or
other single-byte encodings are not guessed: they come out as Latin letters, never as an error.

Delimiter: comma, semicolon, tab or pipe, whichever splits the first records most consistently into
the most fields. Quoting follows RFC 4180 (doubled quotes), with spaces after a delimiter skipped;
bare-CR line endings and ragged rows are fine; a field with a stray quote is reported with its record.
Only used inside the reader process (it sets the csv module's global field size limit).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leaddesk.services.importing.limits import ReadLimits
from leaddesk.services.importing.problems import FileProblem, refuse

_BLOCK = 1024 * 1024
_SAMPLE_CHARS = 64 * 1024
_CANDIDATES = (",", ";", "\t", "|")


@dataclass(frozen=True, slots=True)
class TextFormat:
    encoding: str
    delimiter: str
    sha256: str


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if (
        head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))
        and len(head) >= 4
        and head[2:4] == b"\x00\x00"
    ):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 8:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) / 2
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be"
    return None


def _nul_error(line: int) -> Exception:
    return refuse(
        FileProblem.NOT_SPREADSHEET,
        f"Not a spreadsheet: the file contains NUL bytes (near line {line}), so it is binary data or a "
        "damaged export, not CSV text.",
    )


def detect_encoding(path: Path) -> tuple[str, str]:
    """(encoding, sha256 of the file), reading the whole file once."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        head = handle.read(_BLOCK)
        digest.update(head)
        bom = _bom_encoding(head)
        candidates = [bom] if bom else ["utf-8", "cp1252"]
        decoders = {enc: codecs.getincrementaldecoder(enc)("strict") for enc in candidates}
        lines = 1
        block = head
        while block:
            if bom is None:
                nul = block.find(b"\x00")
                if nul >= 0:
                    raise _nul_error(lines + block.count(b"\n", 0, nul))
                lines += block.count(b"\n")
            for enc in list(decoders):
                try:
                    text = decoders[enc].decode(block, final=False)
                except UnicodeDecodeError:
                    del decoders[enc]
                    continue
                if bom is not None and "\x00" in text:
                    raise _nul_error(lines + text.count("\n", 0, text.index("\x00")))
                if bom is not None:
                    lines += text.count("\n")
            block = handle.read(_BLOCK)
            digest.update(block)
        for enc in list(decoders):
            try:
                decoders[enc].decode(b"", final=True)
            except UnicodeDecodeError:
                del decoders[enc]
    if bom is not None and not decoders:
        raise refuse(
            FileProblem.DAMAGED,
            f"The file is damaged: it starts like {bom.upper()} text but is not valid {bom.upper()}.",
        )
    encoding = next(iter(decoders), "latin-1")
    return encoding, digest.hexdigest()


def _sample(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="") as handle:
        text = handle.read(_SAMPLE_CHARS)
    if len(text) == _SAMPLE_CHARS:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[:cut]
    return text


def detect_delimiter(sample: str, extension: str) -> str:
    """The delimiter that splits the sample's first records most consistently into most fields."""
    preferred = "\t" if extension in (".tsv", ".tab") else "|" if extension == ".psv" else ","
    best: tuple[float, int, int] | None = None
    choice = preferred
    for order, delimiter in enumerate(sorted(_CANDIDATES, key=lambda d: d != preferred)):
        if delimiter not in sample:
            continue
        counts: list[int] = []
        try:
            reader = csv.reader(io.StringIO(sample), delimiter=delimiter, skipinitialspace=True)
            for record in reader:
                if any(field.strip() for field in record):
                    counts.append(len(record))
                if len(counts) >= 50:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        modal, hits = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        consistency = hits / len(counts)
        score = (round(consistency, 1), modal, -order)
        if best is None or score > best:
            best, choice = score, delimiter
    return choice


def detect_format(path: Path) -> TextFormat:
    encoding, sha256 = detect_encoding(path)
    delimiter = detect_delimiter(_sample(path, encoding), path.suffix.lower())
    return TextFormat(encoding, delimiter, sha256)


def iter_records(path: Path, fmt: TextFormat, limits: ReadLimits) -> Iterator[tuple[int, list[str], int]]:
    """(record number, fields, bytes read so far) for every record, blank ones included."""
    csv.field_size_limit(limits.max_cell_chars)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=fmt.encoding, newline="")
        reader = csv.reader(
            text, delimiter=fmt.delimiter, quotechar='"', doublequote=True, skipinitialspace=True, strict=True
        )
        number = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _csv_error(exc, number + 1, limits) from None
            number += 1
            if number > limits.max_rows + 1:
                raise refuse(
                    FileProblem.TOO_LARGE,
                    f"The file is too large to import: it has more than {limits.max_rows:,} rows. "
                    "Split it into smaller files.",
                )
            if len(record) > limits.max_columns:
                raise refuse(
                    FileProblem.TOO_LARGE,
                    f"The file is too large to import: record {number} has {len(record):,} fields.",
                )
            yield number, record, raw.tell()


def _csv_error(exc: csv.Error, record: int, limits: ReadLimits) -> Exception:
    text = str(exc)
    if "field larger than field limit" in text:
        return refuse(
            FileProblem.TOO_LARGE,
            f"The file is too large to import: a cell in record {record} holds more than "
            f"{limits.max_cell_chars:,} characters.",
        )
    if "NUL" in text:
        return _nul_error(record)
    return refuse(
        FileProblem.DAMAGED,
        f"The file is damaged: record {record} is not valid CSV ({text}). Quotes inside a field must be "
        'doubled ("") and the whole field quoted.',
    )
