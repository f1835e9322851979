"""The meeting report written to real .xlsx files (read back with openpyxl) and a real PDF (checked with
poppler), on the hand-checked February of `test_reporting_support`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from leaddesk.domain.errors import UserError
from leaddesk.models.database import Database
from leaddesk.services.export.cells import ExportCancelled, LiteralText, atomic_output, csv_text, safe_cell
from leaddesk.services.export.report_pdf import write_report_pdf
from leaddesk.services.export.report_xlsx import write_report_xlsx
from leaddesk.services.meeting_report_service import ActionItemRow, MeetingReportDetail
from leaddesk.services.reporting.records import ReportData
from tests.unit.test_reporting_support import FORMULA_NAME, Scenario, build_scenario

FEB = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def sc(sqlite_db: Database) -> Scenario:
    return build_scenario(sqlite_db)


@pytest.fixture
def report(sc: Scenario) -> ReportData:
    return sc.services.reporting.report(*FEB)


@pytest.fixture
def meeting(sc: Scenario) -> MeetingReportDetail:
    january = sc.services.meeting_reports.save(
        sc.services.meeting_reports.draft(date(2026, 1, 1), date(2026, 1, 31)).with_changes(
            action_items=(ActionItemRow("Fix the webinar form", owner_id=sc.people["giulia"]),)
        )
    )
    assert january.id
    draft = sc.services.meeting_reports.draft(*FEB)
    return draft.with_changes(
        agenda="1. Breaches\n2. =SUM(A1:A3)",
        notes="Agreed: call hot leads within the hour.",
        action_items=(
            *draft.action_items,
            ActionItemRow("Call D today", owner_id=sc.people["sara"], owner_name="Sara"),
        ),
    )


# --- safe cells -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+39 333", "-5", "@SUM(A1)", "\tx", "\rx", FORMULA_NAME])
def test_formula_looking_text_is_marked_literal(text: str) -> None:
    value = safe_cell(text)
    assert isinstance(value, LiteralText) and value == text
    assert csv_text(value) == "'" + text


def test_other_values_pass_unchanged_or_cleaned() -> None:
    assert safe_cell("Mario Rossi") == "Mario Rossi" and not isinstance(safe_cell("Mario"), LiteralText)
    assert safe_cell(-5) == -5 and safe_cell(None) is None and safe_cell(True) is True
    assert safe_cell("a\x00b\x07c") == "abc"
    assert safe_cell("x" * 40_000) == "x" * 32_767
    assert (
        csv_text(datetime(2026, 2, 1, 9, 30)) == "2026-02-01 09:30:00"
        and csv_text(date(2026, 2, 1)) == "2026-02-01"
    )


def test_atomic_output_leaves_nothing_behind_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_text("old")
    with pytest.raises(ExportCancelled), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise ExportCancelled()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
    with pytest.raises(UserError), atomic_output(tmp_path / "missing" / "x.pdf"):
        pass


# --- xlsx -------------------------------------------------------------------------------------------------


def test_xlsx_numbers_equal_the_sla_services_figures(
    sc: Scenario, report: ReportData, tmp_path: Path
) -> None:
    path = write_report_xlsx(report, tmp_path / "feb.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Summary",
        "Chart data",
        "Campaigns",
        "Breached leads",
        "Stale leads",
        "Returned leads",
        "Notes",
    ]
    ws = wb["Summary"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=9, max_row=17, values_only=True)}
    f = sc.services.sla.figures(*FEB)  # computed anew by the SLA service
    o = f.overall
    assert rows["Handoffs"][2] == o.handoffs == 7
    assert rows["Accepted or returned in time"][2] == pytest.approx(o.accepted_in_time_pct / 100)
    assert rows["First contact in time"][2] == pytest.approx(o.first_contact_in_time_pct / 100)
    assert rows["Median business hours to accept"][2] == o.median_hours_to_accept
    assert rows["Median business hours to first contact"][2] == o.median_hours_to_first_contact
    assert rows["Breached and still open"][2] == o.breached_open
    assert rows["MQLs delivered"][2:5] == (f.mql_total, f.mql_target, "not met")
    assert rows["Acceptance rate"][2] == pytest.approx(o.acceptance_rate_pct / 100)
    assert rows["Acceptance rate"][3] == pytest.approx(f.min_acceptance_rate_pct / 100)
    assert rows["Returned as not in target"][2] == pytest.approx(f.not_in_target_pct / 100)
    assert ws.cell(10, 3).number_format == "0.0%" and isinstance(ws.cell(9, 3).value, int)
    # Campaign sheet: numbers per campaign are the SLA's per-campaign figures.
    camp = {r[0]: r for r in wb["Campaigns"].iter_rows(min_row=2, values_only=True)}
    assert camp["Webinar"][4] == f.per_campaign["Webinar"].handoffs == 4
    assert camp["Fiera"][6] == f.per_campaign["Fiera"].rejected == 2
    assert camp["Webinar"][14] == 10000 and camp["Webinar"][13] == pytest.approx(0.5)


def test_xlsx_charts_are_native_and_point_at_their_data(report: ReportData, tmp_path: Path) -> None:
    path = write_report_xlsx(report, tmp_path / "feb.xlsx")
    wb = load_workbook(path)
    charts = wb["Summary"]._charts
    assert len(charts) == 8
    data = wb["Chart data"]
    refs = []
    for chart in charts:
        assert isinstance(chart, BarChart | LineChart)
        for series in chart.series:
            refs.append((series.val.numRef.f, (series.cat.strRef or series.cat.numRef).f))
    funnel_values, funnel_cats = refs[0]
    assert funnel_values == "'Chart data'!$B$3:$B$9" and funnel_cats == "'Chart data'!$A$3:$A$9"
    assert [data.cell(r, 1).value for r in range(3, 10)] == [s.label for s in report.flow.funnel]
    assert [data.cell(r, 2).value for r in range(3, 10)] == [s.count for s in report.flow.funnel]
    # every reference is a real range of the chart-data sheet holding numbers
    for values, cats in refs:
        m = re.fullmatch(r"'Chart data'!\$([A-Z])\$(\d+)(?::\$([A-Z])\$(\d+))?", values)
        assert m, values
        col, first, last = m.group(1), int(m.group(2)), int(m.group(4) or m.group(2))
        assert cats.startswith("'Chart data'!$A$")
        cells = [data[f"{col}{r}"].value for r in range(first, last + 1)]
        assert all(v is None or isinstance(v, int | float) for v in cells)
    trend = next(c for c in charts if isinstance(c, LineChart))
    assert len(trend.series) == 2


def test_xlsx_detail_sheets_are_formatted_tables(
    report: ReportData, meeting: MeetingReportDetail, tmp_path: Path
) -> None:
    path = write_report_xlsx(report, tmp_path / "feb.xlsx", meeting)
    wb = load_workbook(path)
    for name, rows in (("Breached leads", 5), ("Stale leads", 3), ("Returned leads", 2), ("Campaigns", 2)):
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws["A1"].font.b, name
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{rows + 1}", name
        assert ws.max_row == rows + 1
        widths = [
            ws.column_dimensions[ws.cell(1, c).column_letter].width for c in range(1, ws.max_column + 1)
        ]
        assert all(w >= len(str(ws.cell(1, c + 1).value)) for c, w in enumerate(widths)), name
    breached = wb["Breached leads"]
    assert isinstance(breached["F2"].value, datetime)  # handed off: a real date (Rome time)
    assert breached["F2"].number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(breached["J2"].value, float) and isinstance(breached["A2"].value, int)
    notes = [r for r in wb["Notes"].iter_rows(values_only=True) if any(r)]
    flat = [v for r in notes for v in r if v]
    assert "Agreed: call hot leads within the hour." in flat
    assert "1. Breaches\n2. =SUM(A1:A3)" in flat
    assert ("Fix the webinar form", "Giulia", None, "no", "from last meeting") in notes
    assert ("Call D today", "Sara", None, "no", None) in notes


def test_xlsx_writes_formula_looking_lead_data_as_text(
    report: ReportData, meeting: MeetingReportDetail, tmp_path: Path
) -> None:
    path = write_report_xlsx(report, tmp_path / "feb.xlsx", meeting)
    wb = load_workbook(path)
    returned = wb["Returned leads"]
    names = {returned.cell(r, 2).value: returned.cell(r, 2) for r in range(2, returned.max_row + 1)}
    cell = names[FORMULA_NAME]
    assert cell.data_type == "s" and cell.value == FORMULA_NAME and cell.quotePrefix
    note = next(returned.cell(r, 9) for r in range(2, returned.max_row + 1) if returned.cell(r, 9).value)
    assert note.value == "=1+1" and note.data_type == "s"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode(), name  # no formula anywhere


# --- pdf --------------------------------------------------------------------------------------------------


def _pdf_pages(path: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def test_pdf_has_the_expected_pages(report: ReportData, meeting: MeetingReportDetail, tmp_path: Path) -> None:
    path = write_report_pdf(report, tmp_path / "feb.pdf", meeting)
    assert path.read_bytes().startswith(b"%PDF")
    # title + 3 chart pages + campaigns + breached + stale + returned + notes
    assert _pdf_pages(path) == 9
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pages = []
    for n in range(1, 10):
        out = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pages.append(out)
    assert "Headline figures" in pages[0] and "Sales → marketing" in pages[0] and "71.4 %" in pages[0]
    assert "Funnel: leads moving through each stage" in pages[1]
    assert (
        "SLA compliance over time" in pages[2] and "Business hours from handoff to first contact" in pages[2]
    )
    assert "Why deals were lost" in pages[3]
    assert "Campaigns" in pages[4] and "Webinar" in pages[4] and re.search(r"€\s+10,000", pages[4])
    assert "Breached leads" in pages[5] and "LeadD Test" in pages[5]
    assert "Stale leads" in pages[6] and "LeadF Test" in pages[6]
    assert "Returned leads" in pages[7] and '=HYPERLINK("http://' in pages[7] and "=1+1" in pages[7]
    assert "Meeting notes" in pages[8] and "from last meeting" in pages[8] and "Call D today" in pages[8]
    assert all("Page" in p for p in pages)


def test_pdf_page_renders_to_png(report: ReportData, tmp_path: Path) -> None:
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    path = write_report_pdf(report, tmp_path / "feb.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "2", "-l", "2", str(path), str(tmp_path / "page")], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    assert png.stat().st_size > 5_000  # a page with two charts, not a blank one


def test_a_failing_export_leaves_no_file(report: ReportData, tmp_path: Path) -> None:
    def cancel(done: int, total: int) -> None:
        raise ExportCancelled()

    out = tmp_path / "out"
    out.mkdir()
    for writer, name in ((write_report_xlsx, "x.xlsx"), (write_report_pdf, "x.pdf")):
        with pytest.raises(ExportCancelled):
            writer(report, out / name, progress=cancel)
    assert list(out.iterdir()) == []


# --- the command ------------------------------------------------------------------------------------------


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leaddesk", "--db", url, *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_report_command_writes_xlsx_and_pdf(sc: Scenario, tmp_path: Path) -> None:
    url = str(sc.services.db.url)
    sc.services.db.dispose()
    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    ok = _cli(
        url, "report", "--from", "2026-02-01", "--to", "2026-02-28", "--out", str(xlsx), "--campaign", "fiera"
    )
    assert ok.returncode == 0, ok.stderr
    assert "3 handoffs" in ok.stdout
    assert load_workbook(xlsx)["Summary"]["B3"].value == "Campaign: Fiera; all sales owners"
    ok = _cli(
        url, "report", "--from", "2026-02-01", "--to", "2026-02-28", "--out", str(pdf), "--owner", "Marco"
    )
    assert ok.returncode == 0, ok.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    bad = _cli(url, "report", "--from", "2026-02-01", "--to", "2026-02-28", "--out", str(tmp_path / "r.doc"))
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    bad = _cli(
        url, "report", "--from", "2026-02-01", "--to", "2026-02-28", "--out", str(xlsx), "--campaign", "Nope"
    )
    assert bad.returncode == 1 and "no campaign called Nope" in bad.stderr
    bad = _cli(url, "report", "--from", "2026-02-31", "--to", "2026-02-28", "--out", str(xlsx))
    assert bad.returncode == 2
