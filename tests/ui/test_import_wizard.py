"""The import wizard, the import history and the drop target, driven through their real widgets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QLocale, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel

from leaddesk.app import Services
from leaddesk.domain.queries import LeadFilter
from leaddesk.services.importing.import_service import ImportCancelled, ImportSettings
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.import_wizard import PAGE_CHECK, PAGE_MAPPING, PAGE_SUMMARY, ImportWizard
from leaddesk.ui.import_actions import ImportActions
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.widgets.import_batches import ImportHistoryDialog
from tests.import_files.builders import write_xlsx

HEADERS = ["Nome", "Cognome", "Email", "Azienda", "Codice"]


def _list(tmp_path: Path, name: str = "fiera.xlsx") -> Path:
    return write_xlsx(
        tmp_path / name,
        [
            HEADERS,
            ["Anna", "Verdi", "anna@example.it", "Acme", "A1"],
            ["Solo", "Nome", None, None, "X"],  # rejected: row 3
            ["Anna", "Verdi", "ANNA@example.it", "Acme", "A2"],  # duplicate of row 2
            ["Bruno", "Neri", "bruno@example.it", None, "B1"],
        ],
    )


def _wizard(qtbot, ctx: AppContext, path: Path, shown: list[int] | None = None) -> ImportWizard:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(ctx, path=path, on_show_leads=(shown.append if shown is not None else None))
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def test_the_wizard_imports_a_list_end_to_end(
    qtbot, ctx: AppContext, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shown: list[int] = []
    wizard = _wizard(qtbot, ctx, _list(tmp_path), shown)
    wizard.campaign.setEditText("SMAU 2024")
    wizard.policy.setCurrentIndex(wizard.policy.findData("overwrite"))
    with qtbot.waitSignal(wizard.table_loaded, timeout=30_000):
        wizard.next_button.click()
    assert wizard.stack.currentIndex() == PAGE_MAPPING
    assert "fiera.xlsx" in wizard.preview_title.text() and "4 rows" in wizard.preview_title.text()
    table = wizard.mapping_table
    assert table.rowCount() == 5 and table.item(1, 0).text() == "Anna"
    # Rows are numbered as in the spreadsheet (the header is row 1), as the problems list numbers them.
    numbers = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert numbers == ["Field", "2", "3", "4", "5"]
    assert table.combo("Email").currentData() == "email"
    assert table.combo("Codice").currentData() == "__custom__"
    # The user leaves the code out.
    table.combo("Codice").setCurrentIndex(table.combo("Codice").findData("ignore"))
    assert wizard.mapping is not None and wizard.mapping.target_of("Codice") == "ignore"

    with qtbot.waitSignal(wizard.checked, timeout=30_000):
        wizard.next_button.click()
    assert wizard.stack.currentIndex() == PAGE_CHECK
    summary = wizard.summary.text()
    assert "Rows read: 4 · can be imported: 3 · rejected: 1" in summary
    assert "Matching a lead already in LeadDesk: 0 · repeating an earlier row of the file: 1" in summary
    assert wizard.problems.rowCount() == 1 and wizard.problems.item(0, 0).text() == "3"
    saved = tmp_path / "rejected.xlsx"
    wizard.save_rejected(saved)
    qtbot.waitUntil(lambda: "Saved" in wizard.status.text(), timeout=10_000)
    assert [c.value for c in next(load_workbook(saved).active.iter_rows(min_row=2))][:2] == ["Solo", "Nome"]

    with qtbot.waitSignal(wizard.imported, timeout=60_000) as blocker:
        wizard.next_button.click()
    result = blocker.args[0]
    assert (result.created, result.duplicates, result.rejected) == (2, 1, 1)
    assert wizard.stack.currentIndex() == PAGE_SUMMARY
    assert (
        f"Import #{result.batch_id} finished. Rows read: 4 · leads created: 2 · updated: 0 · duplicates: 1"
        in (wizard.result_label.text())
    )
    assert services.leads.count(LeadFilter(import_batch_id=result.batch_id)) == 2
    lead = services.leads.page(__import__("leaddesk.domain.queries", fromlist=["x"]).PageRequest())[0]
    assert lead.campaign_name == "SMAU 2024" or services.campaigns.list_campaigns()[0].name == "SMAU 2024"
    wizard.show_leads_button.click()
    assert shown == [result.batch_id]


def test_counts_follow_the_users_locale(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [HEADERS] + [[f"N{i}", "Rossi", f"n{i}@example.it", "Acme", ""] for i in range(1200)]
    path = write_xlsx(tmp_path / "grande.xlsx", rows)
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        wizard = _wizard(qtbot, ctx, path)
        with qtbot.waitSignal(wizard.table_loaded, timeout=30_000):
            wizard.next_button.click()
        assert "1.200 rows" in wizard.preview_title.text()
        with qtbot.waitSignal(wizard.checked, timeout=30_000):
            wizard.next_button.click()
        assert "Rows read: 1.200 · can be imported: 1.200 · rejected: 0" in wizard.summary.text()
    finally:
        QLocale.setDefault(before)


def test_reading_and_checking_show_their_progress(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = _wizard(qtbot, ctx, _list(tmp_path))
    bar = wizard.step_progress
    assert bar.isHidden()
    seen: list[tuple[int, int, bool]] = []
    bar.valueChanged.connect(lambda value: seen.append((value, bar.maximum(), bar.isVisible())))
    with qtbot.waitSignal(wizard.table_loaded, timeout=30_000):
        wizard.next_button.click()
    assert seen and all(visible and maximum == 1000 for _v, maximum, visible in seen)
    assert bar.isHidden()
    seen.clear()
    with qtbot.waitSignal(wizard.checked, timeout=30_000):
        wizard.next_button.click()
    assert seen[-1] == (1000, 1000, True)  # every row checked
    assert bar.isHidden()


def test_the_run_bar_gives_the_indexes_of_a_big_import_their_own_stretch(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, services: Services, tmp_path: Path, monkeypatch
) -> None:
    # A file bringing 20 new leads or more counts as big; the writer decides after the first 8 rows.
    monkeypatch.setattr("leaddesk.services.importing.batch_writer.DEFER_INDEXES_ROWS", 20)
    services.imports.limits = replace(services.imports.limits, chunk_rows=8)
    rows = [HEADERS] + [[f"N{i}", "Rossi", f"n{i}@example.it", "Acme", ""] for i in range(40)]
    wizard = _wizard(qtbot, ctx, write_xlsx(tmp_path / "grande.xlsx", rows))
    with qtbot.waitSignal(wizard.table_loaded, timeout=30_000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.checked, timeout=30_000):
        wizard.next_button.click()
    seen: list[tuple[int, str]] = []
    wizard.progress.valueChanged.connect(lambda value: seen.append((value, wizard.run_label.text())))
    with qtbot.waitSignal(wizard.imported, timeout=60_000):
        wizard.next_button.click()
    values = [value for value, _label in seen]
    assert values == sorted(values) and values[-1] < 1000
    assert [v for v in values if v < 900] and [v for v in values if 900 <= v < 960]
    assert [v for v in values if v >= 960]
    # (The label is set after each value: `seen` holds the one set with the value before.)
    labels = [label for _value, label in seen]
    assert labels.index("Indexing the new leads…") > labels.index("Importing…")
    assert wizard.run_label.text() == "Computing scores and SLA clocks…"


def test_every_label_of_the_file_page_has_its_shortcut(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = _wizard(qtbot, ctx, _list(tmp_path))
    labels = {label.text(): label for label in wizard.findChildren(QLabel) if "&" in label.text()}
    assert labels["&File:"].buddy() is wizard.path
    assert labels["&Header row:"].buddy() is wizard.header_mode
    assert all(label.buddy() is not None for label in labels.values())


def test_saving_the_rejected_rows_where_it_cannot_says_why(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = _wizard(qtbot, ctx, _list(tmp_path))
    with qtbot.waitSignal(wizard.table_loaded, timeout=30_000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.checked, timeout=30_000):
        wizard.next_button.click()
    wizard.save_rejected(tmp_path / "no such folder" / "rejected.xlsx")
    qtbot.waitUntil(lambda: wizard.last_box is not None, timeout=10_000)
    assert wizard.last_box is not None and "Cannot write" in wizard.last_box.text()
    # The step the wizard is on is left as it was.
    assert wizard.stack.currentIndex() == PAGE_CHECK and wizard.next_button.isEnabled()


def test_cancel_saves_nothing(qtbot, ctx: AppContext, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.csv"
    path.write_text(
        "Email;Nome\n" + "".join(f"p{i}@example.it;N{i}\n" for i in range(30_000)), encoding="utf-8"
    )
    wizard = _wizard(qtbot, ctx, path)
    with qtbot.waitSignal(wizard.table_loaded, timeout=30_000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.checked, timeout=60_000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.failed, timeout=60_000) as blocker:
        wizard.next_button.click()  # Import
        wizard.cancel_button.click()  # and Cancel at once
    assert isinstance(blocker.args[0], ImportCancelled)
    assert wizard.stack.currentIndex() == PAGE_CHECK
    assert "nothing was saved" in wizard.status.text()
    assert services.leads.count(LeadFilter()) == 0
    assert services.imports.batches() == []


def test_a_saved_preset_is_offered_for_the_same_headers(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = _wizard(qtbot, ctx, _list(tmp_path))
    with qtbot.waitSignal(wizard.table_loaded, timeout=30_000):
        wizard.next_button.click()
    combo = wizard.mapping_table.combo("Codice")
    combo.setCurrentIndex(combo.findData("notes"))
    wizard.preset_name.setText("Fiere")
    wizard.findChild(type(wizard.next_button), "importSavePreset").click()
    qtbot.waitUntil(lambda: "Saved the mapping as Fiere" in wizard.status.text(), timeout=10_000)
    wizard.reject()
    again = _wizard(qtbot, ctx, _list(tmp_path, "altra.xlsx"))
    with qtbot.waitSignal(again.table_loaded, timeout=30_000):
        again.next_button.click()
    assert again.preset.currentText() == "Fiere"
    assert again.mapping_table.combo("Codice").currentData() == "notes"


def test_an_unreadable_file_is_one_clear_message(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is no workbook")
    wizard = _wizard(qtbot, ctx, path)
    with qtbot.waitSignal(wizard.failed, timeout=30_000):
        wizard.next_button.click()
    assert wizard.stack.currentIndex() == 0
    assert wizard.last_box is not None and wizard.last_box.text()
    wizard.last_box.close()


def test_file_menu_shortcut_and_drop_open_the_wizard(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    actions: ImportActions = window.import_actions  # type: ignore[attr-defined]
    assert actions.import_action in window.file_menu.actions()
    assert actions.history_action in window.file_menu.actions()
    assert actions.import_action.shortcut().toString() == "Ctrl+I"
    path = _list(tmp_path)
    enter = _drag(window, path, QDragEnterEvent)
    assert enter.isAccepted()
    _drag(window, path, QDropEvent)
    assert actions.wizard is not None and actions.wizard.path.text() == str(path)
    actions.wizard.reject()
    # Something that is not a list is not taken.
    other = tmp_path / "photo.png"
    other.write_bytes(b"x")
    actions.wizard = None
    assert not _drag(window, other, QDragEnterEvent).isAccepted()
    assert actions.wizard is None


def _drag(window: MainWindow, path: Path, kind: type) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    point = QPoint(60, 60)
    if kind is QDragEnterEvent:
        event: QDropEvent = QDragEnterEvent(
            point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
    else:
        event = QDropEvent(
            QPointF(point),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    event.setAccepted(False)
    QApplication.sendEvent(window, event)
    return event


def test_import_history_undoes_an_import(qtbot, ctx: AppContext, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = services.imports.import_file(_list(tmp_path), ImportSettings(campaign="Fiera"))
    dialog = ImportHistoryDialog(ctx)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 2).text() == "fiera.xlsx [Leads]"
    dialog.table.selectRow(0)
    assert dialog.undo_button.isEnabled()
    box = dialog.ask_undo()
    assert box is not None and f"#{result.batch_id}" in box.text()
    with qtbot.waitSignal(dialog.undone, timeout=30_000):
        box.button(box.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.rows and dialog.rows[0].undone, timeout=10_000)
    assert services.leads.count(LeadFilter()) == 0
    assert "Undone" in dialog.table.item(0, 10).text()
