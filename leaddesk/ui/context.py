"""What every page needs: the services, the per-PC settings, and who is using this PC."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from leaddesk.app import Services
from leaddesk.domain.enums import Role
from leaddesk.domain.records import MemberRow
from leaddesk.ui.pc_settings import PcSettings


class AppContext(QObject):
    #: The person using the app changed (MemberRow or None).
    identity_changed = Signal(object)
    #: Something was written; views showing lead data should refresh.
    data_changed = Signal()

    def __init__(self, services: Services, pc: PcSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pc = pc
        self._member: MemberRow | None = None
        member_id = pc.current_member_id(services.db.location)
        if member_id is not None:
            try:
                self._member = services.team.get(member_id)
            except Exception:  # a member deleted on another PC: ask again
                self._member = None

    @property
    def member(self) -> MemberRow | None:
        return self._member

    @property
    def member_id(self) -> int | None:
        return self._member.id if self._member else None

    @property
    def is_manager(self) -> bool:
        return self._member is not None and self._member.role == Role.MANAGER

    def set_member(self, member: MemberRow | None) -> None:
        self._member = member
        self.pc.set_current_member_id(self.services.db.location, member.id if member else None)
        self.identity_changed.emit(member)

    def notify_changed(self) -> None:
        self.data_changed.emit()
