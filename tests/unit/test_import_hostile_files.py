"""Hostile and broken files: each is refused with one clear, specific message, in bounded time and memory,
and the test process survives (untrusted files are parsed in a limited child process)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from leaddesk.domain.errors import ImportFileError
from leaddesk.services.importing import (
    Cancelled,
    FileProblem,
    ReadLimits,
    UnreadableFileError,
    inspect_file,
    read_table,
)
from tests.import_files.builders import (
    BILLION_LAUGHS,
    SHEET_HEAD,
    WORKBOOK,
    biff_records,
    cell_xml,
    lying_size_xlsx,
    ole_file,
    raw_xlsx,
    sheet,
    write_xlsx,
    zip_bomb_xlsx,
)


def refused(path: Path, problem: FileProblem, *words: str, limits: ReadLimits | None = None) -> str:
    """Read `path`, expect a refusal of kind `problem` whose message contains `words`; return it."""
    started = time.monotonic()
    with pytest.raises(UnreadableFileError) as info:
        read_table(path, limits=limits or ReadLimits())
    assert isinstance(info.value, ImportFileError)
    assert info.value.problem is problem, info.value.message
    for word in words:
        assert word.lower() in info.value.message.lower(), info.value.message
    assert time.monotonic() - started < 20
    return info.value.message


def corner_sheet(first: str = "A1", far: str = "XFD1048576", far_row: str = "1048576") -> str:
    return sheet(
        f'<row r="1">{cell_xml(first, "Email")}</row><row r="{far_row}">{cell_xml(far, "x")}</row>',
        dimension=f"A1:{far}",
    )


def test_far_corner_cell_is_refused_before_any_parser_runs(tmp_path: Path) -> None:
    path = raw_xlsx(tmp_path / "corner.xlsx", corner_sheet())
    assert path.stat().st_size < 5000
    refused(path, FileProblem.TOO_LARGE, "too large", "spans 1,048,576 rows x 16,384 columns")
    info = inspect_file(path)
    assert info.sheets[0].problem is not None


@pytest.mark.parametrize(
    ("label", "xml"),
    [
        # The far cell comes first, in a row whose own number is small.
        ("far cell first", sheet(f'<row r="1">{cell_xml("XFD1048576", "x")}{cell_xml("A1", "Email")}</row>')),
        # Wide column in one row, tall row in another: the grid is their product.
        (
            "wide and tall apart",
            sheet(
                f'<row r="1">{cell_xml("XFD1", "x")}</row><row r="900000">{cell_xml("A900000", "y")}</row>'
            ),
        ),
        # Rows without numbers, cells that claim far rows.
        (
            "row numbers missing",
            sheet(f"<row>{cell_xml('A1', 'Email')}</row><row>{cell_xml('ZZZ999999', 'y')}</row>"),
        ),
    ],
)
def test_far_cells_in_any_order_are_found(tmp_path: Path, label: str, xml: str) -> None:
    refused(raw_xlsx(tmp_path / "far.xlsx", xml), FileProblem.TOO_LARGE, "too large", "spans")


def test_empty_styled_cells_far_away_do_not_count(tmp_path: Path) -> None:
    # Gnumeric writes empty styled cells up to the last row; the reader ignores them, so do we.
    xml = sheet(
        f'<row r="1">{cell_xml("A1", "Email")}</row><row r="2">{cell_xml("A2", "a@b.it")}</row>'
        '<row r="1048576"><c r="ZZ1048576" s="1"/></row>',
        dimension="A1:XFD1048576",
    )
    with read_table(raw_xlsx(tmp_path / "styled.xlsx", xml)) as table:
        assert table.headers == ("Email",)
        assert [r.cells for r in table.iter_rows()] == [("a@b.it",)]


def test_a_reader_that_aborts_becomes_a_clear_error_and_the_app_survives(tmp_path: Path) -> None:
    # Lift the pre-scan's cell limit so that calamine itself meets the file: it aborts its process
    # (SIGABRT, 550 GB grid); only the child dies.
    path = raw_xlsx(tmp_path / "corner.xlsx", corner_sheet())
    limits = ReadLimits(max_cells=10**12, max_rows=10**7, max_columns=10**6, child_memory_bytes=2 * 1024**3)
    refused(path, FileProblem.TOO_LARGE, "memory", limits=limits)
    # The test process is alive and can read the next file.
    ok = write_xlsx(tmp_path / "ok.xlsx", [["Email"], ["a@b.it"]])
    with read_table(ok) as table:
        assert table.row_count == 1


def test_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    path = zip_bomb_xlsx(tmp_path / "bomb.xlsx", mib=1024)
    assert path.stat().st_size < 2 * 1024 * 1024
    refused(path, FileProblem.TOO_LARGE, "zip bomb")


def test_part_larger_than_declared_is_refused(tmp_path: Path) -> None:
    refused(lying_size_xlsx(tmp_path / "lying.xlsx", actual_mib=8), FileProblem.DAMAGED, "damaged")


@pytest.mark.parametrize("part", ["sheet", "workbook", "sharedStrings"])
def test_xml_entity_bomb_is_refused(tmp_path: Path, part: str) -> None:
    cells = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    bomb_sheet = (
        SHEET_HEAD.replace("<worksheet", BILLION_LAUGHS + "<worksheet")
        + f"<sheetData>{cells}</sheetData></worksheet>"
    )
    plain = sheet(f'<row r="1">{cell_xml("A1", "Email")}</row>')
    if part == "sheet":
        path = raw_xlsx(tmp_path / "bomb.xlsx", bomb_sheet)
    elif part == "workbook":
        path = raw_xlsx(
            tmp_path / "bomb.xlsx",
            plain,
            workbook=WORKBOOK.replace("<workbook", BILLION_LAUGHS + "<workbook"),
        )
    else:
        strings = (
            BILLION_LAUGHS
            + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
        )
        path = raw_xlsx(tmp_path / "bomb.xlsx", plain, extra={"xl/sharedStrings.xml": strings})
    refused(path, FileProblem.UNSAFE, "entit")


def test_truncated_xlsx_is_incomplete(tmp_path: Path) -> None:
    full = write_xlsx(tmp_path / "full.xlsx", [["Email"], *[[f"user{i}@example.it"] for i in range(2000)]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    refused(cut, FileProblem.INCOMPLETE, "incomplete")


def test_text_renamed_xlsx_is_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    path.write_text("Email,Name\na@b.it,Anna\n", encoding="utf-8")
    refused(path, FileProblem.NOT_SPREADSHEET, "not a spreadsheet", ".csv")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "png"),
        (b"%PDF-1.7\n" + b"x" * 100, "pdf"),
        (b"<html><body><table><tr><td>Email</td></tr></table></body></html>", "web page"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_other_files_renamed_are_named(tmp_path: Path, data: bytes, what: str) -> None:
    path = tmp_path / "leads.xls"
    path.write_bytes(data)
    refused(path, FileProblem.NOT_SPREADSHEET, "not a spreadsheet", what)


def test_empty_zip_and_word_document(tmp_path: Path) -> None:
    import zipfile

    empty = tmp_path / "empty.xlsx"
    zipfile.ZipFile(empty, "w").close()
    refused(empty, FileProblem.NOT_SPREADSHEET, "empty zip")
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    refused(docx, FileProblem.NOT_SPREADSHEET, "word document")


def test_fifty_megabyte_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big_cell.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Email,Notes\na@b.it,")
        block = "x" * (1 << 20)
        for _ in range(50):
            handle.write(block)
        handle.write("\n")
    refused(path, FileProblem.TOO_LARGE, "too large", "characters")


def test_fifty_megabyte_cell_in_a_workbook_is_refused(tmp_path: Path) -> None:
    text = "x" * (3 * 1024 * 1024)
    xml = sheet(f'<row r="1">{cell_xml("A1", "Notes")}</row><row r="2">{cell_xml("A2", text)}</row>')
    refused(
        raw_xlsx(tmp_path / "big.xlsx", xml),
        FileProblem.TOO_LARGE,
        "characters",
        limits=ReadLimits(max_cell_chars=1_000_000),
    )


@pytest.mark.parametrize("where", ["start", "after the first 64 KB"])
def test_csv_with_nul_bytes_is_refused(tmp_path: Path, where: str) -> None:
    path = tmp_path / "nul.csv"
    lines = "Email,Name\n" + "".join(f"u{i}@example.it,Name {i}\n" for i in range(5000))
    data = lines.encode()
    data = b"a,\x00,c\n" + data if where == "start" else data + b"x,\x00,y\n"
    path.write_bytes(data)
    refused(path, FileProblem.NOT_SPREADSHEET, "nul")


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx", "empty.xls", "empty.ods"])
def test_empty_file_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    refused(path, FileProblem.EMPTY, "the file is empty")


def test_blank_csv_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n\n ,  \n\n", encoding="utf-8")
    refused(path, FileProblem.EMPTY, "empty")


def test_password_protected_workbook_is_named(tmp_path: Path) -> None:
    encrypted = ole_file(
        tmp_path / "secret.xlsx", {"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"z" * 9000}
    )
    refused(encrypted, FileProblem.PASSWORD, "password-protected")
    bof = (0x0809, b"\x00\x06\x05\x00" + b"\x00" * 12)
    xls = ole_file(
        tmp_path / "secret.xls",
        {"Workbook": biff_records(bof, (0x002F, b"\x01\x00" + b"\x00" * 52), (0x000A, b""))},
    )
    refused(xls, FileProblem.PASSWORD, "password-protected")


def test_word_97_document_is_not_a_spreadsheet(tmp_path: Path) -> None:
    doc = ole_file(tmp_path / "letter.xls", {"WordDocument": b"w" * 5000})
    refused(doc, FileProblem.NOT_SPREADSHEET, "word document")


def test_truncated_xls_is_incomplete(tmp_path: Path) -> None:
    bof = (0x0809, b"\x00\x06\x05\x00" + b"\x00" * 12)
    full = ole_file(tmp_path / "full.xls", {"Workbook": biff_records(bof, (0x000A, b"")) + b"\x00" * 9000})
    cut = tmp_path / "cut.xls"
    cut.write_bytes(full.read_bytes()[:1500])
    refused(cut, FileProblem.INCOMPLETE, "incomplete")


def test_xlsb_is_unsupported(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "book.xlsb"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        z.writestr("xl/workbook.bin", b"\x00" * 10)
    refused(path, FileProblem.UNSUPPORTED, ".xlsb")


def test_ods_repeated_cells_bomb_is_refused(tmp_path: Path) -> None:
    import zipfile

    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="S"><table:table-row table:number-rows-repeated="100000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>X</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    path = tmp_path / "dos.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    refused(path, FileProblem.TOO_LARGE, "repeated")


def test_a_slow_read_is_stopped_at_the_deadline(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", [["Email"], ["a@b.it"]])
    refused(path, FileProblem.TOO_LARGE, "took too long", limits=ReadLimits(timeout_seconds=0.0))


def test_cancel_stops_the_reader(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", [["Email"], ["a@b.it"]])
    with pytest.raises(Cancelled):
        read_table(path, should_cancel=lambda: True)


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"Email\n" + b"a@b.it\n" * 200_000)
    refused(path, FileProblem.TOO_LARGE, "too large", limits=ReadLimits(max_file_bytes=1_000_000))


def test_too_many_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("Email\n" + "a@b.it\n" * 3000, encoding="utf-8")
    refused(path, FileProblem.TOO_LARGE, "rows", limits=ReadLimits(max_rows=1000))


def test_no_temporary_files_are_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = raw_xlsx(tmp_path / "corner.xlsx", corner_sheet())
    limits = ReadLimits(max_cells=10**12, max_rows=10**7, max_columns=10**6)
    with pytest.raises(ImportFileError):
        read_table(path, limits=limits)  # the reader dies
    with pytest.raises(ImportFileError):
        read_table(raw_xlsx(tmp_path / "nohdr.xlsx", sheet('<row r="1"><c r="A1"><v>1</v></c></row>')))
    ok = write_xlsx(tmp_path / "ok.xlsx", [["Email"], ["a@b.it"]])
    table = read_table(ok)
    assert len(list(scratch.iterdir())) == 1
    table.close()
    assert list(scratch.iterdir()) == []


def test_a_dimension_claim_alone_is_checked_against_the_cells(tmp_path: Path) -> None:
    # Gnumeric declares A1:XFD1048576 for every sheet; the reader sizes its grid from the cells, so a
    # claim the scan disproves is harmless. When the scan cannot finish (budget), the claim counts.
    rows = "".join(f'<row r="{n}">{cell_xml(f"A{n}", f"user{n}@example.it")}</row>' for n in range(2, 3002))
    xml = sheet(f'<row r="1">{cell_xml("A1", "Email")}</row>{rows}', dimension="A1:XFD1048576")
    assert len(xml) > 128 * 1024
    path = raw_xlsx(tmp_path / "claim.xlsx", xml)
    with read_table(path) as table:
        assert table.row_count == 3000
    refused(path, FileProblem.TOO_LARGE, "spans 1,048,576 rows", limits=ReadLimits(scan_budget_bytes=1))
