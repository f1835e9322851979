"""Benchmark: reading and preparing a big lead list, against python-calamine's raw read.

    python benchmarks/bench_import_read.py            # 100,000 rows x 12 columns
    python benchmarks/bench_import_read.py --full     # and a full 1,048,576-row sheet
    python benchmarks/bench_import_read.py --rows 50000

The workbooks are generated once (an .xlsx written part by part, inline strings and a date style, as
openpyxl's write-only mode writes them) and cached in the temp folder. Prints, for each size: the raw
python-calamine read (open, load, iterate every row; in a fresh process), `read_table` (sniff, pre-scan,
reader process, header), `prepare_rows` on one core and on all cores (for the full sheet: streamed
with `iter_prepared`, so that memory stays bounded), and peak memory of this process, of the reader
process, and of the raw read.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leaddesk.services.importing import (
    PrepareOptions,
    iter_prepared,
    prepare_rows,
    propose_mapping,
    read_table,
)

HEADERS = (
    "Nome", "Cognome", "Email", "Telefono", "Azienda", "Ruolo",
    "Dipendenti", "Settore", "Nazione", "Città", "Fonte", "Data creazione",
)  # fmt: skip
FIRST = ("Mario", "Luca", "Giulia", "Anna", "Marco", "Sara", "Paolo", "Chiara", "Niccolò", "Zoë")
LAST = ("Rossi", "Bianchi", "Verdi", "Esposito", "Romano", "Colombo", "De Luca", "Ricci")
ROLES = ("Marketing Manager", "CEO", "Responsabile acquisti", "IT Director", "Office manager")
SECTORS = ("Manifattura", "Servizi", "Retail", "Logistica", "Software")
COUNTRIES = ("Italia", "Italy", "IT", "Svizzera", "Germania")
CITIES = ("Milano", "Roma", "Torino", "Bologna", "Forlì", "Napoli")
SOURCES = ("Fiera", "Webinar", "Sito web", "LinkedIn", "Passaparola")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook '
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def _ascii(name: str) -> str:
    """What people type in an address for an accented name: 'Niccolò' -> 'niccolo'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.replace(" ", "")


def _col(i: int) -> str:
    return chr(65 + i)


def _sheet_rows(rows: int) -> Iterator[str]:
    rnd = random.Random(20240315)
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:L{rows + 1}"/><sheetData>'
    )
    header = "".join(
        f'<c r="{_col(j)}1" t="inlineStr"><is><t>{escape(h)}</t></is></c>' for j, h in enumerate(HEADERS)
    )
    yield f'<row r="1">{header}</row>'
    for i in range(rows):
        n = i + 2
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        values = (
            first,
            last,
            f"{_ascii(first)}.{_ascii(last)}{i}@azienda{i % 997}.it".lower(),
            f"+39 3{rnd.randint(10, 99)} {rnd.randint(1000000, 9999999)}",
            f"Azienda {i % 5000} Srl",
            rnd.choice(ROLES),
            None,
            rnd.choice(SECTORS),
            rnd.choice(COUNTRIES),
            rnd.choice(CITIES),
            rnd.choice(SOURCES),
            None,
        )
        cells = []
        for j, value in enumerate(values):
            if j == 6:
                cells.append(f'<c r="G{n}"><v>{rnd.randint(5, 5000)}</v></c>')
            elif j == 11:
                serial = 45292 + rnd.randint(0, 500_000) / 1440  # 2024 onwards, to the minute
                cells.append(f'<c r="L{n}" s="1"><v>{serial:.6f}</v></c>')
            else:
                cells.append(f'<c r="{_col(j)}{n}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        yield f'<row r="{n}">{"".join(cells)}</row>'
    yield "</sheetData></worksheet>"


def make_workbook(rows: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "leaddesk-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"leads_v2_{rows}.xlsx"
    if path.exists():
        return path
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/styles.xml", STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            batch: list[str] = []
            for piece in _sheet_rows(rows):
                batch.append(piece)
                if len(batch) >= 2000:
                    handle.write("".join(batch).encode("utf-8"))
                    batch = []
            handle.write("".join(batch).encode("utf-8"))
    partial.rename(path)
    print(
        f"  generated {path} ({path.stat().st_size / 1e6:,.1f} MB) in {time.perf_counter() - started:,.1f} s"
    )
    return path


RAW_READ = """
import resource, sys, time
import python_calamine
started = time.perf_counter()
cpu = time.process_time()
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
sheet = book.get_sheet_by_index(0)
count = sum(1 for _ in sheet.iter_rows())
usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(time.perf_counter() - started, time.process_time() - cpu, count, usage)
"""


def raw_calamine(path: Path) -> tuple[float, float, int, float]:
    out = subprocess.run(
        [sys.executable, "-c", RAW_READ, str(path)], check=True, capture_output=True, text=True
    )
    seconds, cpu, rows, rss_kib = out.stdout.split()
    return float(seconds), float(cpu), int(rows), int(rss_kib) / 1024


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MB"


def run(rows: int, *, stream: bool) -> None:
    print(f"\n== {rows:,} rows x {len(HEADERS)} columns")
    path = make_workbook(rows)
    raw_seconds, raw_cpu, raw_rows, raw_rss = raw_calamine(path)
    print(
        f"raw python-calamine read      {raw_seconds:8.2f} s   (CPU {raw_cpu:.2f} s; {raw_rows:,} rows, "
        f"peak {raw_rss:,.0f} MB)"
    )

    started = time.perf_counter()
    cpu = time.process_time()
    table = read_table(path)
    read_seconds = time.perf_counter() - started
    read_cpu = time.process_time() - cpu + table.reader_cpu_seconds
    print(
        f"read_table                    {read_seconds:8.2f} s   (CPU {read_cpu:.2f} s = {read_cpu / raw_cpu:.1f}x "
        f"raw; {table.row_count:,} rows; reader process peak {table.reader_peak_rss / 2**20:,.0f} MB)"
    )
    mapping = propose_mapping(table.headers)
    cores = os.cpu_count() or 1
    for workers in (1, cores) if cores > 1 else (1,):
        options = PrepareOptions(workers=workers)
        started = time.perf_counter()
        cpu = time.process_time()
        if stream:
            accepted = rejected = 0
            for chunk in iter_prepared(table, mapping, options):
                accepted += len(chunk.rows)
                rejected += len(chunk.rejected)
        else:
            batch = prepare_rows(table, mapping, options)
            accepted, rejected = len(batch.rows), len(batch.rejected)
            del batch
        seconds = time.perf_counter() - started
        used = time.process_time() - cpu
        how = "iter_prepared" if stream else "prepare_rows"
        note = f"CPU {used:.2f} s, " if workers == 1 else ""
        print(
            f"{how:14} ({workers} core{'s' if workers > 1 else ''})      {seconds:8.2f} s   "
            f"({note}{accepted:,} accepted, {rejected:,} rejected; read + prepare = "
            f"{(read_seconds + seconds) / raw_seconds:.1f}x the raw read's time)"
        )
    table.close()
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak RSS: this process {mib(me)}, waited-for children {mib(children)}")
    print(f"load average now {os.getloadavg()[0]:.2f} (other work on the machine slows the figures down)")
    print(
        "  (the reader and the workers are forked by the fork server: the reader's own peak is shown above)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="also a full 1,048,576-row sheet")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    run(args.rows, stream=False)
    if args.full:
        run(1_048_575, stream=True)


if __name__ == "__main__":
    main()
