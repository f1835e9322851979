"""Qt models over the pipeline: the lazy pipeline table, one lazy list per board column (with drag and
drop between columns), and today's follow-ups.

All queries run on the query worker with generation numbers, like the leads table; `data()` only reads
what was fetched. A board column fetches its next cards by keyset cursor when the view scrolls to the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from leaddesk.domain.enums import Stage
from leaddesk.domain.lifecycle import allowed_actions
from leaddesk.services.pipeline_service import (
    BoardColumn,
    CardCursor,
    CardPage,
    FollowUp,
    PipelineCard,
    PipelineQuery,
    PipelineService,
    PipelineSort,
)
from leaddesk.ui.background import query_pool, run_in_background
from leaddesk.ui.formatting import format_date, format_datetime, format_money, stage_color, stage_label
from leaddesk.ui.i18n import tr
from leaddesk.ui.table_models.paged_model import PagedTableModel
from leaddesk.ui.table_models.queue_table_model import SUBTITLE_ROLE
from leaddesk.ui.widgets.alive import while_alive

Index = QModelIndex | QPersistentModelIndex
CARD_ROLE = Qt.ItemDataRole.UserRole + 30
LEAD_MIME = "application/x-leaddesk-lead"


def card_subtitle(card: PipelineCard) -> str:
    return " · ".join(p for p in (card.job_title, card.company) if p)


def board_move(source: Stage, target: Stage) -> str | None:
    """The lifecycle action that moves a lead from one board column to another, if any."""
    if source == target:
        return None
    return next((a.name for a in allowed_actions(source) if a.target == target), None)


# --- the pipeline table -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PipelineColumn:
    key: str
    header: str
    sort: PipelineSort | None
    width: int
    align_right: bool = False


def pipeline_columns() -> list[PipelineColumn]:
    return [
        PipelineColumn("lead", tr("Pipeline", "Lead"), PipelineSort.NAME, 240),
        PipelineColumn("stage", tr("Pipeline", "Stage"), PipelineSort.STAGE, 110),
        PipelineColumn("value", tr("Pipeline", "Expected value"), PipelineSort.VALUE, 120, True),
        PipelineColumn("close_on", tr("Pipeline", "Expected close"), PipelineSort.CLOSE_ON, 120),
        PipelineColumn("next_step", tr("Pipeline", "Next step"), PipelineSort.NEXT_STEP, 110),
        PipelineColumn("last_activity", tr("Pipeline", "Last activity"), PipelineSort.LAST_ACTIVITY, 140),
        PipelineColumn("owner", tr("Pipeline", "Sales rep"), PipelineSort.OWNER, 130),
    ]


class PipelineTableModel(PagedTableModel):
    PAGE_SIZE = 200

    def __init__(
        self,
        pipeline: PipelineService,
        today: Callable[[], date],
        parent: Any = None,
        *,
        page_size: int | None = None,
    ) -> None:
        super().__init__(parent, page_size=page_size)
        self._pipeline = pipeline
        self._today = today
        self._columns = pipeline_columns()
        self._keys = [c.key for c in self._columns]
        self._query = PipelineQuery()

    @property
    def columns(self) -> list[PipelineColumn]:
        return list(self._columns)

    @property
    def query(self) -> PipelineQuery:
        return self._query

    def set_query(self, query: PipelineQuery) -> None:
        self._query = query
        if self._live:
            self.reload()

    def _page_work(self, offset: int, limit: int) -> Callable[[], list[PipelineCard]]:
        pipeline, query = self._pipeline, self._query
        return lambda: pipeline.table_page(query, offset=offset, limit=limit)

    def _count_work(self) -> Callable[[], int]:
        pipeline, query = self._pipeline, self._query
        return lambda: pipeline.table_count(query)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        card = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == CARD_ROLE:
            return card
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(column.key, card)
        if role == SUBTITLE_ROLE and column.key == "lead":
            return card_subtitle(card)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.key == "stage":
                return stage_color(card.stage)
            if column.key == "close_on" and _late(card.expected_close_on, self._today()):
                return stage_color(Stage.LOST)
            if column.key == "next_step" and _late(card.next_step_on, self._today()):
                return stage_color(Stage.LOST)
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and column.key == "close_on"
            and _late(card.expected_close_on, self._today())
        ):
            return tr("Pipeline", "The expected close date has passed")
        return None

    def _text(self, key: str, card: PipelineCard) -> str:
        if key == "lead":
            return card.display_name
        if key == "stage":
            return stage_label(card.stage)
        if key == "value":
            return format_money(card.expected_value)
        if key == "close_on":
            return format_date(card.expected_close_on)
        if key == "next_step":
            return format_date(card.next_step_on)
        if key == "last_activity":
            return format_datetime(card.last_activity_at)
        if key == "owner":
            return card.sales_owner_name or ""
        return ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self._columns[column].sort
        if key is not None:
            self.set_query(replace(self._query, sort=key, descending=order == Qt.SortOrder.DescendingOrder))


def _late(day: date | None, today: date) -> bool:
    return day is not None and day < today


# --- a board column -----------------------------------------------------------------------------


class BoardColumnModel(QAbstractListModel):
    """The cards of one board column: the first page comes with the board, the rest by keyset cursor.

    Dragging a card out carries its id and stage; dropping one in asks (`move_requested`) for the move
    the lifecycle allows between the two stages, and refuses the drop when there is none.
    """

    move_requested = Signal(int, str, str)
    failed = Signal(object)

    def __init__(self, pipeline: PipelineService, stage: Stage, parent: Any = None, *, page_size: int = 50):
        super().__init__(parent)
        self._pipeline = pipeline
        self.stage = stage
        self._cards: list[PipelineCard] = []
        self._cursor: CardCursor | None = None
        self._owner_id: int | None = None
        self._closed_since: datetime | None = None
        self._generation = 0
        self._fetching = False
        self._page_size = page_size
        self.count = 0
        self.value: Any = 0
        #: False until the column's count and value arrived.
        self.counted = False

    def set_column(
        self, column: BoardColumn, owner_id: int | None, closed_since: datetime | None = None
    ) -> None:
        """Show a freshly loaded column (its count, value and first cards)."""
        self.set_cards(column.page, owner_id, closed_since)
        self.set_totals(column.count, column.value)

    def set_cards(self, page: CardPage, owner_id: int | None, closed_since: datetime | None = None) -> None:
        """Show the column's first cards; its count comes separately (`set_totals`)."""
        self._generation += 1
        self.beginResetModel()
        self._cards = list(page.cards)
        self._cursor = page.next
        self._owner_id = owner_id
        self._closed_since = closed_since
        self._fetching = False
        self.counted = False
        self.endResetModel()

    def set_totals(self, count: int, value: Any) -> None:
        self.count = count
        self.value = value
        self.counted = True

    def cards(self) -> list[PipelineCard]:
        return list(self._cards)

    def card_at(self, row: int) -> PipelineCard | None:
        return self._cards[row] if 0 <= row < len(self._cards) else None

    def row_of(self, lead_id: int) -> int:
        return next((i for i, c in enumerate(self._cards) if c.id == lead_id), -1)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._cursor is not None and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent):
            return
        generation, cursor = self._generation, self._cursor
        pipeline, stage, owner, since, limit = (
            self._pipeline,
            self.stage,
            self._owner_id,
            self._closed_since,
            self._page_size,
        )
        self._fetching = True
        run_in_background(
            lambda: pipeline.cards(stage, owner, after=cursor, limit=limit, closed_since=since),
            on_done=while_alive(self, lambda page: self._more(generation, page)),
            on_error=while_alive(self, lambda exc: self._fail(generation, exc)),
            pool=query_pool(),
        )

    def _more(self, generation: int, page: CardPage) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._cursor = page.next
        known = {c.id for c in self._cards}
        cards = [c for c in page.cards if c.id not in known]
        if cards:
            self.beginInsertRows(QModelIndex(), len(self._cards), len(self._cards) + len(cards) - 1)
            self._cards.extend(cards)
            self.endInsertRows()

    def _fail(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self.failed.emit(exc)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._cards)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        card = self._cards[index.row()]
        if role == CARD_ROLE:
            return card
        if role == Qt.ItemDataRole.DisplayRole:
            return card.display_name
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            bits = [card.display_name, card.company or "", format_money(card.expected_value)]
            return " · ".join(b for b in bits if b)
        return None

    # --- drag and drop -------------------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [LEAD_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        cards = [self._cards[i.row()] for i in indexes if i.isValid()]
        if cards:
            body = json.dumps({"id": cards[0].id, "stage": cards[0].stage.value})
            data.setData(LEAD_MIME, QByteArray(body.encode()))
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    @staticmethod
    def dragged(data: QMimeData) -> tuple[int, Stage] | None:
        if not data.hasFormat(LEAD_MIME):
            return None
        try:
            body = json.loads(bytes(data.data(LEAD_MIME).data()).decode())
            return int(body["id"]), Stage(body["stage"])
        except (ValueError, KeyError, TypeError):
            return None

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        found = self.dragged(data)
        return found is not None and board_move(found[1], self.stage) is not None

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        found = self.dragged(data)
        if found is None or board_move(found[1], self.stage) is None:
            return False
        lead_id, source = found
        self.move_requested.emit(lead_id, source.value, self.stage.value)
        return True


