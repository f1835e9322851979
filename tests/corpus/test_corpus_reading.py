"""The real-world corpus (../shared/corpus): every file reads or is refused clearly; known figures hold.

Files outside malformed/ must go through a dry run (read + prepare) without an unhandled exception:
either rows come out or a clear `ImportFileError`. Files in malformed/ must be refused with the specific
kind of problem they exercise.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from leaddesk.domain.errors import ImportFileError
from leaddesk.services.importing import (
    FileFormat,
    FileProblem,
    RawTable,
    UnreadableFileError,
    inspect_file,
    prepare_rows,
    propose_mapping,
    read_table,
)
from leaddesk.services.importing.normalising import cell_text

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"
if not CORPUS.is_dir():
    pytest.skip(f"the shared corpus is not at {CORPUS}", allow_module_level=True)

FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("README.md", "MANIFEST.tsv"))
READABLE = [p for p in FILES if p.parent.name != "malformed"]
MALFORMED = [p for p in FILES if p.parent.name == "malformed"]

#: What each malformed file must be refused as (files added later must at least be refused).
EXPECTED_REFUSALS = {
    "csvkit_null_byte.csv": (FileProblem.NOT_SPREADSHEET, "nul"),
    "empty_file.xlsx": (FileProblem.EMPTY, "empty"),
    "excelize_encryptAES.xlsx": (FileProblem.PASSWORD, "password-protected"),
    "frictionless_escaping.csv": (FileProblem.DAMAGED, "not valid csv"),
    "issue252.xlsx": (FileProblem.DAMAGED, "damaged"),
    "issue_385.xls": (FileProblem.PASSWORD, "password-protected"),
    "issue_594_dos.ods": (FileProblem.TOO_LARGE, "too large"),
    "openpyxl_null_archive.xlsx": (FileProblem.NOT_SPREADSHEET, "no workbook"),
    "pass_protected.ods": (FileProblem.PASSWORD, "password-protected"),
    "pass_protected.xlsx": (FileProblem.PASSWORD, "password-protected"),
    "tealeg_badfile_noWorksheets.xlsx": (FileProblem.DAMAGED, "missing"),
    "too_small.xls": (FileProblem.NOT_SPREADSHEET, "not a spreadsheet"),
}

#: Readable files that hold no table an import could use, and the refusal they get.
NO_TABLE = {
    "date_1904.xls": FileProblem.NO_HEADER,
    "errors.xlsx": FileProblem.EMPTY,
    "xlrd_Formate.xls": FileProblem.NO_HEADER,
    "date.ods": FileProblem.NO_HEADER,
    "date.xlsx": FileProblem.NO_HEADER,
    "date_1904.xlsx": FileProblem.NO_HEADER,
    "pycalamine_base.ods": FileProblem.NO_HEADER,
    "excelize_OverflowNumericCell.xlsx": FileProblem.NO_HEADER,
    "no-header.xlsx": FileProblem.NO_HEADER,
    "openpyxl_guess_types.xlsx": FileProblem.NO_HEADER,
}


def corpus(relative: str) -> Path:
    return CORPUS / relative


def column(table: RawTable, header: str) -> list[object]:
    index = next(c.index for c in table.columns if c.header == header)
    return [r.cells[index] if index < len(r.cells) else "" for r in table.iter_rows()]


def test_the_manifest_describes_every_file() -> None:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        listed = {row["file"] for row in csv.DictReader(handle, delimiter="\t")}
    on_disk = {str(p.relative_to(CORPUS)) for p in FILES}
    assert on_disk <= listed


@pytest.mark.parametrize("path", READABLE, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_file_goes_through_a_dry_run(path: Path) -> None:
    try:
        info = inspect_file(path)
        with read_table(path) as table:
            batch = prepare_rows(table, propose_mapping(table.headers))
    except ImportFileError as exc:
        assert isinstance(exc, UnreadableFileError)
        assert exc.message and len(exc.message) > 20
        assert NO_TABLE.get(path.name) is exc.problem, f"{path.name}: {exc.message}"
        return
    assert path.name not in NO_TABLE
    assert info.format is table.format
    assert table.columns
    assert batch.total == table.row_count == len(batch.rows) + len(batch.rejected)


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.name)
def test_every_malformed_file_is_refused_clearly(path: Path) -> None:
    with pytest.raises(UnreadableFileError) as info:
        read_table(path)
    assert isinstance(info.value, ImportFileError)
    expected = EXPECTED_REFUSALS.get(path.name)
    if expected is None:
        assert info.value.problem is not FileProblem.UNREADABLE
        return
    problem, words = expected
    assert info.value.problem is problem, info.value.message
    assert words in info.value.message.lower()


# --- figures that follow from what the MANIFEST says is in the files -----------------------------------


def test_salesforce_accounts() -> None:
    with read_table(corpus("crm-templates/salesforce_accountData.csv")) as table:
        assert table.row_count == 423
        assert len(table.columns) == 38
        assert table.encoding == "cp1252"
        assert "Crédito Inmobiliario" in " ".join(str(v) for v in column(table, "NAME"))
        assert set(column(table, "ISDELETED")) == {"false"}
        batch = prepare_rows(table, propose_mapping(table.headers))
    assert batch.total == 423


def test_salesforce_dates_with_offsets() -> None:
    from zoneinfo import ZoneInfo

    from leaddesk.services.importing.normalising import normalise_datetime

    with read_table(corpus("crm-templates/salesforce_dateWithTimeZone.csv")) as table:
        values = column(table, "DATE")
    moments = [
        normalise_datetime(v, zone=ZoneInfo("Europe/Rome"), day_first=True, date_1904=False) for v in values
    ]  # type: ignore[arg-type]
    assert moments == [dt.datetime(2010, 10, 14, 15, 0, tzinfo=dt.UTC)] * 2


def test_salesforce_opportunities_map_stage_close_date_and_amount() -> None:
    with read_table(corpus("crm-templates/salesforce_opportunityData.csv")) as table:
        mapping = propose_mapping(table.headers)
        assert (
            mapping.target_of("STAGENAME"),
            mapping.target_of("CLOSEDATE"),
            mapping.target_of("AMOUNT"),
        ) == (
            "stage",
            "closed_at",
            "value",
        )
        assert table.row_count == 38


def test_utf8_bom_is_not_in_the_header() -> None:
    with read_table(corpus("csv-dialects/csvkit_test_utf8_bom.csv")) as table:
        assert table.headers == ("foo", "bar", "baz")
        assert [r.cells for r in table.iter_rows()] == [("1", "2", "3"), ("4", "5", "ʤ")]


def test_utf16_and_latin1() -> None:
    with read_table(corpus("csv-dialects/csvkit_test_utf16_little.csv")) as table:
        assert table.encoding == "utf-16"
        assert [r.cells for r in table.iter_rows()][-1] == ("4", "5", "ʤ")
    with read_table(corpus("csv-dialects/csvkit_test_latin1.csv")) as table:
        assert [r.cells for r in table.iter_rows()][-1] == ("4", "5", "©")


def test_leading_zeros_are_preserved() -> None:
    with read_table(corpus("csv-dialects/frictionless_leading-zeros.csv")) as table:
        assert column(table, "value") == ["01", "002", "00003"]
        batch = prepare_rows(table, propose_mapping(table.headers))
    assert [r.values["value"] for r in batch.rejected] == ["01", "002", "00003"]
    with read_table(corpus("csv-dialects/frictionless_accent.csv")) as table:
        assert table.delimiter == ";"
        assert set(column(table, "code_insee")) == {"06090"}


def test_istat_municipalities() -> None:
    with read_table(corpus("csv-dialects/frictionless_issue-811.csv")) as table:
        assert table.encoding == "cp1252"
        assert table.delimiter == ";"
        assert table.row_count > 7800
        assert "Agliè" in column(table, "Denominazione in italiano")
        assert table.headers[1] == "Codice dell'Unità territoriale sovracomunale (valida a fini statistici)"


def test_mac_newlines_ragged_rows_and_multiline_header() -> None:
    with read_table(corpus("csv-dialects/csvkit_mac_newlines.csv")) as table:
        assert [r.cells for r in table.iter_rows()] == [("1", "2", "3"), ("Once upon\ra time", "5", "6")]
    with read_table(corpus("csv-dialects/csvkit_bad_ragged.csv")) as table:
        assert table.row_count == 3
    with read_table(corpus("csv-dialects/csvkit_test_header_newline.csv")) as table:
        assert table.headers == ("start end", "b", "c")


def test_1904_dates_decode_like_1900_dates() -> None:
    with read_table(corpus("libreoffice-made/date.xlsx"), header_row=0) as plain:
        plain_rows = [r.cells for r in plain.iter_rows()]
        assert plain.date_1904 is False
    with read_table(corpus("libreoffice-made/date_1904.xlsx"), header_row=0) as mac:
        mac_rows = [r.cells for r in mac.iter_rows()]
        assert mac.date_1904 is True
    assert plain_rows == mac_rows
    assert plain_rows[0][0] == dt.date(2021, 1, 1)
    with read_table(corpus("excel-made/date_1904.xls"), header_row=0) as xls:
        assert xls.date_1904 is True
        assert next(xls.iter_rows()).cells[0] == dt.date(2021, 1, 1)
    with read_table(corpus("excel-made/csvkit_test_mac1904.xlsx")) as table:
        assert table.date_1904 is True
        assert column(table, "date")[0] == dt.date(1971, 1, 1)
        assert column(table, "datetime")[0] == dt.datetime(1971, 1, 1, 4, 14)


def test_hidden_and_chart_sheets_are_skipped() -> None:
    for name in ("excel-made/any_sheets.xlsx", "excel-made/any_sheets.ods"):
        info = inspect_file(corpus(name))
        visible = {s.name: s.visible for s in info.sheets}
        assert visible == {"Visible": True, "Hidden": False, "VeryHidden": False, "Chart": True}
        assert info.default_sheet == "Visible"
        with read_table(corpus(name)) as table:
            assert table.sheet == "Visible"
    xlsx = inspect_file(corpus("excel-made/any_sheets.xlsx"))
    assert {s.name: s.kind for s in xlsx.sheets}["Chart"] == "chart"


def test_big_numbers_and_ids_keep_every_digit() -> None:
    with read_table(corpus("quirks/excelize_OverflowNumericCell.xlsx"), header_row=0) as table:
        assert [cell_text(c) for r in table.iter_rows() for c in r.cells] == ["8595602512225"]
    with read_table(corpus("quirks/string-ref.xlsx")) as table:
        assert column(table, "col1") == ["-8086931554011838357"]
    with read_table(corpus("other-writers/csvkit_ne_1033_data.xlsx")) as table:
        assert table.row_count == 1036
        assert column(table, "nsn")[0] == "1005-00-589-1271"


def test_headers_below_title_rows() -> None:
    expected = {
        "quirks/csvkit_test_skip_lines.xlsx": (4, "text"),
        "quirks/tealeg_inlineStrings.xlsx": (10, "Date"),
        "quirks/issue_530.xlsx": (4, "领域"),
        "quirks/xlrd_corrupted_error_ru_pricelist.xls": (4, "ТИП"),
        "other-writers/tealeg_noStylesAndSharedStringsTest.xlsx": (2, "Activity"),
        "excel-made/gh548_incorrect_sst_unique_count.xls": (16, "Code"),
    }
    for name, (row, first) in expected.items():
        with read_table(corpus(name)) as table:
            assert (table.header_row, table.headers[0]) == (row, first), name


def test_two_level_header_with_grouped_columns() -> None:
    with read_table(corpus("quirks/frictionless_issue-1024.xlsx")) as table:
        assert table.header_row == 11
        assert table.headers[:3] == ("Country", "Level 1 Name", "Area")
        assert "Population Analysed #" in table.headers
        assert "Phase 1 %" in table.headers


def test_merged_multi_row_header() -> None:
    with read_table(corpus("libreoffice-made/frictionless_multiline-headers.xlsx")) as table:
        assert table.headers[:2] == ("Region", "Caloric contribution (%)")
        assert table.headers[3] == "Cumulative impact of changes on cost of food basket from baseline (%)"
        assert next(table.iter_rows()).cells == ("A", "B", "C", "D")


def test_writers_other_than_excel() -> None:
    with read_table(corpus("other-writers/issue_174.xlsx")) as table:  # Gnumeric: far empty cells
        assert "Contact Name" in table.headers and table.row_count == 1
    with read_table(corpus("excel-made/OOM_alloc2.xls")) as table:
        assert table.format is FileFormat.XLS
        assert table.row_count == 191
        assert column(table, "Statement_Date")[0] == "9/15/2000 00:00:00"
    with read_table(corpus("libreoffice-made/rph.xlsx")) as table:
        assert table.headers == ("課きく 毛こ",)  # no phonetic runs glued in


def test_spaces_are_trimmed_only_at_the_ends() -> None:
    with read_table(corpus("libreoffice-made/special_cells.ods")) as table:
        batch = prepare_rows(table, propose_mapping(table.headers))
    values = [r.values["Split Line"] for r in batch.rejected]
    assert "Value   With spaces before and after" in values
