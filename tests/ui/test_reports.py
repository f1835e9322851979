"""The Reports area driven through its real widgets on a real SQLite database: a new report with the last
meeting's open action items, notes typed and saved, earlier reports reopened, exports with progress and
Cancel, and the leads list export from the File menu."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QPushButton

from leaddesk.app import Services
from leaddesk.domain.clock import FixedClock
from leaddesk.services.export.cells import atomic_output
from leaddesk.services.meeting_report_service import ActionItemRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.export_progress_dialog import ExportProgressDialog
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.pages.reports_page import ReportsPage
from tests.unit.test_reporting_support import Scenario, build_scenario, rome

TIMEOUT = 30_000


@pytest.fixture
def sc(services: Services, clock: FixedClock) -> Scenario:
    scenario = build_scenario(services.db)
    # A January meeting with one open and one done action item.
    meetings = services.meeting_reports
    meetings.save(
        meetings.draft(date(2026, 1, 1), date(2026, 1, 31)).with_changes(
            notes="January notes",
            action_items=(
                ActionItemRow("Fix the webinar form", owner_id=scenario.people["giulia"]),
                ActionItemRow("Already done", done=True),
            ),
        )
    )
    clock.set(rome(2026, 3, 5, 10))  # early March: "last month" is February
    return scenario


def _page(qtbot, ctx: AppContext) -> ReportsPage:  # type: ignore[no-untyped-def]
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    with qtbot.waitSignals([page.report_opened, page.figures_shown], timeout=TIMEOUT):
        page.activate()
    return page


def _texts(table: Any, column: int) -> list[str]:
    return [table.item(r, column).text() if table.item(r, column) else "" for r in range(table.rowCount())]


def test_the_latest_report_opens_and_a_new_one_carries_the_open_actions(
    qtbot, ctx: AppContext, sc: Scenario
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    assert page.reports.count() == 1
    assert page.detail is not None and page.detail.notes == "January notes"
    assert page.notes.toPlainText() == "January notes"
    with qtbot.waitSignals([page.report_opened, page.figures_shown], timeout=TIMEOUT):
        page.new_report()
    assert page.detail is not None and page.detail.id is None
    assert page.period.period().start == date(2026, 2, 1) and page.period.period().end == date(2026, 2, 28)
    assert page.title.text() == "Alignment meeting 1 Feb 2026 – 28 Feb 2026"
    assert _texts(page.actions_table, 1) == ["Fix the webinar form"]
    assert _texts(page.actions_table, 4) == ["from last meeting"]
    # The figures are February's.
    headline = {
        page.headline.item(r, 0).text().strip(): page.headline.item(r, 1)
        for r in range(page.headline.rowCount())
    }
    assert headline["Handoffs"].text() == "7"
    assert headline["Accepted or returned in time"].text() == "71.4 %"
    assert page.breached_model.rowCount() == 5 and page.stale_model.rowCount() >= 3
    assert page.returned_model.rowCount() == 2 and page.campaigns_model.rowCount() == 2
    assert all(c.image is not None and c.texts for c in page.charts.canvases.values())


def test_notes_and_actions_are_saved_and_reopened(
    qtbot, ctx: AppContext, services: Services, sc: Scenario
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    with qtbot.waitSignal(page.report_opened, timeout=TIMEOUT):
        page.new_report()
    page.agenda.setPlainText("1. Breaches")
    qtbot.keyClicks(page.notes, "Sara calls D today.")
    row = page.add_action_row(ActionItemRow(text=""))
    page.actions_table.item(row, 1).setText("Raise the Fiera target")
    done = page.actions_table.cellWidget(0, 0)
    assert isinstance(done, QCheckBox)
    done.setChecked(True)  # the carried item is done now
    assert page.modified
    with qtbot.waitSignals([page.saved, page.list_loaded], timeout=TIMEOUT):
        page.save()
    assert not page.modified
    reports = services.meeting_reports.list_reports()
    assert [r.title for r in reports] == [
        "Alignment meeting 1 Feb 2026 – 28 Feb 2026",
        "Alignment meeting 1 Jan 2026 – 31 Jan 2026",
    ]
    saved = services.meeting_reports.get(reports[0].id)
    assert (saved.agenda, saved.notes) == ("1. Breaches", "Sara calls D today.")
    assert [(i.text, i.done, i.from_last_meeting) for i in saved.action_items] == [
        ("Fix the webinar form", True, True),
        ("Raise the Fiera target", False, False),
    ]
    assert page.reports.count() == 2
    # Reopen January from the list.
    january = page.reports.item(1)
    with qtbot.waitSignal(page.report_opened, timeout=TIMEOUT):
        page.reports.itemClicked.emit(january)
    assert page.notes.toPlainText() == "January notes"
    assert _texts(page.actions_table, 1) == ["Fix the webinar form", "Already done"]


def test_exports_write_the_report_with_the_notes_as_typed(
    qtbot, ctx: AppContext, sc: Scenario, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    with qtbot.waitSignals([page.report_opened, page.figures_shown], timeout=TIMEOUT):
        page.new_report()
    page.notes.setPlainText("Not saved yet, but exported")
    progress: list[tuple[int, int]] = []
    dialog = page.export("xlsx", tmp_path / "feb.xlsx")
    assert isinstance(dialog, ExportProgressDialog)
    dialog.progressed.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(dialog.succeeded, timeout=TIMEOUT):
        pass
    wb = load_workbook(tmp_path / "feb.xlsx")
    assert wb["Summary"]["A1"].value == "Alignment meeting 1 Feb 2026 – 28 Feb 2026"
    assert any(
        "Not saved yet, but exported" in (c or "") for r in wb["Notes"].iter_rows(values_only=True) for c in r
    )
    assert progress and progress[-1][0] == progress[-1][1]
    dialog = page.export("pdf", tmp_path / "feb.pdf")
    assert dialog is not None
    with qtbot.waitSignal(dialog.succeeded, timeout=TIMEOUT):
        pass
    assert (tmp_path / "feb.pdf").read_bytes().startswith(b"%PDF")


def test_cancel_stops_an_export_and_leaves_no_file(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "big.xlsx"
    dialog = ExportProgressDialog("Exporting…")
    qtbot.addWidget(dialog)

    def work(progress: Any, should_cancel: Any) -> Path:
        with atomic_output(target) as tmp:
            tmp.write_text("partial")
            done = 0
            while True:  # a long export: it only ends when cancelled
                done += 1
                progress(done % 100, 100)

    with qtbot.waitSignal(dialog.cancelled_export, timeout=TIMEOUT):
        dialog.start(work)
        qtbot.waitUntil(lambda: dialog.value() > 0, timeout=TIMEOUT)
        button = dialog.findChild(QPushButton)
        assert button is not None and button.text() == "Cancel"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert list(tmp_path.iterdir()) == []


def test_leads_export_from_the_file_menu(qtbot, ctx: AppContext, sc: Scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    action = next(a for a in window.file_menu.actions() if a.objectName() == "exportLeads")
    page = window.pages["reports"]
    assert isinstance(page, ReportsPage)
    dialog = page.open_leads_export(window)
    qtbot.waitUntil(lambda: dialog.campaign.count() == 3, timeout=TIMEOUT)
    dialog.campaign.setCurrentIndex(dialog.campaign.findData(sc.campaigns["Webinar"]))
    dialog.path.setText(str(tmp_path / "webinar.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=TIMEOUT) as blocker:
        progress = dialog.start()
        assert progress is not None
    assert blocker.args[0].rows == 4  # A B E F (G is deleted)
    rows = list(load_workbook(tmp_path / "webinar.xlsx").active.iter_rows(values_only=True))
    assert len(rows) == 1 + blocker.args[0].rows
    assert action.text().replace("&", "") == "Export leads…"
