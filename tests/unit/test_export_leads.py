"""The leads list exported to real .xlsx and .csv files on SQLite and PostgreSQL, read back."""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from leaddesk.domain.enums import Stage
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.queries import LeadFilter
from leaddesk.models.database import Database
from leaddesk.services.export.cells import ExportCancelled
from leaddesk.services.export.leads_export import COLUMNS
from tests.unit.test_reporting_support import FORMULA_NAME, Scenario, build_scenario

TITLES = [c.title for c in COLUMNS]


@pytest.fixture
def sc(db: Database) -> Scenario:
    s = build_scenario(db)
    # one more touch, on the other campaign, for lead A
    s.services.lifecycle.add_touch(s.leads["A"], s.campaigns["Fiera"], content="Brochure", content_type="pdf")
    return s


def _rows(path: Path) -> list[dict[str, object]]:
    wb = load_workbook(path, read_only=True)
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    return [dict(zip(header, (*r, *[None] * (len(header) - len(r))), strict=True)) for r in rows[1:]]


def test_xlsx_has_every_field_real_dates_and_a_formatted_header(sc: Scenario, tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    result = sc.services.lead_export.export(
        tmp_path / "leads.xlsx", progress=lambda d, t: progress.append((d, t))
    )
    assert result.rows == 8  # every live lead (G is deleted)
    assert progress[-1] == (8, 8)
    rows = {r["Email"]: r for r in _rows(result.path)}
    a = rows["a@example.it"]
    assert (a["First name"], a["Company"], a["Campaign"], a["Stage"], a["Sales owner"]) == (
        "LeadA",
        "Azienda A",
        "Webinar",
        "Won",
        "Marco",
    )
    assert a["Handed off at"] == datetime(2026, 2, 2, 11, 0)  # Rome wall-clock time, a real date
    assert a["Accepted at"] == datetime(2026, 2, 2, 12, 0)
    assert a["First contact at"] == datetime(2026, 2, 2, 14, 30)
    assert a["Closed at"] == datetime(2026, 2, 20, 10, 0)
    assert (a["Expected value (€)"] == 10000 and a["Score"] == 0) or isinstance(a["Score"], int)
    assert a["Campaign touches"] == 2 and a["Campaigns touched"] == "Fiera, Webinar"
    assert isinstance(a["First touch"], datetime) and a["Consent to contact"] is False
    assert rows["c@example.it"]["Return reason"] == "not_in_target"
    assert rows["e@example.it"]["Lost reason"] == "price"
    assert rows["f@example.it"]["Created"] == datetime(2026, 1, 20, 9, 0)
    # Formatting: bold frozen header, autofilter over the whole table, widths.
    wb = load_workbook(result.path)
    ws = wb.active
    assert [c.value for c in ws[1]] == TITLES
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(TITLES)).column_letter}9"
    assert ws.column_dimensions["D"].width >= len("a@example.it")
    assert ws.cell(2, TITLES.index("Handed off at") + 1).number_format == "yyyy-mm-dd hh:mm"


def test_formula_looking_lead_data_stays_text(sc: Scenario, tmp_path: Path) -> None:
    xlsx = sc.services.lead_export.export(tmp_path / "leads.xlsx").path
    ws = load_workbook(xlsx).active
    column = TITLES.index("First name") + 1
    (cell,) = [
        ws.cell(r, column) for r in range(2, ws.max_row + 1) if ws.cell(r, column).value == FORMULA_NAME
    ]
    assert cell.data_type == "s" and cell.quotePrefix
    note = ws.cell(cell.row, TITLES.index("Return note") + 1)
    assert note.value == "=1+1" and note.data_type == "s"
    with zipfile.ZipFile(xlsx) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    path = sc.services.lead_export.export(tmp_path / "leads.csv").path
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    (lead,) = [r for r in rows if r["Company"] == "Azienda I"]
    assert lead["First name"] == "'" + FORMULA_NAME and lead["Return note"] == "'=1+1"