# --- follow-ups ---------------------------------------------------------------------------------


def follow_up_columns() -> list[tuple[str, str, int]]:
    return [
        ("when", tr("FollowUps", "Due"), 150),
        ("lead", tr("FollowUps", "Lead"), 240),
        ("phone", tr("FollowUps", "Phone or email"), 160),
        ("stage", tr("FollowUps", "Stage"), 110),
        ("owner", tr("FollowUps", "Sales rep"), 130),
    ]


class FollowUpModel(QAbstractTableModel):
    """Today's follow-ups (a short list, loaded whole): call backs by time, then next steps due."""

    loaded = Signal()
    failed = Signal(object)

    def __init__(
        self, pipeline: PipelineService, now: Callable[[], datetime], zone: tzinfo, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._pipeline = pipeline
        self._now = now
        self._zone = zone
        self._columns = follow_up_columns()
        self._rows: list[FollowUp] = []
        self._owner_id: int | None = None
        self._generation = 0
        self._live = False

    @property
    def live(self) -> bool:
        return self._live

    @property
    def columns(self) -> list[tuple[str, str, int]]:
        return list(self._columns)

    def column_of(self, key: str) -> int:
        return [c[0] for c in self._columns].index(key)

    def set_owner(self, owner_id: int | None) -> None:
        self._owner_id = owner_id
        if self._live:
            self.reload()

    def reload(self) -> None:
        self._live = True
        self._generation += 1
        generation, pipeline, owner, zone = self._generation, self._pipeline, self._owner_id, self._zone
        today = self._now().astimezone(zone).date()
        run_in_background(
            lambda: pipeline.follow_ups(owner, today, zone=zone),
            on_done=while_alive(self, lambda rows: self._loaded(generation, rows)),
            on_error=while_alive(
                self, lambda exc: self.failed.emit(exc) if generation == self._generation else None
            ),
            pool=query_pool(),
        )

    def _loaded(self, generation: int, rows: list[FollowUp]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()
        self.loaded.emit()

    def rows(self) -> list[FollowUp]:
        return list(self._rows)

    def row_at(self, row: int) -> FollowUp | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def when_text(self, f: FollowUp) -> str:
        from leaddesk.ui.widgets.countdown_delegate import when_text

        if f.callback_at is not None:
            return tr("FollowUps", "Call back %1").replace("%1", when_text(f.callback_at, self._now()))
        if f.overdue:
            late = (self._now().astimezone(self._zone).date() - f.due_on).days
            return tr("FollowUps", "%Ln day(s) overdue", None, late)
        return tr("FollowUps", "Today")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self._rows[index.row()]
        key = self._columns[index.column()][0]
        if role == CARD_ROLE:
            return f.card
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "when":
                return self.when_text(f)
            if key == "lead":
                return f.card.display_name
            if key == "phone":
                return f.card.phone or f.card.email or ""
            if key == "stage":
                return stage_label(f.card.stage)
            if key == "owner":
                return f.card.sales_owner_name or ""
        if role == SUBTITLE_ROLE and key == "lead":
            return card_subtitle(f.card)
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "when" and f.overdue:
                return stage_color(Stage.LOST)
            if key == "stage":
                return stage_color(f.card.stage)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section][1]
        return None
