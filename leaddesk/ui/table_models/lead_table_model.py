"""A lazy Qt model over pages of `LeadRow` fetched from the lead query service.

Sorting and filtering run in SQL; rows arrive page by page as the view scrolls (canFetchMore/fetchMore);
every query runs on the query worker so the window never waits. `data()` only reads rows already
fetched. A generation number discards answers to questions nobody is asking any more (the user typed
another letter meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont

from leaddesk.domain.enums import Stage
from leaddesk.domain.queries import LeadFilter, LeadSort, PageRequest, SortKey
from leaddesk.domain.records import LeadRow
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.ui.background import query_pool, run_in_background
from leaddesk.ui.formatting import format_date, format_datetime, stage_color, stage_label
from leaddesk.ui.i18n import tr

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class LeadColumn:
    key: str
    header: str
    text: Callable[[LeadRow], str]
    sort_key: SortKey | None = None
    align_right: bool = False
    width: int = 140


def default_columns() -> list[LeadColumn]:
    return [
        LeadColumn("name", tr("Leads", "Name"), lambda r: r.display_name, SortKey.NAME, width=170),
        LeadColumn("company", tr("Leads", "Company"), lambda r: r.company or "", SortKey.COMPANY, width=200),
        LeadColumn("email", tr("Leads", "Email"), lambda r: r.email or "", SortKey.EMAIL, width=220),
        LeadColumn("phone", tr("Leads", "Phone"), lambda r: r.phone or "", width=130),
        LeadColumn("city", tr("Leads", "City"), lambda r: r.city or "", SortKey.CITY, width=110),
        LeadColumn("stage", tr("Leads", "Stage"), lambda r: stage_label(r.stage), SortKey.STAGE, width=110),
        LeadColumn("score", tr("Leads", "Score"), lambda r: str(r.score), SortKey.SCORE, True, width=60),
        LeadColumn(
            "campaign", tr("Leads", "Campaign"), lambda r: r.campaign_name or "", SortKey.CAMPAIGN, width=190
        ),
        LeadColumn(
            "sales_owner", tr("Leads", "Sales owner"), lambda r: r.sales_owner_name or "", SortKey.SALES_OWNER
        ),
        LeadColumn(
            "created", tr("Leads", "Created"), lambda r: format_date(r.created_at), SortKey.CREATED, width=95
        ),
        LeadColumn(
            "handed_off",
            tr("Leads", "Handed off"),
            lambda r: format_datetime(r.handed_off_at),
            SortKey.HANDED_OFF,
            width=130,
        ),
    ]


class LeadTableModel(QAbstractTableModel):
    #: Emitted (on the GUI thread) when a new filter or sort has its first page.
    loaded = Signal()
    #: Emitted when the total for the current filter is known (it is counted after the first page).
    counted = Signal()
    #: Emitted when a query failed; the page shows the error.
    failed = Signal(object)

    PAGE_SIZE = 200

    def __init__(
        self,
        query: LeadQueryService,
        columns: Sequence[LeadColumn] | None = None,
        parent: Any = None,
        *,
        page_size: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._query = query
        self._columns = list(columns or default_columns())
        self._rows: list[LeadRow] = []
        self._total = 0
        self._filter = LeadFilter()
        self._sort = LeadSort()
        self._generation = 0
        self._fetching = False
        self._live = False
        self._total_known = False
        self._page_size = page_size or self.PAGE_SIZE
        self._bold = QFont()
        self._bold.setBold(True)

    # --- what to show --------------------------------------------------------------------------------

    @property
    def columns(self) -> list[LeadColumn]:
        return list(self._columns)

    @property
    def total(self) -> int:
        """Rows matching the filter; until counted, the rows fetched so far."""
        return self._total if self._total_known else len(self._rows)

    @property
    def total_known(self) -> bool:
        return self._total_known

    @property
    def live(self) -> bool:
        """False until the first `reload()`: a model nobody looks at yet runs no queries."""
        return self._live

    @property
    def current_filter(self) -> LeadFilter:
        return self._filter

    @property
    def current_sort(self) -> LeadSort:
        return self._sort

    def set_filter(self, flt: LeadFilter) -> None:
        self._filter = flt
        if self._live:
            self.reload()

    def set_text(self, text: str) -> None:
        self.set_filter(replace(self._filter, text=text))

    def set_sort(self, sort: LeadSort) -> None:
        self._sort = sort
        if self._live:
            self.reload()

    def reload(self) -> None:
        """Ask for the first page of the current filter and sort, then its total (off the GUI thread).

        The page comes first so the table fills as soon as possible; counting can take longer.
        """
        self._live = True
        self._generation += 1
        generation = self._generation
        request = PageRequest(self._filter, self._sort, 0, self._page_size)
        self._fetching = True
        run_in_background(
            lambda: self._query.page(request),
            on_done=lambda rows: self._first_page(generation, request, rows),
            on_error=lambda exc: self._failed(generation, exc),
            pool=query_pool(),
        )

    def _first_page(self, generation: int, request: PageRequest, rows: list[LeadRow]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self._total = len(rows)
        self._total_known = len(rows) < request.limit
        self._fetching = False
        self.endResetModel()
        self.loaded.emit()
        if self._total_known:
            self.counted.emit()
            return
        run_in_background(
            lambda: self._query.count(request.filter),
            on_done=lambda total: self._counted(generation, total),
            on_error=lambda exc: self._failed(generation, exc),
            pool=query_pool(),
        )

    def _counted(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._total = max(total, len(self._rows))
        self._total_known = True
        self.counted.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self.failed.emit(exc)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._fetching or not self._live:
            return False
        if self._total_known:
            return len(self._rows) < self._total
        return len(self._rows) > 0 and len(self._rows) % self._page_size == 0

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent):
            return
        generation = self._generation
        request = PageRequest(self._filter, self._sort, len(self._rows), self._page_size)
        self._fetching = True
        run_in_background(
            lambda: self._query.page(request),
            on_done=lambda rows: self._more(generation, request.offset, rows),
            on_error=lambda exc: self._failed(generation, exc),
            pool=query_pool(),
        )

    def _more(self, generation: int, offset: int, rows: list[LeadRow]) -> None:
        if generation != self._generation or offset != len(self._rows):
            return
        self._fetching = False
        if not rows:
            self._total = len(self._rows)
            self._total_known = True
            self.counted.emit()
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    # --- Qt model interface --------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def row_at(self, row: int) -> LeadRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[LeadRow]:
        return list(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        lead = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(lead)
        if role == ROW_ROLE:
            return lead
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "stage":
            return stage_color(lead.stage)
        if role == Qt.ItemDataRole.FontRole and column.key == "name":
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "stage" and lead.stage == Stage.REJECTED:
            return tr("Leads", "Returned by sales")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self._columns[column].sort_key
        if key is None:
            return
        self.set_sort(LeadSort(key, order == Qt.SortOrder.DescendingOrder))

    def sortable(self, column: int) -> bool:
        return self._columns[column].sort_key is not None
