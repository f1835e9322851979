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

from PySide6.QtCore import QModelIndex, Qt, Signal

from leaddesk.domain.enums import Stage
from leaddesk.domain.queries import LeadFilter
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.services.sla.clock import Clock, ClockState
from leaddesk.services.sla.policy import SlaPolicy
from leaddesk.services.sla.sla_service import QUEUE_STAGES, QueueRow, SlaService
from leaddesk.ui.formatting import format_datetime, format_int
from leaddesk.ui.i18n import tr
from leaddesk.ui.table_models.paged_model import Index, PagedTableModel
from leaddesk.ui.widgets.countdown_delegate import (
    CLOCK_ROLE,
    DUE_ROLE,
    countdown_text,
    due_text,
    state_label,
)

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
        text += " · " + tr("Queue", "%Ln attempt(s)", None, row.attempts)
    return text


class QueueTableModel(PagedTableModel):
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
        super().__init__(parent, page_size=page_size)
        self._sla = sla
        self._leads = leads
        self._now = now
        self._columns = queue_columns()
        self._keys = [c.key for c in self._columns]
        self._clocks: dict[int, Clock] = {}
        self._shown: dict[int, tuple[ClockState, str, str]] = {}
        self._policy: SlaPolicy | None = None
        self._owner_id: int | None = None
        self._text = ""

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

    def _first_work(self, limit: int) -> Callable[[], tuple[list[QueueRow], SlaPolicy]]:
        """The first page of the queue and the policy in force."""
        sla, owner, text = self._sla, self._owner_id, self._text
        return lambda: (sla.queue(owner, offset=0, limit=limit, text=text), sla.current_policy())

    def _take_first(self, result: tuple[list[QueueRow], SlaPolicy]) -> list[QueueRow]:
        rows, self._policy = result
        self._clocks.clear()
        self._shown.clear()
        self._update_clocks(rows)
        return rows

    def _page_work(self, offset: int, limit: int) -> Callable[[], list[QueueRow]]:
        sla, owner, text = self._sla, self._owner_id, self._text
        return lambda: sla.queue(owner, offset=offset, limit=limit, text=text)

    def _count_work(self) -> Callable[[], int]:
        leads, flt = self._leads, self._filter()
        return lambda: leads.count(flt)

    def _rows_arriving(self, rows: list[QueueRow]) -> None:
        self._update_clocks(rows)

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

    def row_of(self, lead_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.lead.id == lead_id), -1)

    def state_counts(self) -> dict[ClockState, int]:
        counts: dict[ClockState, int] = {}
        for clock in self._clocks.values():
            counts[clock.state] = counts.get(clock.state, 0) + 1
        return counts

    # --- Qt model interface --------------------------------------------------------------------------

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
