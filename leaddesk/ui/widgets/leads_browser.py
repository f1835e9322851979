"""A searchable, sortable, lazily loaded table of leads: the building block of the lead lists."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.queries import LeadFilter
from leaddesk.domain.records import LeadRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.table_models.lead_table_model import LeadColumn, LeadTableModel
from leaddesk.ui.widgets.empty_state import EmptyState


class LeadsBrowser(QWidget):
    #: A lead was activated (double click or Enter).
    lead_activated = Signal(object)
    selection_changed = Signal()

    SEARCH_DELAY_MS = 250

    def __init__(
        self,
        ctx: AppContext,
        settings_key: str,
        columns: list[LeadColumn] | None = None,
        base_filter: LeadFilter | None = None,
        parent: QWidget | None = None,
        *,
        empty_text: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._empty_text = empty_text
        self._settings_key = settings_key
        self._base_filter = base_filter or LeadFilter()

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search name, company, email, phone, city…"))
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("leadSearch")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("leadCount")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.model = LeadTableModel(ctx.services.leads, columns, self)
        self.view = QTableView(self)
        self.view.setObjectName("leadTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(28)
        header = self.view.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        for i, column in enumerate(self.model.columns):
            self.view.setColumnWidth(i, column.width)
        restored = self._restore_layout()
        # Show the model's sort before enabling sorting, which applies the indicator at once.
        sort = self.model.current_sort
        keys = [c.sort_key for c in self.model.columns]
        section = header.sortIndicatorSection()
        if not restored or not 0 <= section < len(keys) or not self.model.sortable(section):
            section = keys.index(sort.key) if sort.key in keys else -1
            order = Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(section, order)
        self.view.setSortingEnabled(True)
        self.empty_state = EmptyState(self.view)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(self.SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._apply_search)
        self.model.loaded.connect(self._update_count)
        self.model.loaded.connect(self._update_empty_state)
        self.model.counted.connect(self._update_count)
        self.model.failed.connect(lambda exc: show_error(self, exc))
        self.view.doubleClicked.connect(self._activated)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        find = QAction(self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: (self.search.setFocus(), self.search.selectAll()))
        self.addAction(find)
        open_action = QAction(self)
        open_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        open_action.triggered.connect(lambda: self._activated(self.view.currentIndex()))
        self.view.addAction(open_action)
        ctx.data_changed.connect(lambda: self.model.live and self.refresh())

    # --- filter --------------------------------------------------------------------------------------

    def set_base_filter(self, flt: LeadFilter) -> None:
        """The filter the page imposes (stages, owner...); the search text is added on top."""
        self._base_filter = flt
        self._apply_search()

    def _apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_filter(replace(self._base_filter, text=self.search.text()))

    def refresh(self) -> None:
        self.model.reload()

    def activate(self) -> None:
        """Load the list the first time it is shown (models of hidden pages run no queries)."""
        if not self.model.live:
            self.model.reload()

    def _update_count(self) -> None:
        total = self.model.total
        if not self.model.total_known:
            self.count_label.setText(self.tr("counting…"))
            return
        self.count_label.setText(self.tr("%Ln lead(s)", None, total))

    def _update_empty_state(self) -> None:
        text = self.model.current_filter.text.strip()  # what the rows shown were searched for
        if text:
            message = self.tr("No lead matches “%1”.").replace("%1", text)
        else:
            message = self._empty_text or self.tr("No leads to show.")
        self.empty_state.show_if(self.model.rowCount() == 0, message)

    # --- selection -----------------------------------------------------------------------------------

    def selected_rows(self) -> list[LeadRow]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [r for r in (self.model.row_at(i) for i in rows) if r is not None]

    def current_row(self) -> LeadRow | None:
        return self.model.row_at(self.view.currentIndex().row())

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is not None:
            self.lead_activated.emit(row)

    # --- layout memory -------------------------------------------------------------------------------

    def _header_menu(self, pos: QPoint) -> None:
        header = self.view.horizontalHeader()
        menu = QMenu(self)
        for i, column in enumerate(self.model.columns):
            action = menu.addAction(column.header)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(i))
            action.toggled.connect(lambda on, i=i: header.setSectionHidden(i, not on))
        menu.exec(header.mapToGlobal(pos))
        self.save_layout()

    def _restore_layout(self) -> bool:
        state = self._ctx.pc.bytes(f"columns/{self._settings_key}")
        return state is not None and self.view.horizontalHeader().restoreState(state)

    def save_layout(self) -> None:
        self._ctx.pc.set_bytes(f"columns/{self._settings_key}", self.view.horizontalHeader().saveState())
