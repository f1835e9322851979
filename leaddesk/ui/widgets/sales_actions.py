"""Every sales move on one lead — accept, return, log a contact, opportunity, won, lost — started from the
queue, the follow-ups, the board or the lead detail, the same way everywhere.

Moves that need input open a non-blocking dialog (its OK runs the service off the GUI thread); accept
runs at once. Each success announces itself through `done(lead_id, message)` and `ctx.notify_changed()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from leaddesk.domain.enums import ActivityKind, Stage
from leaddesk.domain.lifecycle import allowed_actions
from leaddesk.services.pipeline_service import PipelineCard
from leaddesk.services.sla.policy import DEFAULT_REJECT_REASONS
from leaddesk.services.sla.sla_service import QueueRow
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.log_activity_dialog import LogActivityDialog
from leaddesk.ui.dialogs.lost_dialog import LostDialog
from leaddesk.ui.dialogs.opportunity_dialog import OpportunityDialog, WonDialog
from leaddesk.ui.dialogs.reject_dialog import RejectDialog
from leaddesk.ui.errors import show_error
from leaddesk.ui.i18n import tr
from leaddesk.ui.widgets.alive import while_alive

#: Action names, as in the lifecycle table plus "log" (log_activity works in every open sales stage).
LOG = "log"
ASSIGN = "assign"


@dataclass(frozen=True, slots=True)
class LeadRef:
    """What an action needs to know about the lead it acts on."""

    id: int
    name: str
    stage: Stage
    attempts: int = 0
    expected_value: Decimal | None = None
    expected_close_on: date | None = None
    owner_id: int | None = None

    @classmethod
    def of_queue_row(cls, row: QueueRow) -> LeadRef:
        lead = row.lead
        return cls(lead.id, lead.display_name, lead.stage, row.attempts, owner_id=lead.sales_owner_id)

    @classmethod
    def of_card(cls, card: PipelineCard) -> LeadRef:
        return cls(
            card.id,
            card.display_name,
            card.stage,
            card.attempts,
            card.expected_value,
            card.expected_close_on,
            card.sales_owner_id,
        )


def available_actions(stage: Stage) -> set[str]:
    names = {a.name for a in allowed_actions(stage)} & {"accept", "reject", "opportunity", "win", "lose"}
    if stage.is_with_sales:
        names.update((LOG, ASSIGN))
    return names


class SalesActions(QObject):
    #: A move succeeded: the lead and a sentence for the status line.
    done = Signal(int, str)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget,
        *,
        reject_reasons: Callable[[], Sequence[str]] = lambda: DEFAULT_REJECT_REASONS,
        min_attempts: Callable[[], int] = lambda: 0,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._parent = parent
        self._reasons = reject_reasons
        self._min_attempts = min_attempts
        #: The dialog opened last (tests drive it).
        self.dialog: QDialog | None = None

    def _open(self, dialog: Any, ref: LeadRef, message: str) -> Any:
        dialog.succeeded.connect(lambda _result: self.done.emit(ref.id, message))
        dialog.open()
        self.dialog = dialog
        return dialog

    def _refused(self, ref: LeadRef, what: str) -> None:
        from leaddesk.domain.errors import TransitionError
        from leaddesk.ui.formatting import stage_label

        show_error(
            self._parent,
            TransitionError(
                tr("SalesActions", "%1 is %2: it cannot be %3.")
                .replace("%1", ref.name)
                .replace("%2", stage_label(ref.stage).lower())
                .replace("%3", what)
            ),
        )

    def accept(self, ref: LeadRef) -> bool:
        if "accept" not in available_actions(ref.stage):
            self._refused(ref, tr("SalesActions", "accepted"))
            return False
        lifecycle, actor, ctx = self._ctx.services.lifecycle, self._ctx.member_id, self._ctx

        def accepted(_ids: Any) -> None:
            ctx.notify_changed()
            self.done.emit(ref.id, tr("SalesActions", "Accepted %1: now reach them.").replace("%1", ref.name))

        run_in_background(
            lambda: lifecycle.accept([ref.id], actor_id=actor),
            on_done=while_alive(self, accepted),
            on_error=while_alive(self, lambda exc: show_error(self._parent, exc)),
        )
        return True

    def reject(self, ref: LeadRef) -> RejectDialog | None:
        if "reject" not in available_actions(ref.stage):
            self._refused(ref, tr("SalesActions", "returned to marketing"))
            return None
        dialog = RejectDialog(self._ctx, ref.id, ref.name, self._reasons(), self._parent)
        message = tr("SalesActions", "%1 went back to marketing.").replace("%1", ref.name)
        result: RejectDialog = self._open(dialog, ref, message)
        return result

    def log(self, ref: LeadRef, kind: ActivityKind = ActivityKind.CALL) -> LogActivityDialog | None:
        if LOG not in available_actions(ref.stage):
            self._refused(ref, tr("SalesActions", "worked any more"))
            return None
        dialog = LogActivityDialog(
            self._ctx,
            ref.id,
            ref.name,
            kind=kind,
            stage=ref.stage,
            attempts=ref.attempts,
            min_attempts=self._min_attempts(),
            parent=self._parent,
        )
        message = tr("SalesActions", "Logged on %1.").replace("%1", ref.name)
        result: LogActivityDialog = self._open(dialog, ref, message)
        return result

    def opportunity(self, ref: LeadRef) -> OpportunityDialog | None:
        if "opportunity" not in available_actions(ref.stage):
            self._refused(ref, tr("SalesActions", "made an opportunity (reach them first)"))
            return None
        dialog = OpportunityDialog(
            self._ctx,
            ref.id,
            ref.name,
            value=ref.expected_value,
            close_on=ref.expected_close_on,
            parent=self._parent,
        )
        message = tr("SalesActions", "%1 is an opportunity.").replace("%1", ref.name)
        result: OpportunityDialog = self._open(dialog, ref, message)
        return result

    def win(self, ref: LeadRef) -> WonDialog | None:
        if "win" not in available_actions(ref.stage):
            self._refused(ref, tr("SalesActions", "won (make it an opportunity first)"))
            return None
        dialog = WonDialog(self._ctx, ref.id, ref.name, value=ref.expected_value, parent=self._parent)
        message = tr("SalesActions", "Won %1!").replace("%1", ref.name)
        result: WonDialog = self._open(dialog, ref, message)
        return result

    def lose(self, ref: LeadRef) -> LostDialog | None:
        if "lose" not in available_actions(ref.stage):
            self._refused(ref, tr("SalesActions", "closed as lost"))
            return None
        dialog = LostDialog(self._ctx, ref.id, ref.name, self._parent)
        message = tr("SalesActions", "%1 closed as lost.").replace("%1", ref.name)
        result: LostDialog = self._open(dialog, ref, message)
        return result

    def assign(self, ref: LeadRef) -> QDialog | None:
        """Give the lead to another rep (the reps are read off the GUI thread first)."""
        if ASSIGN not in available_actions(ref.stage):
            self._refused(ref, tr("SalesActions", "given to another rep"))
            return None
        from leaddesk.domain.enums import Role
        from leaddesk.ui.dialogs.assign_dialog import AssignDialog

        team = self._ctx.services.team
        opened: list[QDialog] = []

        def chosen(reps: Any) -> None:
            dialog = AssignDialog(self._ctx, ref.id, ref.name, reps, ref.owner_id, self._parent)
            message = tr("SalesActions", "%1 went to another rep.").replace("%1", ref.name)
            opened.append(self._open(dialog, ref, message))

        run_in_background(
            lambda: team.list_members(role=Role.SALES, active_only=True),
            on_done=while_alive(self, chosen),
            on_error=while_alive(self, lambda exc: show_error(self._parent, exc)),
        )
        return opened[0] if opened else None

    def move(self, ref: LeadRef, target: Stage) -> QDialog | None:
        """A card dropped on another board column: the move the lifecycle allows between the two."""
        if target == Stage.OPPORTUNITY:
            return self.opportunity(ref)
        if target == Stage.WON:
            return self.win(ref)
        if target == Stage.LOST:
            return self.lose(ref)
        self._refused(ref, tr("SalesActions", "moved back"))
        return None
