"""LibreOffice opens the exported workbooks headless: it converts them to PDF without complaint (a broken or
"repair needed" workbook fails the conversion or yields nothing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from leaddesk.models.database import Database
from leaddesk.services.export.report_xlsx import write_report_xlsx
from tests.unit.test_reporting_support import build_scenario

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice (soffice) is not installed; `.ci/run` installs libreoffice-calc-nogui",
    ),
]


def _convert(xlsx: Path, out: Path) -> Path:
    profile = out / "lo-profile"
    result = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "HOME": str(out)},
    )
    pdf = out / (xlsx.stem + ".pdf")
    assert result.returncode == 0, result.stdout + result.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), result.stdout + result.stderr
    return pdf


def _pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_libreoffice_converts_the_report_and_the_leads_list(sqlite_db: Database, tmp_path: Path) -> None:
    sc = build_scenario(sqlite_db)
    report = sc.services.reporting.report(date(2026, 2, 1), date(2026, 2, 28))
    meeting = sc.services.meeting_reports.draft(date(2026, 2, 1), date(2026, 2, 28)).with_changes(
        notes="=1+1"
    )
    xlsx = write_report_xlsx(report, tmp_path / "report.xlsx", meeting)
    leads = sc.services.lead_export.export(tmp_path / "leads.xlsx").path
    assert _pages(_convert(xlsx, tmp_path)) >= 7  # one or more per sheet
    assert _pages(_convert(leads, tmp_path)) >= 1
