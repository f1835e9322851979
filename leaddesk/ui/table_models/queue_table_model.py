"""The sales queue as a lazy Qt model: open SLA clocks, soonest due first, with a live countdown.

Rows come a page at a time from `SlaService.queue` on the query worker (the page first, the count
after, a generation number dropping answers nobody waits for any more), like the leads table. The
countdown never queries: `tick(first, last)` recomputes the clocks of the rows on screen with the pure
`SlaService.clocks(rows, now, policy)` and emits `dataChanged` for the cells whose text or state moved.
`now` is injected (the services' clock by default), so tests move time and watch the colours change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from leaddesk.domain.enums import Stage
from leaddesk.domain.queries import LeadFilter
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.services.sla.clock import Clock, ClockState
from leaddesk.services.sla.policy import SlaPolicy
from leaddesk.services.sla.sla_service import QUEUE_STAGES, QueueRow, SlaService
from leaddesk.ui.background import query_pool, run_in_background
from leaddesk.ui.formatting import format_datetime, format_int
from leaddesk.ui.i18n import tr
from leaddesk.ui.widgets.alive import while_alive
from leaddesk.ui.widgets.countdown_delegate import (
    CLOCK_ROLE,
    DUE_ROLE,
    countdown_text,
    due_text,
    state_label,
)

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 22
HOT_ROLE = Qt.ItemDataRole.UserRole + 23
STATE_ROLE = Qt.ItemDataRole.UserRole + 24


@dataclass(frozen=True, slots=True)
class QueueColumn:
    key: str
    header: str
    width: int


def queue_columns() -> list[QueueColumn]:
    return [
        QueueColumn("sla", tr("Queue", "SLA"), 245),
        QueueColumn("lead", tr("Queue", "Lead"), 220),
        QueueColumn("note", tr("Queue", "Note from marketing"), 260),
        QueueColumn("score", tr("Queue", "Score"), 56),
        QueueColumn("owner", tr("Queue", "Sales rep"), 120),
    ]


def subtitle(row: QueueRow) -> str:
    lead = row.lead
    return " · ".join(p for p in (lead.job_title, lead.company, lead.city) if p)


def due_line(row: QueueRow, clock: Clock, now: datetime) -> str:
    """The line under the countdown: when it falls due, and the attempts made so far."""
    text = due_text(clock, now)
    if row.lead.stage == Stage.ACCEPTED and row.attempts:
        text += " · " + tr("Queue", "%n attempt(s)", None, row.attempts)
    return text


class QueueTableModel(QAbstractTableModel):
    #: The first page of a new question arrived.
    loaded = Signal()
    #: The total is known.
    counted = Signal()
    failed = Signal(object)
    #: A tick changed the state (not only the countdown) of these lead ids.
    states_changed = Signal(list)

    PAGE_SIZE = 100

    def __init__(
        self,
        sla: SlaService,
        leads: LeadQueryService,
        now: Callable[[], datetime],
        parent: Any = None,
        *,
        page_size: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._sla = sla
        self._leads = leads
        self._now = now
        self._columns = queue_columns()
        self._keys = [c.key for c in self._columns]
        self._rows: list[QueueRow] = []
        self._clocks: dict[int, Clock] = {}
        self._shown: dict[int, tuple[ClockState, str, str]] = {}
        self._policy: SlaPolicy | None = None
        self._owner_id: int | None = None
        self._text = ""
        self._generation = 0
        self._fetching = False
        self._live = False
        self._total = 0
        self._total_known = False
        self._page_size = page_size or self.PAGE_SIZE

    # --- what to show --------------------------------------------------------------------------------

    @property
    def columns(self) -> list[QueueColumn]:
        return list(self._columns)

    def column_of(self, key: str) -> int:
        return self._keys.index(key)

    @property
    def policy(self) -> SlaPolicy | None:
        return self._policy

    @property
    def owner_id(self) -> int | None:
        return self._owner_id

    @property
    def live(self) -> bool:
        return self._live

    @property
    def total(self) -> int:
        return self._total if self._total_known else len(self._rows)

    @property
    def total_known(self) -> bool:
        return self._total_known

    def now(self) -> datetime:
        return self._now()

    def set_owner(self, owner_id: int | None) -> None:
        self._owner_id = owner_id
        if self._live:
            self.reload()

    def set_text(self, text: str) -> None:
        self._text = text
        if self._live:
            self.reload()

    def _filter(self) -> LeadFilter:
        return LeadFilter(
            text=self._text,
            stages=frozenset(Stage(s) for s in QUEUE_STAGES),
            sales_owner_ids=frozenset({self._owner_id}) if self._owner_id is not None else frozenset(),
        )

    def reload(self) -> None:
        """The first page of the queue and the policy in force (off the GUI thread), then the count."""
        self._live = True
        self._generation += 1
        generation = self._generation
        sla, owner, text, limit = self._sla, self._owner_id, self._text, self._page_size
        self._fetching = True

        def work() -> tuple[list[QueueRow], SlaPolicy]:
            return sla.queue(owner, offset=0, limit=limit, text=text), sla.current_policy()

        run_in_background(
            work,
            on_done=while_alive(self, lambda result: self._first_page(generation, *result)),
            on_error=while_alive(self, lambda exc: self._failed(generation, exc)),
            pool=query_pool(),
        )

    def _first_page(self, generation: int, rows: list[QueueRow], policy: SlaPolicy) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self._policy = policy
        self._clocks.clear()
        self._shown.clear()
        self._update_clocks(rows)
        self._total = len(rows)
        self._total_known = len(rows) < self._page_size
        self._fetching = False
        self.endResetModel()
        self.loaded.emit()
        if self._total_known:
            self.counted.emit()
            return
        leads, flt = self._leads, self._filter()
        run_in_background(
            lambda: leads.count(flt),
            on_done=while_alive(self, lambda total: self._counted(generation, total)),
            on_error=while_alive(self, lambda exc: self._failed(generation, exc)),
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
        sla, owner, text, offset, limit = (
            self._sla,
            self._owner_id,
            self._text,
            len(self._rows),
            self._page_size,
        )
        self._fetching = True
        run_in_background(
            lambda: sla.queue(owner, offset=offset, limit=limit, text=text),
            on_done=while_alive(self, lambda rows: self._more(generation, offset, rows)),
            on_error=while_alive(self, lambda exc: self._failed(generation, exc)),
            pool=query_pool(),
        )

    def _more(self, generation: int, offset: int, rows: list[QueueRow]) -> None:
        if generation != self._generation or offset != len(self._rows):
            return
        self._fetching = False
        if not rows:
            self._total = len(self._rows)
            self._total_known = True
            self.counted.emit()
            return
        self._update_clocks(rows)
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    # --- the countdown -------------------------------------------------------------------------------

    def _update_clocks(self, rows: list[QueueRow]) -> dict[int, Clock]:
        if self._policy is None or not rows:
            return {}
        now = self._now()
        clocks = self._sla.clocks(rows, now, self._policy)
        self._clocks.update(clocks)
        for row in rows:
            clock = clocks.get(row.lead.id)
            if clock is not None:
                self._shown[row.lead.id] = (
                    clock.state,
                    countdown_text(clock, row.paused_until),
                    due_line(row, clock, now),
                )
        return clocks

    def tick(self, first: int = 0, last: int | None = None) -> int:
        """Recompute the clocks of rows `first`..`last` (the visible ones) at `now` and repaint the cells
        that changed. Pure computation, no query. Returns how many rows changed."""
        if not self._rows or self._policy is None:
            return 0
        last = len(self._rows) - 1 if last is None else min(last, len(self._rows) - 1)
        first = max(first, 0)
        if last < first:
            return 0
        rows = self._rows[first : last + 1]
        now = self._now()
        clocks = self._sla.clocks(rows, now, self._policy)
        self._clocks.update(clocks)
        changed: list[int] = []
        moved_state: list[int] = []
        for offset, row in enumerate(rows):
            lead_id = row.lead.id
            clock = clocks.get(lead_id)
            if clock is None:
                continue
            shown = (clock.state, countdown_text(clock, row.paused_until), due_line(row, clock, now))
            before = self._shown.get(lead_id)
            if before != shown:
                self._shown[lead_id] = shown
                changed.append(first + offset)
                if before is not None and before[0] != clock.state:
                    moved_state.append(lead_id)
        if changed:
            sla_column = self.column_of("sla")
            self.dataChanged.emit(
                self.index(changed[0], sla_column),
                self.index(changed[-1], sla_column),
                [Qt.ItemDataRole.DisplayRole, CLOCK_ROLE, DUE_ROLE, STATE_ROLE],
            )
        if moved_state:
            self.states_changed.emit(moved_state)
        return len(changed)

    def clock_of(self, lead_id: int) -> Clock | None:
        return self._clocks.get(lead_id)

    # --- access --------------------------------------------------------------------------------------

    def rows(self) -> list[QueueRow]:
        return list(self._rows)

    def row_at(self, row: int) -> QueueRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, lead_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.lead.id == lead_id), -1)

    def state_counts(self) -> dict[ClockState, int]:
        counts: dict[ClockState, int] = {}
        for clock in self._clocks.values():
            counts[clock.state] = counts.get(clock.state, 0) + 1
        return counts

    # --- Qt model interface --------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        key = self._keys[index.column()]
        if role == ROW_ROLE:
            return row
        clock = self._clocks.get(row.lead.id)
        if role == CLOCK_ROLE:
            return clock
        if role == STATE_ROLE:
            return clock.state if clock else None
        if role == HOT_ROLE:
            return row.sla_rule is not None
        if key == "sla":
            return self._sla_data(row, clock, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text_of(key, row)
        if role == SUBTITLE_ROLE and key == "lead":
            return subtitle(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "note" and row.handoff_note:
                return row.handoff_note
            if key == "lead":
                handed = tr("Queue", "handed off %1").replace("%1", format_datetime(row.lead.handed_off_at))
                bits = [row.lead.campaign_name or "", handed]
                if row.sla_rule:
                    bits.insert(0, tr("Queue", "Priority: %1").replace("%1", row.sla_rule))
                return "\n".join(b for b in bits if b)
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "score":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _sla_data(self, row: QueueRow, clock: Clock | None, role: int) -> Any:
        if clock is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return countdown_text(clock, row.paused_until)
        if role == DUE_ROLE:
            return due_line(row, clock, self._now())
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{state_label(clock.state)} — {format_datetime(clock.due)}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{state_label(clock.state)}, {countdown_text(clock, row.paused_until)}"
        return None

    def _text_of(self, key: str, row: QueueRow) -> str:
        lead = row.lead
        if key == "lead":
            return lead.display_name
        if key == "note":
            return (row.handoff_note or "").replace("\n", " ")
        if key == "score":
            return format_int(lead.score)
        if key == "owner":
            return lead.sales_owner_name or ""
        return ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        return None
