"""From a path to a raw table: formats, encodings, delimiters, sheets, header detection, row numbers."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from pathlib import Path

import pytest

from leaddesk.domain.errors import NotFoundError
from leaddesk.services.importing import (
    FileFormat,
    FileProblem,
    UnreadableFileError,
    inspect_file,
    read_table,
)
from tests.import_files.builders import cell_xml, ods_file, raw_xlsx, sheet, write_xlsx


def rows_of(
    path: Path, **kwargs: object
) -> tuple[tuple[str, ...], list[tuple[int, tuple[object, ...]]], object]:
    with read_table(path, **kwargs) as table:  # type: ignore[arg-type]
        picked = [
            (r.number, tuple(r.cells[c.index] if c.index < len(r.cells) else "" for c in table.columns))
            for r in table.iter_rows()
        ]
        return table.headers, picked, table


def test_title_rows_above_the_header_and_row_numbers_as_the_user_sees_them(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "leads.xlsx",
        [
            ["Lista contatti Fiera Milano 2024"],
            ["Esportato da: Mario Bianchi", None, "il 12/03/2024"],
            [],
            ["Nome", "Cognome", "Email", "Azienda"],
            ["Anna", "Verdi", "anna@example.it", "Acme"],
            [],
            ["Luca", "Neri", "luca@example.it", "Beta"],
        ],
    )
    headers, rows, table = rows_of(path)
    assert headers == ("Nome", "Cognome", "Email", "Azienda")
    assert table.header_row == 4  # type: ignore[attr-defined]
    assert [n for n, _ in rows] == [5, 7]
    assert rows[0][1] == ("Anna", "Verdi", "anna@example.it", "Acme")
    assert table.row_count == 2  # type: ignore[attr-defined]


def test_empty_leading_rows_and_columns(tmp_path: Path) -> None:
    xml = sheet(
        f'<row r="3">{cell_xml("C3", "Email")}{cell_xml("D3", "Telefono")}</row>'
        f'<row r="4">{cell_xml("C4", "a@b.it")}{cell_xml("D4", "333 1234567")}</row>'
    )
    with read_table(raw_xlsx(tmp_path / "offset.xlsx", xml)) as table:
        assert table.headers == ("Email", "Telefono")
        assert [c.position for c in table.columns] == ["C", "D"]
        assert table.header_row == 3
        assert [(r.number, r.cells) for r in table.iter_rows()] == [(4, ("a@b.it", "333 1234567"))]


def test_duplicated_and_multi_line_headers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "dups.xlsx",
        [
            ["Email", "email", "Data\nconsegna  a sales", "Email", None],
            ["a@b.it", "c@d.it", "2024-01-02", "e@f.it", "extra"],
        ],
    )
    with read_table(path) as table:
        assert table.headers == ("Email", "email (2)", "Data consegna a sales", "Email (3)", "Column E")


def test_merged_group_header_over_sub_headers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "merged.xlsx",
        [
            ["Nome", "Contatto", None, "Azienda"],
            [None, "Email", "Telefono", None],
            ["Anna", "anna@example.it", "333 1234567", "Acme"],
        ],
        merges=["B1:C1", "A1:A2", "D1:D2"],
    )
    with read_table(path) as table:
        assert table.headers == ("Nome", "Contatto Email", "Contatto Telefono", "Azienda")
        assert table.header_row == 1
        assert [r.number for r in table.iter_rows()] == [3]


def test_no_header_row_found_and_the_ways_around_it(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "nohdr.xlsx", [[1, 2.5], [3, 4.5], [5, 6.5]])
    with pytest.raises(UnreadableFileError) as info:
        read_table(path)
    assert info.value.problem is FileProblem.NO_HEADER
    assert "no header row found" in info.value.message.lower()
    with read_table(path, header_row=0) as table:
        assert table.headers == ("Column A", "Column B")
        assert table.row_count == 3
        assert [r.number for r in table.iter_rows()] == [1, 2, 3]
    with read_table(path, header_row=2) as table:
        assert table.headers == ("3", "4.5")
        assert [r.number for r in table.iter_rows()] == [3]


def test_semicolon_csv_in_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    text = "Nome;Cognome;Città;Note\r\nNiccolò;Rossi;Forlì;€ 100, pagato\r\nJosé;Pérez;Cefalù;\r\n"
    path.write_bytes(text.encode("cp1252"))
    headers, rows, table = rows_of(path)
    assert table.encoding == "cp1252"  # type: ignore[attr-defined]
    assert table.delimiter == ";"  # type: ignore[attr-defined]
    assert table.format is FileFormat.CSV  # type: ignore[attr-defined]
    assert headers == ("Nome", "Cognome", "Città", "Note")
    assert rows[0] == (2, ("Niccolò", "Rossi", "Forlì", "€ 100, pagato"))
    assert rows[1][0] == 3


def test_utf16_tsv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    text = "Email\tNome\tTelefono\r\nanna@example.it\tAnna\t+39 333 1234567\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    headers, rows, table = rows_of(path)
    assert table.encoding == "utf-16"  # type: ignore[attr-defined]
    assert table.delimiter == "\t"  # type: ignore[attr-defined]
    assert headers == ("Email", "Nome", "Telefono")
    assert rows == [(2, ("anna@example.it", "Anna", "+39 333 1234567"))]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Email,Nome\na@b.it,Zoë\n".encode())
    headers, rows, _ = rows_of(path)
    assert headers == ("Email", "Nome")
    assert rows == [(2, ("a@b.it", "Zoë"))]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "d.txt"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(["Email", "Nome", "Importo"])
        writer.writerow(["a@b.it", "Anna", "1.234,50"])
        writer.writerow(["c@d.it", "Carlo", "12,5"])
    headers, rows, table = rows_of(path)
    assert table.delimiter == delimiter  # type: ignore[attr-defined]
    assert headers == ("Email", "Nome", "Importo")
    assert rows[1] == (3, ("c@d.it", "Carlo", "12,5"))


def test_bare_cr_line_endings_quoted_newlines_and_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b'Email,Nome,Note\ra@b.it,Anna,"riga uno\rriga due"\rc@d.it\re@f.it,Elena,x,troppi\r')
    headers, rows, _ = rows_of(path)
    assert headers == ("Email", "Nome", "Note", "Column 4")
    assert rows[0] == (2, ("a@b.it", "Anna", "riga uno\rriga due", ""))
    assert rows[1] == (3, ("c@d.it", "", "", ""))
    assert rows[2] == (4, ("e@f.it", "Elena", "x", "troppi"))


def test_latin1_fallback_and_greek_never_crash(tmp_path: Path) -> None:
    path = tmp_path / "greek.csv"
    path.write_bytes("id,name\n1,Λεωνίδας\n".encode("iso-8859-7") + b"\x81\n")
    headers, rows, table = rows_of(path)
    assert headers == ("id", "name")
    assert table.encoding == "latin-1"  # type: ignore[attr-defined]
    assert len(rows) == 2


def test_hidden_sheets_are_skipped_by_default_and_can_be_chosen(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "sheets.xlsx",
        [["Email"], ["hidden@example.it"]],
        title="Nascosto",
        first_hidden=True,
        sheets={"Vuoto": ([], "visible"), "Contatti": ([["Email"], ["a@b.it"]], "visible")},
    )
    info = inspect_file(path)
    assert info.format is FileFormat.XLSX
    assert [(s.name, s.visible, s.has_data) for s in info.sheets] == [
        ("Nascosto", False, True),
        ("Vuoto", True, False),
        ("Contatti", True, True),
    ]
    assert info.default_sheet == "Contatti"
    with read_table(path) as table:
        assert table.sheet == "Contatti"
        assert [r.cells for r in table.iter_rows()] == [("a@b.it",)]
    with read_table(path, "Nascosto") as table:
        assert [r.cells for r in table.iter_rows()] == [("hidden@example.it",)]
    with pytest.raises(NotFoundError):
        read_table(path, "Altro")


def test_only_hidden_sheets_hold_data(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "h.xlsx", [["Email"], ["a@b.it"]], first_hidden=True, sheets={"V": ([], "visible")}
    )
    with pytest.raises(UnreadableFileError) as info:
        read_table(path)
    assert info.value.problem is FileProblem.NO_SHEET
    assert "hidden" in info.value.message


def test_1904_date_system_is_reported(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "p.xlsx", [["Email", "Data"], ["a@b.it", dt.datetime(2024, 3, 15, 10, 30)]])
    mac = write_xlsx(
        tmp_path / "m.xlsx", [["Email", "Data"], ["a@b.it", dt.datetime(2024, 3, 15, 10, 30)]], date_1904=True
    )
    with read_table(plain) as a, read_table(mac) as b:
        assert (a.date_1904, b.date_1904) == (False, True)
        # Date cells come out as dates whatever the system.
        assert (
            next(a.iter_rows()).cells[1] == next(b.iter_rows()).cells[1] == dt.datetime(2024, 3, 15, 10, 30)
        )


def test_numbers_stored_as_text_stay_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx", [["Codice", "Telefono", "Quantità"], ["00123", "+39 333 1234567", 12]]
    )
    with read_table(path) as table:
        assert next(table.iter_rows()).cells == ("00123", "+39 333 1234567", 12)


def test_progress_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Email\n" + "".join(f"u{i}@example.it\n" for i in range(20_000)), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    with read_table(path, progress=lambda done, total: seen.append((done, total))) as table:
        assert table.row_count == 20_000
    assert seen
    assert seen[-1][0] <= seen[-1][1] == path.stat().st_size


def test_a_csv_renamed_with_a_workbook_inside_is_read_by_content(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "b.xlsx", [["Email"], ["a@b.it"]])
    renamed = tmp_path / "b.csv"
    renamed.write_bytes(book.read_bytes())
    with read_table(renamed) as table:
        assert table.format is FileFormat.XLSX


def test_the_file_hash_identifies_the_file(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "h.csv"
    path.write_text("Email\na@b.it\n", encoding="utf-8")
    with read_table(path) as table:
        assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_store_is_removed_on_close(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("Email\na@b.it\n", encoding="utf-8")
    table = read_table(path)
    folder = table.store.folder
    assert folder.exists()
    table.close()
    assert not folder.exists()


def test_a_header_row_chosen_far_down(tmp_path: Path) -> None:
    rows: list[list[object]] = [[f"nota {i}"] for i in range(200)]
    rows += [["Email", "Nome"], ["a@b.it", "Anna"], ["c@d.it", "Carlo"]]
    path = write_xlsx(tmp_path / "far.xlsx", rows)
    with read_table(path, header_row=201) as table:
        assert table.headers == ("Email", "Nome")
        assert table.row_count == 2
        assert [r.number for r in table.iter_rows()] == [202, 203]


def test_opendocument_spreadsheets(tmp_path: Path) -> None:
    path = ods_file(
        tmp_path / "leads.ods",
        {
            "Vuoto": [],
            "Contatti": [["Titolo dell'elenco"], ["Email", "Dipendenti"], ["a@b.it", 12], [None, 7.5]],
        },
    )
    info = inspect_file(path)
    assert info.format is FileFormat.ODS
    assert [(s.name, s.has_data) for s in info.sheets] == [("Vuoto", False), ("Contatti", True)]
    assert info.default_sheet == "Contatti"
    with read_table(path) as table:
        assert table.sheet == "Contatti"
        assert table.header_row == 2
        assert [table.values(r) for r in table.iter_rows()] == [("a@b.it", 12.0), ("", 7.5)]
    with pytest.raises(UnreadableFileError) as refused:
        read_table(path, "Altro")
    assert refused.value.problem is FileProblem.NO_SHEET
    assert "'Contatti'" in refused.value.message


def test_macro_enabled_workbooks_read_like_xlsx(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "b.xlsx", [["Email"], ["a@b.it"]])
    xlsm = tmp_path / "b.xlsm"
    xlsm.write_bytes(book.read_bytes())
    with read_table(xlsm) as table:
        assert table.format is FileFormat.XLSX
        assert table.row_count == 1
