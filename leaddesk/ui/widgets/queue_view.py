"""The sales queue on screen: a search box and the table of open clocks, most urgent first, two lines a
row (the SLA badge and countdown; the lead and their company), plus today's follow-ups below it."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.table_models.pipeline_models import FollowUpModel
from leaddesk.ui.table_models.queue_table_model import HOT_ROLE, SUBTITLE_ROLE, QueueTableModel
from leaddesk.ui.widgets.countdown_delegate import CountdownDelegate, NoteDelegate, TwoLineDelegate


def configure_table(view: QTableView, row_height: int) -> None:
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(row_height)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)


class SearchBox(QLineEdit):
    """A search field that hands the keyboard back to its list: Down or Escape."""

    leave = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.key() == Qt.Key.Key_Escape and self.text():
                self.clear()
            self.leave.emit()
            return
        super().keyPressEvent(event)


class QueueView(QWidget):
    #: The current row changed (its index in the model, -1 for none).
    current_changed = Signal(int)
    #: Enter or a double click on a row.
    activated = Signal(int)

    SEARCH_DELAY_MS = 250
    ROW_HEIGHT = 50

    def __init__(self, ctx: AppContext, model: QueueTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.model = model
        self._keep_id: int | None = None
        self._keep_row = 0

        self.title = QLabel(self.tr("My queue"), self)
        self.title.setObjectName("queueTitle")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("queueCount")
        self.count_label.setStyleSheet("color: palette(placeholder-text);")
        self.search = SearchBox(self)
        self.search.setObjectName("queueSearch")
        self.search.setPlaceholderText(self.tr("Search the queue  ( / )"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(280)

        self.view = QTableView(self)
        self.view.setObjectName("queueTable")
        self.view.setModel(model)
        configure_table(self.view, self.ROW_HEIGHT)
        self.view.setItemDelegateForColumn(model.column_of("sla"), CountdownDelegate(self.view))
        self.view.setItemDelegateForColumn(
            model.column_of("lead"), TwoLineDelegate(SUBTITLE_ROLE, HOT_ROLE, self.view)
        )
        self.view.setItemDelegateForColumn(model.column_of("note"), NoteDelegate(self.view))
        for i, column in enumerate(model.columns):
            self.view.setColumnWidth(i, column.width)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(model.column_of("note"), QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(50)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count_label)
        top.addStretch(1)
        top.addWidget(self.search)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(self.SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.leave.connect(self._leave_search)
        model.loaded.connect(self._loaded)
        model.counted.connect(self._update_count)
        model.failed.connect(lambda exc: show_error(self, exc))
        model.modelAboutToBeReset.connect(self._remember)
        self.view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.current_changed.emit(current.row())
        )
        self.view.doubleClicked.connect(lambda index: self.activated.emit(index.row()))

    # --- search ----------------------------------------------------------------------------------------

    def _apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_text(self.search.text())

    def _leave_search(self) -> None:
        self._apply_search()
        self.focus_list()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def focus_list(self) -> None:
        self.view.setFocus()
        if self.current_row() < 0 and self.model.rowCount():
            self.select_row(0)

    # --- selection -------------------------------------------------------------------------------------

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row, self.model.column_of("lead"))
        # Bring the row into view without scrolling sideways (the view scrolls to a new current index by
        # itself): on a narrow window the SLA column, on the left, would go out of sight for the name.
        across = self.view.horizontalScrollBar().value()
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)
        self.view.horizontalScrollBar().setValue(across)

    def select_lead(self, lead_id: int) -> bool:
        row = self.model.row_of(lead_id)
        if row >= 0:
            self.select_row(row)
        return row >= 0

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) lead; the next page is fetched when the end is reached."""
        row = self.current_row() + delta
        if row >= self.model.rowCount() and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
        self.select_row(max(0, min(row, self.model.rowCount() - 1)))

    def _remember(self) -> None:
        row = self.model.row_at(self.current_row())
        self._keep_id = row.lead.id if row else None
        self._keep_row = max(self.current_row(), 0)

    def _loaded(self) -> None:
        """Keep the same lead in focus across reloads; if it left the queue, the one now in its place."""
        self._update_count()
        if self.model.rowCount() == 0:
            self.current_changed.emit(-1)
            return
        if self._keep_id is None or not self.select_lead(self._keep_id):
            self.select_row(min(self._keep_row, self.model.rowCount() - 1))

    def _update_count(self) -> None:
        total = self.model.total
        if not self.model.total_known:
            self.count_label.setText(self.tr("counting…"))
        else:
            self.count_label.setText(self.tr("%Ln lead(s) waiting", None, total))

    def visible_rows(self) -> tuple[int, int]:
        """The first and last row on screen (for the countdown tick)."""
        if self.model.rowCount() == 0:
            return 0, -1
        first = self.view.rowAt(0)
        last = self.view.rowAt(self.view.viewport().height() - 1)
        first = 0 if first < 0 else first
        last = self.model.rowCount() - 1 if last < 0 else last
        return first, last


class FollowUpsView(QWidget):
    current_changed = Signal(int)
    activated = Signal(int)

    def __init__(self, ctx: AppContext, model: FollowUpModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.model = model
        self.title = QLabel(self.tr("Follow-ups due today"), self)
        self.title.setObjectName("followUpsTitle")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.count_label = QLabel(self)
        self.count_label.setStyleSheet("color: palette(placeholder-text);")
        self.view = QTableView(self)
        self.view.setObjectName("followUpsTable")
        self.view.setModel(model)
        configure_table(self.view, 44)
        self.view.setItemDelegateForColumn(1, TwoLineDelegate(SUBTITLE_ROLE, None, self.view))
        for i, (_key, _header, width) in enumerate(model.columns):
            self.view.setColumnWidth(i, width)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count_label)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        model.loaded.connect(self._loaded)
        model.failed.connect(lambda exc: show_error(self, exc))
        self.view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.current_changed.emit(current.row())
        )
        self.view.doubleClicked.connect(lambda index: self.activated.emit(index.row()))

    def _loaded(self) -> None:
        n = self.model.rowCount()
        overdue = sum(1 for f in self.model.rows() if f.overdue)
        text = self.tr("%Ln to do", None, n) if n else self.tr("none — all clear")
        if overdue:
            text += " · " + self.tr("%Ln overdue", None, overdue)
        self.count_label.setText(text)

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            index = self.model.index(row, 1)
            self.view.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )

    def step(self, delta: int) -> None:
        self.select_row(max(0, min(self.current_row() + delta, self.model.rowCount() - 1)))
