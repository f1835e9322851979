"""A grid of chart canvases, and the filters that choose what they show.

The pages compute a period's numbers on worker threads and have the charts rendered there too
(`ChartGrid.render`: the chart renderer's processes draw them at the canvases' sizes); the grid then
shows the images. It keeps what each chart was drawn from, so that a canvas resized later gets an image of
its new size (rendered again off the GUI thread, a moment after the last resize).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QWidget

from leaddesk.domain.enums import Role
from leaddesk.domain.records import CampaignRow, MemberRow
from leaddesk.services.charts.palette import Palette
from leaddesk.services.charts.render_processes import ChartImage, ChartInput, ChartJob, ChartRenderer
from leaddesk.ui.background import run_in_background
from leaddesk.ui.charts.canvas import ChartCanvas
from leaddesk.ui.charts.flow_layout import FlowLayout
from leaddesk.ui.errors import show_error

#: How long after the last resize the charts are rendered again at their new sizes, in milliseconds.
RESIZE_SETTLE_MS = 120


class ChartGrid(QWidget):
    #: Images of a new size are shown (after a resize).
    rerendered = Signal()

    def __init__(
        self,
        names: Sequence[str],
        columns: int,
        renderer: ChartRenderer,
        parent: QWidget | None = None,
        *,
        spans: Mapping[str, int] | None = None,
        min_height: int = 260,
    ) -> None:
        super().__init__(parent)
        self.names = tuple(names)
        self.renderer = renderer
        self.canvases: dict[str, ChartCanvas] = {}
        #: What each chart shown was rendered from (its data and palette), to render it again at a new size.
        self._sources: dict[str, tuple[ChartInput, Palette]] = {}
        #: Counts the images shown: an image rendered for an earlier generation is dropped.
        self._generation = 0
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(RESIZE_SETTLE_MS)
        self._resize_timer.timeout.connect(self._render_resized)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        row = col = 0
        for name in self.names:
            span = min((spans or {}).get(name, 1), columns)
            if col + span > columns:
                row, col = row + 1, 0
            canvas = ChartCanvas(name, self, min_height=min_height)
            canvas.resized.connect(lambda _name: self._resize_timer.start())
            self.canvases[name] = canvas
            grid.addWidget(canvas, row, col, 1, span)
            col += span
            if col >= columns:
                row, col = row + 1, 0
        for c in range(columns):
            grid.setColumnStretch(c, 1)

    def show_message(self, text: str, names: Sequence[str] | None = None) -> None:
        """Show `text` instead of the charts `names` (all by default); an image rendered for them before
        (after a resize, say) is not shown any more."""
        self._generation += 1
        for name in names or self.names:
            self.canvases[name].show_message(text)
            self._sources.pop(name, None)

    def figure_sizes(self) -> dict[str, tuple[int, int]]:
        """Each chart's size in pixels now (to render its next image at). Read on the GUI thread."""
        return {name: canvas.figure_size() for name, canvas in self.canvases.items()}

    def renderer_call(
        self, palette: Palette
    ) -> Callable[[Sequence[str], ChartInput, Callable[[], bool] | None], dict[str, ChartImage] | None]:
        """A function for a worker thread that renders the named charts of its data at the sizes the
        canvases have now (read here, on the GUI thread); None if cancelled meanwhile."""
        sizes = self.figure_sizes()
        ratios = {name: canvas.pixel_ratio() for name, canvas in self.canvases.items()}
        renderer = self.renderer

        def render(
            names: Sequence[str], data: ChartInput, should_cancel: Callable[[], bool] | None = None
        ) -> dict[str, ChartImage] | None:
            jobs = [ChartJob(name, data, palette, sizes[name], ratios[name]) for name in names]
            return renderer.render(jobs, should_cancel)

        return render

    def set_images(self, images: Mapping[str, ChartImage], data: ChartInput, palette: Palette) -> None:
        """Show the rendered charts; `data` and `palette` are what they were drawn from."""
        self._generation += 1
        for name, image in images.items():
            if name in self.canvases:
                self.canvases[name].set_image(image)
                self._sources[name] = (data, palette)
        if any(self.canvases[name].needs_new_image() for name in images if name in self.canvases):
            self._resize_timer.start()  # resized while they were rendered

    def _render_resized(self) -> None:
        jobs = [
            ChartJob(name, *self._sources[name], canvas.figure_size(), canvas.pixel_ratio())
            for name, canvas in self.canvases.items()
            if canvas.needs_new_image() and name in self._sources and min(canvas.figure_size()) >= 10
        ]
        if not jobs:
            return
        generation = self._generation
        renderer = self.renderer

        def shown(images: dict[str, ChartImage] | None) -> None:
            if images is None or generation != self._generation:
                return  # newer charts came meanwhile (they are rendered at the new sizes)
            for name, image in images.items():
                self.canvases[name].set_image(image)
            self.rerendered.emit()
            if any(canvas.needs_new_image() for canvas in self.canvases.values()):
                self._resize_timer.start()  # resized again meanwhile

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.show_message(self.tr("The chart could not be drawn."), [job.name for job in jobs])
            show_error(self, exc)

        run_in_background(lambda: renderer.render(jobs), on_done=shown, on_error=failed)


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
