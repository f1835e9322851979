"""The pipeline as a board — a column per stage (contacted, opportunity, won, lost), cards dragged
between them — and as a table; the Pipeline tab switches between the two.

The board stays fast with thousands of leads: each column's header shows the count and value of the
whole column (one GROUP BY), the column holds its first cards, and scrolling to the end fetches the next
ones (keyset). Dropping a card on another column asks for the move the lifecycle allows (an opportunity
needs its value and close date, lost needs a reason); there is no move back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import Stage
from leaddesk.services.pipeline_service import (
    BOARD_STAGES,
    CLOSED_STAGES,
    DEFAULT_CLOSED_DAYS,
    OPEN_STAGES,
    CardPage,
    PipelineCard,
    PipelineService,
)
from leaddesk.ui.background import query_pool, run_in_background
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_date, format_int, format_money, stage_color, stage_label
from leaddesk.ui.i18n import tr
from leaddesk.ui.table_models.pipeline_models import CARD_ROLE, BoardColumnModel, PipelineTableModel
from leaddesk.ui.table_models.queue_table_model import SUBTITLE_ROLE
from leaddesk.ui.widgets.alive import while_alive
from leaddesk.ui.widgets.countdown_delegate import TwoLineDelegate
from leaddesk.ui.widgets.queue_view import SearchBox, configure_table

Index = QModelIndex | QPersistentModelIndex
CARD_HEIGHT = 70


def card_detail(card: PipelineCard, today: date) -> tuple[str, bool]:
    """The card's bottom line and whether it warns (a close date or next step already past)."""
    if card.stage == Stage.OPPORTUNITY:
        bits = [format_money(card.expected_value)] if card.expected_value is not None else []
        if card.expected_close_on:
            bits.append(tr("Board", "close %1").replace("%1", format_date(card.expected_close_on)))
        return " · ".join(bits) or tr("Board", "no value yet"), bool(
            card.expected_close_on and card.expected_close_on < today
        )
    if card.stage == Stage.CONTACTED:
        if card.next_step_on:
            return tr("Board", "next step %1").replace("%1", format_date(card.next_step_on)), (
                card.next_step_on < today
            )
        return tr("Board", "no next step planned"), False
    if card.stage == Stage.WON:
        return " · ".join(
            b for b in (format_money(card.expected_value), format_date(card.closed_at)) if b
        ), False
    from leaddesk.ui.dialogs.lost_dialog import lost_reason_label

    reason = lost_reason_label(card.close_reason) if card.close_reason else ""
    return " · ".join(b for b in (reason, format_date(card.closed_at)) if b), False


