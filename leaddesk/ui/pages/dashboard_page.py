"""The Dashboard area: how many leads stand at each step of the funnel right now."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from leaddesk.domain.enums import FUNNEL, Stage
from leaddesk.domain.records import StageCount
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_int, stage_label
from leaddesk.ui.widgets.page_header import PageHeader


class DashboardPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.header = PageHeader(self.tr("Dashboard"), self.tr("Leads at each stage, now"), self)
        self.grid = QGridLayout()
        self.bars: dict[Stage, tuple[QLabel, QProgressBar, QLabel]] = {}
        stages = [*FUNNEL, Stage.LOST, Stage.REJECTED, Stage.DISQUALIFIED]
        for row, stage in enumerate(stages):
            name = QLabel(stage_label(stage), self)
            bar = QProgressBar(self)
            bar.setTextVisible(False)
            count = QLabel("", self)
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(bar, row, 1)
            self.grid.addWidget(count, row, 2)
            self.bars[stage] = (name, bar, count)
        self.grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        ctx.data_changed.connect(self.refresh)

    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        run_in_background(
            self._ctx.services.leads.stage_counts,
            on_done=self.show_counts,
            on_error=lambda e: show_error(self, e),
        )

    def show_counts(self, counts: list[StageCount]) -> None:
        by_stage = {c.stage: c.count for c in counts}
        top = max(by_stage.values(), default=0) or 1
        for stage, (_name, bar, label) in self.bars.items():
            bar.setRange(0, top)
            bar.setValue(by_stage.get(stage, 0))
            label.setText(format_int(by_stage.get(stage, 0)))

    def save_state(self) -> None:
        pass
