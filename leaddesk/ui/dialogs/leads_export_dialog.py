"""Exporting the leads list (all fields, campaign touches summarised, stage timestamps) to .xlsx or .csv,
with a progress bar and Cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import Stage
from leaddesk.domain.queries import LeadFilter
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.export_progress_dialog import ExportProgressDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_int, stage_label

LAST_FOLDER = "export/last-folder"


class LeadsExportDialog(QDialog):
    #: The file was written (an `ExportResult`).
    exported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Export leads"))
        self.setObjectName("leadsExportDialog")
        self.progress: ExportProgressDialog | None = None
        self.stage = QComboBox(self)
        self.stage.addItem(self.tr("All stages"), None)
        for stage in Stage:
            self.stage.addItem(stage_label(stage), stage.value)
        self.campaign = QComboBox(self)
        self.campaign.addItem(self.tr("All campaigns"), None)
        self.path = QLineEdit(self)
        self.path.setObjectName("exportPath")
        folder = ctx.pc.text(LAST_FOLDER, str(Path.home()))
        self.path.setText(str(Path(folder) / self.tr("leads.xlsx")))
        browse = QToolButton(self)
        browse.setText("…")
        browse.setToolTip(self.tr("Choose the file"))
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Stage:"), self.stage)
        form.addRow(self.tr("Campaign:"), self.campaign)
        form.addRow(self.tr("File (.xlsx or .csv):"), file_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())
        run_in_background(
            lambda: ctx.services.campaigns.list_campaigns(include_archived=True),
            on_done=self._fill_campaigns,
            on_error=lambda e: show_error(self, e),
        )

    def _fill_campaigns(self, campaigns: Any) -> None:
        for c in sorted(campaigns, key=lambda c: c.name.lower()):
            self.campaign.addItem(c.name, c.id)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Export leads"),
            self.path.text(),
            self.tr("Excel workbook (*.xlsx);;CSV, comma-separated (*.csv)"),
        )
        if path:
            self.path.setText(path)

    def lead_filter(self) -> LeadFilter:
        stage = self.stage.currentData()
        campaign = self.campaign.currentData()
        return LeadFilter(
            stages=frozenset({Stage(stage)}) if stage else frozenset(),
            campaign_ids=frozenset({int(campaign)}) if campaign is not None else frozenset(),
        )

    def start(self) -> ExportProgressDialog | None:
        text = self.path.text().strip()
        path = Path(text).expanduser()
        if path.suffix.lower() not in (".xlsx", ".csv"):
            QMessageBox.warning(
                self, self.windowTitle(), self.tr("Give a file name ending in .xlsx or .csv.")
            )
            return None
        self.ctx.pc.set_text(LAST_FOLDER, str(path.parent))
        flt = self.lead_filter()
        service = self.ctx.services.lead_export
        self.progress = ExportProgressDialog(self.tr("Exporting leads to %1…").replace("%1", path.name), self)
        self.progress.succeeded.connect(self._done)
        self.progress.start(
            lambda progress, cancel: service.export(path, flt, progress=progress, should_cancel=cancel)
        )
        self.buttons.setEnabled(False)
        self.progress.cancelled_export.connect(lambda: self.buttons.setEnabled(True))
        self.progress.failed.connect(lambda _e: self.buttons.setEnabled(True))
        return self.progress

    def _done(self, result: Any) -> None:
        self.buttons.setEnabled(True)
        self.exported.emit(result)
        window = self.parentWidget()
        status = getattr(window, "statusBar", None)
        if callable(status):
            status().showMessage(
                self.tr("%1 leads exported to %2")
                .replace("%1", format_int(result.rows))
                .replace("%2", str(result.path)),
                10_000,
            )
        self.accept()