class CardDelegate(QStyledItemDelegate):
    """A card: the stage's colour on the left edge, the name, the company, then value and dates."""

    def __init__(
        self, today: Callable[[], date], show_owner: Callable[[], bool], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._today = today
        self._show_owner = show_owner

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        card = index.data(CARD_ROLE)
        if not isinstance(card, PipelineCard):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(option.rect.adjusted(4, 3, -4, -3))
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        base = palette.color(QPalette.ColorRole.Base)
        painter.setPen(
            QPen(palette.color(QPalette.ColorRole.Highlight), 2)
            if selected
            else QPen(palette.color(QPalette.ColorRole.Mid), 1)
        )
        painter.setBrush(base)
        painter.drawRoundedRect(rect, 6, 6)
        stripe = QRectF(rect.left() + 1, rect.top() + 1, 5, rect.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(stage_color(card.stage))
        painter.drawRoundedRect(stripe, 2, 2)
        if focused and selected:
            painter.setBrush(
                QColor(
                    palette.color(QPalette.ColorRole.Highlight).red(),
                    palette.color(QPalette.ColorRole.Highlight).green(),
                    palette.color(QPalette.ColorRole.Highlight).blue(),
                    28,
                )
            )
            painter.drawRoundedRect(rect, 6, 6)
        font = QFont(option.font)
        bold = QFont(font)
        bold.setBold(True)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        inner = rect.toRect().adjusted(14, 6, -8, -6)
        line = QFontMetrics(font).height() + 2
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), line),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(bold).elidedText(card.display_name, Qt.TextElideMode.ElideRight, inner.width()),
        )
        painter.setFont(font)
        painter.setPen(muted)
        painter.drawText(
            QRect(inner.left(), inner.top() + line, inner.width(), line),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(font).elidedText(card.company or "", Qt.TextElideMode.ElideRight, inner.width()),
        )
        detail, warn = card_detail(card, self._today())
        owner = card.sales_owner_name if self._show_owner() and card.sales_owner_name else ""
        bottom = QRect(inner.left(), inner.top() + 2 * line, inner.width(), line)
        if owner:
            painter.setPen(muted)
            painter.drawText(bottom, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), owner)
            bottom.setRight(bottom.right() - QFontMetrics(font).horizontalAdvance(owner) - 8)
        painter.setPen(stage_color(Stage.LOST) if warn else text)
        if warn:
            detail = "⚠ " + detail
        painter.drawText(
            bottom,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(font).elidedText(detail, Qt.TextElideMode.ElideRight, bottom.width()),
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(200, QFontMetrics(option.font).height() * 3 + 24)


class BoardColumnView(QFrame):
    """One column: the stage, how many and how much, and its cards."""

    def __init__(
        self, model: BoardColumnModel, delegate: CardDelegate, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName(f"boardColumn-{model.stage.value}")
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel(self)
        self.summary.setObjectName(f"boardSummary-{model.stage.value}")
        self.summary.setStyleSheet("color: palette(placeholder-text);")
        self.list = QListView(self)
        self.list.setObjectName(f"boardList-{model.stage.value}")
        self.list.setModel(model)
        self.list.setItemDelegate(delegate)
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(0)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setDragEnabled(True)
        self.list.setAcceptDrops(True)
        self.list.setDropIndicatorShown(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setStyleSheet("QListView { background: palette(window); }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.refresh_header()

    def refresh_header(self) -> None:
        stage = self.model.stage
        color = stage_color(stage).name()
        count = format_int(self.model.count) if self.model.counted else "…"
        self.title.setText(
            f"<span style='color:{color}; font-size:15px; font-weight:600'>{stage_label(stage)}</span>"
            f"&nbsp;&nbsp;<span style='font-size:15px'>{count}</span>"
        )
        bits = []
        if stage != Stage.CONTACTED and self.model.counted and self.model.value:
            bits.append(format_money(self.model.value))
        if stage in (Stage.WON, Stage.LOST):
            bits.append(tr("Board", "last %Ln day(s)", None, DEFAULT_CLOSED_DAYS))
        self.summary.setText(" · ".join(bits) or " ")


class PipelineBoard(QWidget):
    #: The card in focus changed (None when nothing is).
    card_changed = Signal(object)
    card_activated = Signal(object)
    #: A card was dropped on another column: lead id, from stage, to stage.
    move_requested = Signal(int, str, str)
    #: The first cards of every column are on screen.
    loaded = Signal()
    #: The counts and values of every column are on screen.
    counted = Signal()
    failed = Signal(object)

    PER_COLUMN = 40

    def __init__(
        self,
        pipeline: PipelineService,
        today: Callable[[], date],
        show_owner: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._pipeline = pipeline
        self._generation = 0
        self._owner_id: int | None = None
        self.live = False
        self.delegate = CardDelegate(today, show_owner, self)
        self.columns: dict[Stage, BoardColumnView] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for stage in BOARD_STAGES:
            model = BoardColumnModel(pipeline, stage, self, page_size=self.PER_COLUMN)
            model.move_requested.connect(self.move_requested)
            model.failed.connect(self.failed)
            column = BoardColumnView(model, self.delegate, self)
            column.list.selectionModel().currentChanged.connect(
                lambda current, _prev, m=model: self._current(m, current)
            )
            column.list.doubleClicked.connect(lambda index, m=model: self._activated(m, index.row()))
            column.list.installEventFilter(self)
            self.columns[stage] = column
            layout.addWidget(column, 1)

    def load(self, owner_id: int | None) -> None:
        """The first cards of every column, then the counts and values (a GROUP BY over the whole
        pipeline, the slower part): the cards show as soon as they are there."""
        self.live = True
        self._owner_id = owner_id
        self._generation += 1
        generation, pipeline, per = self._generation, self._pipeline, self.PER_COLUMN
        since = pipeline.default_closed_since()

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.failed.emit(exc)

        def first() -> tuple[dict[Stage, CardPage], dict[Stage, tuple[int, Decimal]]]:
            return (
                pipeline.board_cards(owner_id, per_column=per, closed_since=since),
                pipeline.board_totals(owner_id, stages=OPEN_STAGES, closed_since=since),
            )

        run_in_background(
            first,
            on_done=while_alive(
                self, lambda found: self._show_cards(generation, owner_id, since, found[0], found[1])
            ),
            on_error=while_alive(self, failed),
            pool=query_pool(),
        )
        # The won and lost columns count every recent close: their numbers come last.
        run_in_background(
            lambda: pipeline.board_totals(owner_id, stages=CLOSED_STAGES, closed_since=since),
            on_done=while_alive(self, lambda totals: self._show_totals(generation, totals)),
            on_error=while_alive(self, failed),
            pool=query_pool(),
        )

    def _show_cards(
        self,
        generation: int,
        owner_id: int | None,
        since: datetime,
        pages: dict[Stage, CardPage],
        totals: dict[Stage, tuple[int, Decimal]],
    ) -> None:
        if generation != self._generation:
            return
        keep = self.current_card()
        for stage, page in pages.items():
            view = self.columns[stage]
            view.model.set_cards(page, owner_id, since)
            if stage in totals:
                view.model.set_totals(*totals[stage])
            view.refresh_header()
        if keep is not None:
            self.select_card(keep.id)
        self.loaded.emit()

    def _show_totals(self, generation: int, totals: dict[Stage, tuple[int, Decimal]]) -> None:
        if generation != self._generation:
            return
        for stage, (count, value) in totals.items():
            view = self.columns[stage]
            view.model.set_totals(count, value)
            view.refresh_header()
        self.counted.emit()

    def _current(self, model: BoardColumnModel, index: QModelIndex) -> None:
        card = model.card_at(index.row()) if index.isValid() else None
        if card is not None:
            self.card_changed.emit(card)

    def _activated(self, model: BoardColumnModel, row: int) -> None:
        card = model.card_at(row)
        if card is not None:
            self.card_activated.emit(card)

    def focused_column(self) -> BoardColumnView | None:
        return next((c for c in self.columns.values() if c.list.hasFocus()), None)

    def current_card(self) -> PipelineCard | None:
        column = self.focused_column()
        candidates = [column] if column else list(self.columns.values())
        for view in candidates:
            index = view.list.currentIndex()
            if index.isValid():
                return view.model.card_at(index.row())
        return None

    def select_card(self, lead_id: int) -> bool:
        for view in self.columns.values():
            row = view.model.row_of(lead_id)
            if row >= 0:
                view.list.setCurrentIndex(view.model.index(row))
                return True
        return False

    def focus_first(self) -> None:
        for view in self.columns.values():
            if view.model.rowCount():
                view.list.setFocus()
                if not view.list.currentIndex().isValid():
                    view.list.setCurrentIndex(view.model.index(0))
                return

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Left and Right move the focus between columns, so the board works from the keyboard."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not event.modifiers():
                views = list(self.columns.values())
                here = next((i for i, v in enumerate(views) if v.list is watched), None)
                if here is not None:
                    step = -1 if key == Qt.Key.Key_Left else 1
                    j = here + step
                    while 0 <= j < len(views) and views[j].model.rowCount() == 0:
                        j += step
                    if 0 <= j < len(views):
                        row = max(views[here].list.currentIndex().row(), 0)
                        target = views[j]
                        target.list.setFocus()
                        target.list.setCurrentIndex(target.model.index(min(row, target.model.rowCount() - 1)))
                    return True
        return super().eventFilter(watched, event)


class PipelineView(QWidget):
    """The Pipeline tab: the board or the table of contacted leads and opportunities."""

    card_changed = Signal(object)
    card_activated = Signal(object)

    def __init__(
        self,
        pipeline: PipelineService,
        today: Callable[[], date],
        show_owner: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.board = PipelineBoard(pipeline, today, show_owner, self)
        self.board.setObjectName("pipelineBoard")
        self.table_model = PipelineTableModel(pipeline, today, self)
        self.table = QTableView(self)
        self.table.setObjectName("pipelineTable")
        self.table.setModel(self.table_model)
        configure_table(self.table, 44)
        self.table.setItemDelegateForColumn(0, TwoLineDelegate(SUBTITLE_ROLE, None, self.table))
        for i, column in enumerate(self.table_model.columns):
            self.table.setColumnWidth(i, column.width)
        self.table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)

        self.board_button = QPushButton(self.tr("Board"), self)
        self.table_button = QPushButton(self.tr("Table"), self)
        self.group = QButtonGroup(self)
        for i, b in enumerate((self.board_button, self.table_button)):
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.group.addButton(b, i)
        self.board_button.setChecked(True)
        self.board_button.setToolTip(self.tr("Cards per stage; drag a card to move it (Ctrl+B)"))
        self.table_button.setToolTip(self.tr("Every open lead in a sortable table (Ctrl+T)"))
        self.search = SearchBox(self)
        self.search.setObjectName("pipelineSearch")
        self.search.setPlaceholderText(self.tr("Search the pipeline table"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(280)
        self.search.setMinimumWidth(120)
        self.count_label = QLabel(self)
        self.count_label.setStyleSheet("color: palette(placeholder-text);")
        hint = QLabel(self.tr("Drag a card to the next stage, or press O opportunity · W won · X lost"), self)
        hint.setObjectName("boardHint")
        hint.setStyleSheet("color: palette(placeholder-text);")
        hint.setWordWrap(True)
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hint = hint
        top = QHBoxLayout()
        top.setSpacing(4)
        top.addWidget(self.board_button)
        top.addWidget(self.table_button)
        top.addSpacing(12)
        top.addWidget(self.hint, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.search)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.board)
        self.stack.addWidget(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self.group.idClicked.connect(self.show_mode)
        self.search.returnPressed.connect(self._search)
        self.search.leave.connect(self._leave_search)
        self.table_model.counted.connect(self._count)
        self.table_model.loaded.connect(self._count)
        self.table_model.failed.connect(lambda exc: show_error(self, exc))
        self.board.failed.connect(lambda exc: show_error(self, exc))
        self.board.card_changed.connect(self.card_changed)
        self.board.card_activated.connect(self.card_activated)
        self.table.selectionModel().currentRowChanged.connect(self._table_current)
        self.table.doubleClicked.connect(
            lambda index: self.card_activated.emit(self.table_model.row_at(index.row()))
        )
        self.show_mode(0)

    @property
    def showing_board(self) -> bool:
        return self.stack.currentIndex() == 0

    def show_mode(self, mode: int) -> None:
        self.stack.setCurrentIndex(mode)
        (self.board_button if mode == 0 else self.table_button).setChecked(True)
        self.search.setVisible(mode == 1)
        self.count_label.setVisible(mode == 1)
        self.hint.setVisible(mode == 0)
        if mode == 1 and not self.table_model.live:
            self.table_model.reload()

    def load(self, owner_id: int | None) -> None:
        from dataclasses import replace

        self.board.load(owner_id)
        query = replace(self.table_model.query, owner_id=owner_id)
        if self.table_model.live or not self.showing_board:
            self.table_model.set_query(query)
            self.table_model.reload()
        else:
            self.table_model.set_query(query)

    def _leave_search(self) -> None:
        self._search()
        self.table.setFocus()

    def _search(self) -> None:
        from dataclasses import replace

        self.table_model.set_query(replace(self.table_model.query, text=self.search.text()))

    def _count(self) -> None:
        total = self.table_model.total
        self.count_label.setText(
            tr("Pipeline", "%Ln lead(s)", None, total)
            if self.table_model.total_known
            else tr("Pipeline", "counting…")
        )

    def _table_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        card = self.table_model.row_at(current.row())
        if card is not None:
            self.card_changed.emit(card)

    def current_card(self) -> PipelineCard | None:
        if self.showing_board:
            return self.board.current_card()
        return self.table_model.row_at(self.table.currentIndex().row())

    def focus(self) -> None:
        if self.showing_board:
            self.board.focus_first()
        else:
            self.table.setFocus()
            if not self.table.currentIndex().isValid() and self.table_model.rowCount():
                self.table.setCurrentIndex(self.table_model.index(0, 0))

    def item_views(self) -> list[QAbstractItemView]:
        return [*(c.list for c in self.board.columns.values()), self.table]
