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
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from leaddesk.domain.enums import Stage
from leaddesk.domain.queries import LeadFilter, LeadSort, PageRequest, SortKey
from leaddesk.domain.records import LeadRow
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.ui.formatting import format_date, format_datetime, stage_color, stage_label
from leaddesk.ui.i18n import tr
from leaddesk.ui.table_models.paged_model import Index, PagedTableModel

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


class LeadTableModel(PagedTableModel):
    """Leads of the current filter and sort; `loaded` when a new filter or sort has its first page,
    `counted` once its total is known (counted after the first page), `failed` when a query failed."""

    def __init__(
        self,
        query: LeadQueryService,
        columns: Sequence[LeadColumn] | None = None,
        parent: Any = None,
        *,
        page_size: int | None = None,
    ) -> None:
        super().__init__(parent, page_size=page_size)
        self._query = query
        self._columns = list(columns or default_columns())
        self._filter = LeadFilter()
        self._sort = LeadSort()
        self._bold = QFont()
        self._bold.setBold(True)

    # --- what to show --------------------------------------------------------------------------------

    @property
    def columns(self) -> list[LeadColumn]:
        return list(self._columns)

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

    def _page_work(self, offset: int, limit: int) -> Callable[[], list[LeadRow]]:
        query, request = self._query, PageRequest(self._filter, self._sort, offset, limit)
        return lambda: query.page(request)

    def _count_work(self) -> Callable[[], int]:
        query, flt = self._query, self._filter
        return lambda: query.count(flt)

    # --- Qt model interface --------------------------------------------------------------------------

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

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
