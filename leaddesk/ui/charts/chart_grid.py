"""A grid of chart canvases, the filters that choose what they show, and building figures off the GUI
thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QWidget

from leaddesk.domain.enums import Role
from leaddesk.domain.records import CampaignRow, MemberRow
from leaddesk.ui.charts.canvas import ChartCanvas
from leaddesk.ui.charts.flow_layout import FlowLayout

#: The size (inches at 100 dpi) figures are built at for the window; the canvas fits them to its size.
CANVAS_FIGURE_SIZE = (4.6, 3.0)


#: Figures are built at 100 dpi (the canvas's default).
DPI = 100


def build_figures(
    data: Any,
    names: Sequence[str],
    palette: Any,
    size: tuple[float, float] = CANVAS_FIGURE_SIZE,
    *,
    sizes: Mapping[str, tuple[int, int]] | None = None,
    quick: bool = False,
    reuse: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The named charts of `data` as matplotlib figures. Runs on a worker thread (matplotlib is imported
    here, not when the window starts).

    `sizes`: each chart's canvas size in pixels (`ChartGrid.figure_sizes`), else `size` in inches.
    `quick`: margins fixed when built (no constrained layout at each draw), and each figure rendered here
    (Agg) at its size, so that the GUI thread only shows the images.
    `reuse`: figures no longer shown (`ChartGrid.take_spares`), by chart, drawn again instead of new ones
    where they fit (quick only)."""
    from leaddesk.services.charts import build_chart
    from leaddesk.services.charts.quick_render import gc_paused, render

    figures: dict[str, Any] = {}
    with gc_paused() if quick else nullcontext():
        for name in names:
            pixels = (sizes or {}).get(name)
            inches = (pixels[0] / DPI, pixels[1] / DPI) if pixels and min(pixels) >= 50 else size
            figure = build_chart(
                name,
                data,
                palette,
                inches,
                layout="fixed" if quick else "constrained",
                reuse=(reuse or {}).get(name) if quick else None,
            )
            if quick:
                render(figure)
            figures[name] = figure
    return figures


class ChartGrid(QWidget):
    def __init__(
        self,
        names: Sequence[str],
        columns: int,
        parent: QWidget | None = None,
        *,
        spans: Mapping[str, int] | None = None,
        min_height: int = 260,
        keep_spares: bool = False,
    ) -> None:
        super().__init__(parent)
        self.names = tuple(names)
        self.canvases: dict[str, ChartCanvas] = {}
        #: Keep the figures that new ones replace, to draw the next ones on (`take_spares`).
        self.keep_spares = keep_spares
        self._spares: dict[str, Any] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        row = col = 0
        for name in self.names:
            span = min((spans or {}).get(name, 1), columns)
            if col + span > columns:
                row, col = row + 1, 0
            canvas = ChartCanvas(name, self, min_height=min_height)
            self.canvases[name] = canvas
            grid.addWidget(canvas, row, col, 1, span)
            col += span
            if col >= columns:
                row, col = row + 1, 0
        for c in range(columns):
            grid.setColumnStretch(c, 1)

    def show_message(self, text: str, names: Sequence[str] | None = None) -> None:
        for name in names or self.names:
            self.canvases[name].show_message(text)

    def figure_sizes(self) -> dict[str, tuple[int, int]]:
        """Each chart's size in pixels now (to build its next figure at)."""
        return {name: canvas.figure_size() for name, canvas in self.canvases.items()}

    def set_figures(self, figures: Mapping[str, Any]) -> None:
        for name, figure in figures.items():
            if name in self.canvases:
                old = self.canvases[name].set_figure(figure)
                if old is not None and self.keep_spares:
                    self._spares[name] = old

    def take_spares(self, names: Sequence[str]) -> dict[str, Any]:
        """The figures no longer shown of the charts `names`, handed over for good (to a worker, which may
        change them): nothing here shows, draws or hands them out again."""
        return {name: self._spares.pop(name) for name in names if name in self._spares}


class ReportFilterBar(QWidget):
    """Campaign and sales owner choosers ("all" by default)."""

    #: (campaign_id | None, owner_id | None)
    changed = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.campaign = QComboBox(self)
        self.campaign.setObjectName("campaignFilter")
        self.owner = QComboBox(self)
        self.owner.setObjectName("ownerFilter")
        for combo, chars in ((self.campaign, 18), (self.owner, 14)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
        self.campaign.addItem(self.tr("All campaigns"), None)
        self.owner.addItem(self.tr("All sales owners"), None)
        layout = FlowLayout(self, spacing=8)
        for label, combo in ((self.tr("Campaign:"), self.campaign), (self.tr("Sales owner:"), self.owner)):
            pair = QWidget(self)
            row = QHBoxLayout(pair)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            row.addWidget(QLabel(label, pair))
            row.addWidget(combo)
            layout.addWidget(pair)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.campaign.currentIndexChanged.connect(self._emit)
        self.owner.currentIndexChanged.connect(self._emit)

    def fill(self, campaigns: Sequence[CampaignRow], members: Sequence[MemberRow]) -> None:
        """Fill the choosers, keeping the current choices where they still exist."""
        keep_c, keep_o = self.campaign_id(), self.owner_id()
        with QSignalBlocker(self.campaign), QSignalBlocker(self.owner):
            del_items(self.campaign)
            del_items(self.owner)
            for c in sorted(campaigns, key=lambda c: (c.archived, c.name.lower())):
                label = c.name if not c.archived else self.tr("%1 (archived)").replace("%1", c.name)
                self.campaign.addItem(label, c.id)
            for m in members:
                if m.role in (Role.SALES, Role.MANAGER) and m.active:
                    self.owner.addItem(m.name, m.id)
            self.select(keep_c, keep_o)

    def select(self, campaign_id: int | None, owner_id: int | None) -> None:
        with QSignalBlocker(self.campaign), QSignalBlocker(self.owner):
            self.campaign.setCurrentIndex(max(self.campaign.findData(campaign_id), 0))
            self.owner.setCurrentIndex(max(self.owner.findData(owner_id), 0))

    def campaign_id(self) -> int | None:
        value = self.campaign.currentData()
        return int(value) if value is not None else None

    def owner_id(self) -> int | None:
        value = self.owner.currentData()
        return int(value) if value is not None else None

    def _emit(self, _index: int) -> None:
        self.changed.emit(self.campaign_id(), self.owner_id())


def del_items(combo: QComboBox) -> None:
    """Remove every item but the first ("all")."""
    while combo.count() > 1:
        combo.removeItem(combo.count() - 1)
