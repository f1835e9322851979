"""The import wizard: file and options → preview with the editable mapping → validation summary → the
import with a progress bar and Cancel → summary with a link to the imported leads.

Every slow step (reading the file in its reader process, the validation, the import) runs off the GUI
thread through `run_task`; the wizard only shows results. The table read for the preview stays open (its
rows are in a temporary store on disk) until the wizard closes, and the import runs on that same table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import DuplicatePolicy
from leaddesk.services.importing import ColumnMapping, PrepareOptions, RawTable
from leaddesk.services.importing.import_service import (
    FINISHING,
    IMPORTING,
    INDEXING,
    ImportCancelled,
    ImportCheck,
    ImportResult,
    ImportSettings,
)
from leaddesk.services.importing.presets import PresetRow
from leaddesk.ui.background import TaskControl, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_datetime, format_int
from leaddesk.ui.import_actions import EXTENSIONS
from leaddesk.ui.widgets.import_mapping import MappingTable

#: File types the wizard (and drag and drop) accepts.
PREVIEW_ROWS = 20
REGIONS = ("IT", "CH", "SM", "DE", "FR", "ES", "AT", "GB", "US")
PAGE_FILE, PAGE_MAPPING, PAGE_CHECK, PAGE_RUN, PAGE_SUMMARY = range(5)
_SCALE = 1000
#: Where each phase of an import runs on its progress bar, of _SCALE: [start, end). Rows take most of
#: it; the indexes (after a big import only) and the scores and SLA clocks the rest.
_PHASE_SPANS = {IMPORTING: (0, 900), INDEXING: (900, 960), FINISHING: (960, _SCALE)}


class ImportWizard(QDialog):
    #: The table was read and the preview is shown (or reading failed: `failed`).
    table_loaded = Signal()
    #: The validation summary is shown (ImportCheck).
    checked = Signal(object)
    #: The import finished (ImportResult).
    imported = Signal(object)
    #: A step failed (the exception; it was shown).
    failed = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        path: str | Path | None = None,
        on_show_leads: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importWizard")
        self.setWindowTitle(self.tr("Import a campaign list"))
        self.resize(980, 640)
        self._ctx = ctx
        self._service = ctx.services.imports
        # The reader's helper process gets ready while the user picks a file (it returns at once).
        self._service.get_ready()
        self._on_show_leads = on_show_leads
        self.table: RawTable | None = None
        self.check_result: ImportCheck | None = None
        self.result: ImportResult | None = None
        self.presets: list[PresetRow] = []
        self.control: TaskControl | None = None
        self.last_error: BaseException | None = None
        self.last_box: Any = None

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._file_page())
        self.stack.addWidget(self._mapping_page())
        self.stack.addWidget(self._check_page())
        self.stack.addWidget(self._run_page())
        self.stack.addWidget(self._summary_page())

        self.status = QLabel(self)
        self.status.setObjectName("importStatus")
        # Reading and checking a big file take a while too: their progress, beside the status text.
        self.step_progress = QProgressBar(self)
        self.step_progress.setObjectName("importStepProgress")
        self.step_progress.setMaximumWidth(220)
        self.step_progress.hide()
        self.back_button = QPushButton(self.tr("< &Back"), self)
        self.back_button.setObjectName("importBack")
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton(self.tr("&Next >"), self)
        self.next_button.setObjectName("importNext")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("importCancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.step_progress)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        self._load_campaigns()
        if path is not None:
            self.path.setText(str(path))
        self._update_buttons()

    # --- page 1: file and options --------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.path = QLineEdit(page)
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText(self.tr("An .xlsx, .xls, .ods, .csv or .txt file"))
        self.path.editingFinished.connect(self.inspect)
        browse = QPushButton(self.tr("&Choose…"), page)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        # A row of several widgets: name the label's buddy, or it shows the '&' and Alt+F does nothing.
        file_label = QLabel(self.tr("&File:"), page)
        file_label.setBuddy(self.path)
        form.addRow(file_label, row)
        self.sheet = QComboBox(page)
        self.sheet.setObjectName("importSheet")
        form.addRow(self.tr("&Sheet:"), self.sheet)
        self.header_mode = QComboBox(page)
        self.header_mode.setObjectName("importHeaderMode")
        self.header_mode.addItem(self.tr("Find it"), "auto")
        self.header_mode.addItem(self.tr("No header row"), "none")
        self.header_mode.addItem(self.tr("On row…"), "row")
        self.header_row = QSpinBox(page)
        self.header_row.setObjectName("importHeaderRow")
        self.header_row.setRange(1, 1_048_576)
        self.header_row.setEnabled(False)
        self.header_mode.currentIndexChanged.connect(
            lambda _i: self.header_row.setEnabled(self.header_mode.currentData() == "row")
        )
        header = QHBoxLayout()
        header.addWidget(self.header_mode)
        header.addWidget(self.header_row)
        header.addStretch(1)
        header_label = QLabel(self.tr("&Header row:"), page)
        header_label.setBuddy(self.header_mode)
        form.addRow(header_label, header)
        self.campaign = QComboBox(page)
        self.campaign.setObjectName("importCampaign")
        self.campaign.setEditable(True)
        self.campaign.setToolTip(self.tr("The campaign the list came from; type a name to create one"))
        form.addRow(self.tr("C&ampaign:"), self.campaign)
        self.policy = QComboBox(page)
        self.policy.setObjectName("importPolicy")
        self.policy.addItem(self.tr("Fill the empty fields of the existing lead"), DuplicatePolicy.FILL.value)
        self.policy.addItem(
            self.tr("Overwrite the existing lead with the file's values"), DuplicatePolicy.OVERWRITE.value
        )
        self.policy.addItem(self.tr("Skip (only record the campaign)"), DuplicatePolicy.SKIP.value)
        form.addRow(self.tr("&Duplicates:"), self.policy)
        self.region = QComboBox(page)
        self.region.setObjectName("importRegion")
        self.region.setEditable(True)
        self.region.addItems(list(REGIONS))
        form.addRow(self.tr("&Phone numbers without a country code are from:"), self.region)
        self.time_zone = QLineEdit(page)
        self.time_zone.setObjectName("importTimeZone")
        try:
            self.time_zone.setText(self._ctx.services.sla.current_policy().calendar.tz)
        except Exception:  # no policy readable: the default zone
            self.time_zone.setText(PrepareOptions().time_zone)
        form.addRow(self.tr("&Time zone of dates without one:"), self.time_zone)
        self.day_first = QCheckBox(self.tr("03/04/2024 is 3 April (day first)"), page)
        self.day_first.setObjectName("importDayFirst")
        self.day_first.setChecked(True)
        form.addRow("", self.day_first)
        return page

    def _browse(self) -> None:
        start = self._ctx.pc.text("import/folder", str(Path.home()))
        patterns = " ".join(f"*{e}" for e in EXTENSIONS)
        chosen, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Choose a campaign list"), start, self.tr("Lead lists (%1)").replace("%1", patterns)
        )
        if chosen:
            self._ctx.pc.set_text("import/folder", str(Path(chosen).parent))
            self.path.setText(chosen)
            self.inspect()

    def _load_campaigns(self) -> None:
        self.campaign.addItem("", None)
        try:
            campaigns = self._ctx.services.campaigns.list_campaigns()
        except Exception:  # the list is a convenience: a name can always be typed
            campaigns = []
        for c in campaigns:
            self.campaign.addItem(c.name, c.id)

    def inspect(self) -> None:
        """List the file's sheets (in the background)."""
        text = self.path.text().strip()
        if not text:
            return
        service = self._service

        def done(info: Any) -> None:
            self.sheet.clear()
            for s in info.sheets:
                if s.kind == "worksheet":
                    label = s.name if s.visible else self.tr("%1 (hidden)").replace("%1", s.name)
                    self.sheet.addItem(label, s.name)
            index = self.sheet.findData(info.default_sheet)
            self.sheet.setCurrentIndex(max(index, 0))
            self.sheet.setEnabled(self.sheet.count() > 0)

        run_task(lambda _c: service.inspect(text), on_done=done, on_error=lambda _e: None)

    def settings(self) -> ImportSettings:
        name = self.campaign.currentText().strip()
        index = self.campaign.findText(name, Qt.MatchFlag.MatchFixedString)
        campaign_id = self.campaign.itemData(index) if name and index >= 0 else None
        return ImportSettings(
            policy=DuplicatePolicy(self.policy.currentData()),
            campaign=name if name and campaign_id is None else None,
            campaign_id=campaign_id,
            prepare=self.prepare_options(),
            actor_id=self._ctx.member_id,
        )

    def prepare_options(self) -> PrepareOptions:
        return PrepareOptions(
            default_region=self.region.currentText().strip().upper() or "IT",
            time_zone=self.time_zone.text().strip() or PrepareOptions().time_zone,
            day_first=self.day_first.isChecked(),
        )

    def read(self) -> None:
        """Read the chosen sheet in the background; on success the preview page is shown."""
        text = self.path.text().strip()
        if not text:
            self._fail(FileNotFoundError(self.tr("Choose a file to import.")))
            return
        try:
            self.prepare_options()
        except Exception as exc:
            self._fail(exc)
            return
        mode = self.header_mode.currentData()
        header_row = None if mode == "auto" else 0 if mode == "none" else self.header_row.value()
        sheet = self.sheet.currentData()
        service = self._service
        self._close_table()

        def work(control: TaskControl) -> Any:
            table = service.read(
                text,
                sheet,
                header_row=header_row,
                progress=control.progress,
                should_cancel=lambda: control.cancelled,
            )
            try:
                preview = table.preview(PREVIEW_ROWS)
                presets = service.presets_for(table.headers)
                suggestion = service.suggest_mapping(table.headers)
            except BaseException:
                table.close()
                raise
            return table, preview, presets, suggestion

        def done(value: Any) -> None:
            table, preview, presets, suggestion = value
            self.table = table
            self.presets = presets
            self.preset.blockSignals(True)
            self.preset.clear()
            self.preset.addItem(self.tr("Automatic mapping"), None)
            for p in presets:
                self.preset.addItem(p.name, p.name)
            if suggestion.preset is not None:
                self.preset.setCurrentIndex(self.preset.findData(suggestion.preset.name))
            self.preset.blockSignals(False)
            self.preview_title.setText(
                self.tr("%1 — %2 rows below the header row %3")
                .replace("%1", table.path.name)
                .replace("%2", format_int(table.row_count))
                .replace("%3", str(table.header_row) if table.header_row else self.tr("(none)"))
            )
            self.mapping_table.show_table(
                table.headers,
                [table.values(row) for row in preview],
                suggestion.mapping,
                numbers=[row.number for row in preview],
            )
            self._busy(False)
            self.stack.setCurrentIndex(PAGE_MAPPING)
            self._update_buttons()
            self.table_loaded.emit()

        self._busy(True, self.tr("Reading the file…"), progress=True)
        self.control = run_task(work, on_done=done, on_error=self._fail, on_progress=self._step_progress)

    # --- page 2: preview and mapping -----------------------------------------------------------------

    def _mapping_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.preview_title = QLabel(page)
        self.preview_title.setObjectName("importPreviewTitle")
        layout.addWidget(self.preview_title)
        presets = QHBoxLayout()
        self.preset = QComboBox(page)
        self.preset.setObjectName("importPreset")
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        presets.addWidget(QLabel(self.tr("Mapping:"), page))
        presets.addWidget(self.preset, 1)
        self.preset_name = QLineEdit(page)
        self.preset_name.setObjectName("importPresetName")
        self.preset_name.setPlaceholderText(self.tr("Name for this mapping"))
        save = QPushButton(self.tr("Save as &preset"), page)
        save.setObjectName("importSavePreset")
        save.clicked.connect(self.save_preset)
        presets.addWidget(self.preset_name)
        presets.addWidget(save)
        layout.addLayout(presets)
        hint = QLabel(
            self.tr(
                "Choose for each column the field it fills. "
                "Columns kept as custom fields are stored as they are."
            ),
            page,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.mapping_table = MappingTable(page)
        layout.addWidget(self.mapping_table, 1)
        return page

    def _preset_chosen(self, _index: int) -> None:
        if self.table is None:
            return
        name = self.preset.currentData()
        if name is None:
            mapping = self._service.suggest_mapping(self.table.headers).mapping
        else:
            preset = next(p for p in self.presets if p.name == name)
            mapping = preset.applied_to(self.table.headers)
        self.mapping_table.set_mapping(mapping)

    @property
    def mapping(self) -> ColumnMapping | None:
        return self.mapping_table.mapping

    def save_preset(self) -> None:
        mapping, name = self.mapping, self.preset_name.text().strip()
        if mapping is None:
            return
        service = self._service

        def done(row: PresetRow) -> None:
            self.presets = [row, *(p for p in self.presets if p.name.casefold() != row.name.casefold())]
            if self.preset.findData(row.name) < 0:
                self.preset.blockSignals(True)
                self.preset.addItem(row.name, row.name)
                self.preset.blockSignals(False)
            self.status.setText(self.tr("Saved the mapping as %1.").replace("%1", row.name))

        run_task(lambda _c: service.save_preset(name, mapping), on_done=done, on_error=self._fail)

    # --- page 3: validation --------------------------------------------------------------------------

    def _check_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.summary = QLabel(page)
        self.summary.setObjectName("importCheckSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary)
        self.problems = QTableWidget(0, 3, page)
        self.problems.setObjectName("importProblems")
        self.problems.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Column"), self.tr("Problem")])
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.problems.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.problems, 1)
        row = QHBoxLayout()
        self.save_rejected_button = QPushButton(self.tr("&Save the rejected rows to fix them…"), page)
        self.save_rejected_button.setObjectName("importSaveRejected")
        self.save_rejected_button.clicked.connect(self._ask_save_rejected)
        row.addWidget(self.save_rejected_button)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def check(self) -> None:
        table, mapping = self.table, self.mapping
        if table is None or mapping is None:
            return
        service = self._service
        try:
            options = self.prepare_options()
        except Exception as exc:
            self._fail(exc)
            return

        def done(check: ImportCheck) -> None:
            self.check_result = check
            lines = [
                # Counts as "label: n", which reads right for 1 as for 1,000 (no plural forms needed).
                self.tr("Rows read: %1 · can be imported: %2 · rejected: %3")
                .replace("%1", format_int(check.rows_read))
                .replace("%2", format_int(check.valid))
                .replace("%3", format_int(check.rejected)),
                self.tr("Matching a lead already in LeadDesk: %1 · repeating an earlier row of the file: %2")
                .replace("%1", format_int(check.duplicates_existing))
                .replace("%2", format_int(check.duplicates_in_file)),
            ]
            for b in check.previous_imports:
                lines.append(
                    self.tr("This file was already imported on %1 (import #%2).")
                    .replace("%1", format_datetime(b.created_at))
                    .replace("%2", str(b.id))
                )
            self.summary.setText("\n".join(lines))
            shown = check.errors[:1000]
            self.problems.setRowCount(len(shown))
            for r, e in enumerate(shown):
                for c, value in enumerate((str(e.row), e.column, e.message)):
                    self.problems.setItem(r, c, QTableWidgetItem(value))
            self.save_rejected_button.setEnabled(bool(check.rejected_rows))
            self._busy(False)
            self.stack.setCurrentIndex(PAGE_CHECK)
            self._update_buttons()
            self.checked.emit(check)

        self._busy(True, self.tr("Checking the rows…"), progress=True)
        self.control = run_task(
            lambda c: service.check(
                table, mapping, options, progress=c.progress, should_cancel=lambda: c.cancelled
            ),
            on_done=done,
            on_error=self._fail,
            on_progress=self._step_progress,
        )

    def _ask_save_rejected(self) -> None:
        start = self._ctx.pc.text("import/folder", str(Path.home()))
        base = Path(self.table.path.stem if self.table else "rows")
        chosen, _f = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the rejected rows"),
            str(Path(start) / f"{base}-rejected.xlsx"),
            self.tr("Excel workbook (*.xlsx)"),
        )
        if chosen:
            self.save_rejected(chosen)

    def save_rejected(self, path: str | Path) -> None:
        """Write the rejected rows to `path` (an .xlsx) in the background."""
        if self.check_result is None or self.table is None:
            return
        rows, headers, service = self.check_result.rejected_rows, self.table.headers, self._service
        run_task(
            lambda _c: service.write_rejected_rows(path, headers, rows),
            on_done=lambda saved: self.status.setText(self.tr("Saved %1.").replace("%1", str(saved))),
            on_error=self._save_failed,
        )

    def _save_failed(self, exc: BaseException) -> None:
        # Only the saving failed: a check or an import started meanwhile goes on undisturbed.
        self.last_error = exc
        self.last_box = show_error(self, exc, self.tr("Save the rejected rows"))

    # --- page 4: the import --------------------------------------------------------------------------

    def _run_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.run_label = QLabel(self.tr("Importing…"), page)
        self.run_label.setObjectName("importRunLabel")
        layout.addWidget(self.run_label)
        self.progress = QProgressBar(page)
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, _SCALE)
        layout.addWidget(self.progress)
        note = QLabel(self.tr("Cancel stops the import: nothing is saved until it finishes."), page)
        layout.addWidget(note)
        layout.addStretch(2)
        return page

    def start_import(self) -> None:
        table, mapping = self.table, self.mapping
        if table is None or mapping is None:
            return
        try:
            settings = self.settings()
        except Exception as exc:
            self._fail(exc)
            return
        service = self._service

        def work(control: TaskControl) -> ImportResult:
            def progress(phase: str, done: int, total: int) -> None:
                share = min(1.0, done / total) if total else 1.0
                start, end = _PHASE_SPANS.get(phase, _PHASE_SPANS[IMPORTING])
                # A phase never reaches the next one's start: the label follows the value.
                control.progress(start + int(share * (end - start - 1)), _SCALE)

            return service.import_table(
                table, mapping, settings, progress=progress, should_cancel=lambda: control.cancelled
            )

        def on_progress(done: int, _total: int) -> None:
            self.progress.setValue(done)
            if done >= _PHASE_SPANS[FINISHING][0]:
                self.run_label.setText(self.tr("Computing scores and SLA clocks…"))
            elif done >= _PHASE_SPANS[INDEXING][0]:
                self.run_label.setText(self.tr("Indexing the new leads…"))

        self.progress.setValue(0)
        self.run_label.setText(self.tr("Importing…"))
        self.stack.setCurrentIndex(PAGE_RUN)
        self._busy(True, "")
        self.control = run_task(work, on_done=self._imported, on_error=self._fail, on_progress=on_progress)
        self._update_buttons()

    def _imported(self, result: ImportResult) -> None:
        self.result = result
        self.control = None
        self._busy(False)
        self.result_label.setText(
            self.tr(
                "Import #%1 finished. Rows read: %2 · leads created: %3 · updated: %4 · duplicates: %5 · "
                "rejected: %6"
            )
            .replace("%1", str(result.batch_id))
            .replace("%2", format_int(result.rows_read))
            .replace("%3", format_int(result.created))
            .replace("%4", format_int(result.updated))
            .replace("%5", format_int(result.duplicates))
            .replace("%6", format_int(result.rejected))
        )
        self.show_leads_button.setEnabled(result.batch_id is not None and self._on_show_leads is not None)
        self.stack.setCurrentIndex(PAGE_SUMMARY)
        self._update_buttons()
        self._ctx.notify_changed()
        self.imported.emit(result)

    # --- page 5: summary -----------------------------------------------------------------------------

    def _summary_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.result_label = QLabel(page)
        self.result_label.setObjectName("importResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self.show_leads_button = QPushButton(self.tr("Show the &imported leads"), page)
        self.show_leads_button.setObjectName("importShowLeads")
        self.show_leads_button.clicked.connect(self.show_leads)
        row = QHBoxLayout()
        row.addWidget(self.show_leads_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("An import can be undone from File → Import history…"), page))
        layout.addStretch(1)
        return page

    def show_leads(self) -> None:
        if self.result is not None and self.result.batch_id is not None and self._on_show_leads is not None:
            self._on_show_leads(self.result.batch_id)
            self.accept()

    # --- navigation ----------------------------------------------------------------------------------

    def next(self) -> None:
        page = self.stack.currentIndex()
        if page == PAGE_FILE:
            self.read()
        elif page == PAGE_MAPPING:
            self.check()
        elif page == PAGE_CHECK:
            self.start_import()
        elif page == PAGE_SUMMARY:
            self.accept()

    def back(self) -> None:
        page = self.stack.currentIndex()
        if page in (PAGE_MAPPING, PAGE_CHECK):
            self.stack.setCurrentIndex(page - 1)
            self._update_buttons()

    def cancel(self) -> None:
        """Cancel the running step, or close the wizard."""
        if self.control is not None:
            self.control.cancel()
            self.status.setText(self.tr("Cancelling…"))
            return
        self.reject()

    def _busy(self, busy: bool, text: str = "", *, progress: bool = False) -> None:
        if not busy:
            self.control = None
        self.status.setText(text)
        # Busy (moving) until the step reports how far it is.
        self.step_progress.setRange(0, 0)
        self.step_progress.reset()
        self.step_progress.setVisible(busy and progress)
        self.next_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy)
        self.stack.currentWidget().setEnabled(not busy or self.stack.currentIndex() == PAGE_RUN)

    def _step_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.step_progress.setRange(0, _SCALE)
            self.step_progress.setValue(min(_SCALE, done * _SCALE // total))

    def _update_buttons(self) -> None:
        page = self.stack.currentIndex()
        running = self.control is not None
        self.back_button.setVisible(page in (PAGE_MAPPING, PAGE_CHECK))
        self.next_button.setVisible(page != PAGE_RUN)
        self.next_button.setText(
            {PAGE_CHECK: self.tr("&Import"), PAGE_SUMMARY: self.tr("&Close")}.get(page, self.tr("&Next >"))
        )
        self.next_button.setEnabled(not running)
        self.cancel_button.setVisible(page != PAGE_SUMMARY)
        for index in range(self.stack.count()):
            self.stack.widget(index).setEnabled(True)

    def _fail(self, exc: BaseException) -> None:
        self.control = None
        self.last_error = exc
        self._busy(False)
        if self.stack.currentIndex() == PAGE_RUN:
            self.stack.setCurrentIndex(PAGE_CHECK)
        self._update_buttons()
        if isinstance(exc, ImportCancelled):
            self.status.setText(str(exc))
        elif isinstance(exc, FileNotFoundError):
            self.status.setText(str(exc.args[0]) if exc.args else str(exc))
        else:
            self.last_box = show_error(self, exc, self.tr("Import"))
        self.failed.emit(exc)

    def _close_table(self) -> None:
        if self.table is not None:
            self.table.close()
            self.table = None

    def done(self, code: int) -> None:
        if self.control is not None:
            self.control.cancel()
            return  # closes when the running step has stopped
        self._close_table()
        super().done(code)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.control is not None:
            self.control.cancel()
            event.ignore()
            return
        self._close_table()
        super().closeEvent(event)