def test_csv_and_filters(sc: Scenario, tmp_path: Path) -> None:
    flt = LeadFilter(stages=frozenset({Stage.REJECTED}), campaign_ids=frozenset({sc.campaigns["Fiera"]}))
    result = sc.services.lead_export.export(tmp_path / "returned.csv", flt)
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    with result.path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == TITLES
    assert sorted(r["Email"] for r in rows) == ["c@example.it", "i@example.it"]
    assert rows[0]["Handed off at"] == "2026-02-09 09:30:00"
    assert rows[0]["Consent to contact"] == "false"
    assert sc.services.lead_export.export(tmp_path / "none.xlsx", LeadFilter(ids=frozenset({-1}))).rows == 0
    assert _rows(tmp_path / "none.xlsx") == []
    with pytest.raises(ValidationError):
        sc.services.lead_export.export(tmp_path / "leads.ods")


def test_a_cancelled_export_leaves_no_file_and_keeps_the_old_one(sc: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    old = out / "leads.xlsx"
    old.write_bytes(b"previous export")
    for name in ("leads.xlsx", "leads.csv"):
        with pytest.raises(ExportCancelled):
            sc.services.lead_export.export(out / name, should_cancel=lambda: True)
    assert old.read_bytes() == b"previous export"
    assert [p.name for p in out.iterdir()] == ["leads.xlsx"]


def test_many_leads_in_pages(sc: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import leaddesk.services.export.leads_export as module

    monkeypatch.setattr(module, "CHUNK", 3)
    pages: list[int] = []
    result = sc.services.lead_export.export(tmp_path / "leads.xlsx", progress=lambda d, t: pages.append(d))
    assert result.rows == 8 and pages[:3] == [3, 6, 8]
    assert sorted(r["Lead #"] for r in _rows(result.path)) == sorted(  # type: ignore[type-var]
        v for k, v in sc.leads.items() if k != "G"
    )


def test_export_command(sc: Scenario, tmp_path: Path) -> None:
    url = str(sc.services.db.url.render_as_string(hide_password=False))
    sc.services.db.dispose()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "leaddesk", "--db", url, "export", "leads", *args],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    ok = cli("--out", str(tmp_path / "won.csv"), "--stage", "won")
    assert ok.returncode == 0, ok.stderr
    assert "1 leads" in ok.stdout
    ok = cli(
        "--out", str(tmp_path / "webinar.xlsx"), "--campaign", "webinar", "--stage", "accepted,contacted"
    )
    assert ok.returncode == 0, ok.stderr
    assert sorted(r["Email"] for r in _rows(tmp_path / "webinar.xlsx")) == ["b@example.it", "f@example.it"]  # type: ignore[type-var]
    bad = cli("--out", str(tmp_path / "x.csv"), "--stage", "nope")
    assert bad.returncode == 1 and "Unknown stage" in bad.stderr
    bad = cli("--out", str(tmp_path / "x.txt"))
    assert bad.returncode == 1 and ".xlsx or .csv" in bad.stderr


@pytest.mark.parametrize("zone", ["Europe/Rome", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kolkata"])
def test_local_times_match_the_zone_across_clock_changes(zone: str) -> None:
    from datetime import UTC, timedelta
    from zoneinfo import ZoneInfo

    from leaddesk.services.export.cells import LocalTimes, local_naive

    tz = ZoneInfo(zone)
    local = LocalTimes(tz)
    # every 7 minutes 30 seconds over two years: every clock change is passed closely
    instants = [datetime(2025, 1, 1) + timedelta(seconds=450 * k + 7) for k in range(0, 2 * 365 * 192)]
    texts = [t.strftime("%Y-%m-%d %H:%M:%S.%f") for t in instants]
    expected = [local_naive(t.replace(tzinfo=UTC), tz) for t in instants]
    assert local.column(texts) == expected
    assert [local(t.replace(tzinfo=UTC)) for t in instants[:2000]] == expected[:2000]
    assert local(None) is None
