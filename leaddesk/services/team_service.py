"""Team members: who they are, their role, whether they are active, and their absences."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import Role
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.records import Absence, MemberRow
from leaddesk.models import MemberAbsence, TeamMember
from leaddesk.models.database import Database


def member_row(member: TeamMember) -> MemberRow:
    return MemberRow(
        id=member.id,
        name=member.name,
        email=member.email,
        role=Role(member.role),
        active=member.active,
        absences=tuple(Absence(a.start_on, a.end_on, a.note) for a in member.absences),
    )


class TeamService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def list_members(self, *, role: Role | None = None, active_only: bool = False) -> list[MemberRow]:
        stmt = select(TeamMember).options(selectinload(TeamMember.absences)).order_by(TeamMember.name)
        if role is not None:
            stmt = stmt.where(TeamMember.role == role.value)
        if active_only:
            stmt = stmt.where(TeamMember.active.is_(True))
        with self._db.reading() as s:
            return [member_row(m) for m in s.scalars(stmt)]

    def get(self, member_id: int) -> MemberRow:
        with self._db.reading() as s:
            member = s.get(TeamMember, member_id, options=[selectinload(TeamMember.absences)])
            if member is None:
                raise NotFoundError(f"Team member #{member_id} does not exist.")
            return member_row(member)

    def find_by_name(self, name: str) -> MemberRow | None:
        with self._db.reading() as s:
            member = s.scalar(
                select(TeamMember)
                .options(selectinload(TeamMember.absences))
                .where(TeamMember.name.ilike(name.strip()))
            )
            return member_row(member) if member else None

    def add_member(self, name: str, role: Role, email: str | None = None) -> MemberRow:
        name = " ".join(name.split())
        if not name:
            raise ValidationError("A team member needs a name.")
        with self._db.writing() as s:
            if s.scalar(select(TeamMember.id).where(TeamMember.name.ilike(name))) is not None:
                raise ValidationError(f"There is already a team member called {name}.")
            member = TeamMember(
                name=name, email=email or None, role=role.value, active=True, created_at=self._clock()
            )
            s.add(member)
            s.flush()
            return member_row(member)

    def update_member(
        self,
        member_id: int,
        *,
        name: str | None = None,
        role: Role | None = None,
        email: str | None = None,
        active: bool | None = None,
    ) -> MemberRow:
        with self._db.writing() as s:
            member = s.get(TeamMember, member_id, options=[selectinload(TeamMember.absences)])
            if member is None:
                raise NotFoundError(f"Team member #{member_id} does not exist.")
            if name is not None:
                clean = " ".join(name.split())
                if not clean:
                    raise ValidationError("A team member needs a name.")
                member.name = clean
            if role is not None:
                member.role = role.value
            if email is not None:
                member.email = email or None
            if active is not None:
                member.active = active
            s.flush()
            return member_row(member)

    def add_absence(self, member_id: int, start: date, end: date, note: str = "") -> MemberRow:
        if end < start:
            raise ValidationError("An absence cannot end before it starts.")
        with self._db.writing() as s:
            member = s.get(TeamMember, member_id, options=[selectinload(TeamMember.absences)])
            if member is None:
                raise NotFoundError(f"Team member #{member_id} does not exist.")
            member.absences.append(MemberAbsence(start_on=start, end_on=end, note=note))
            s.flush()
            return member_row(member)

    def remove_absence(self, member_id: int, start: date) -> MemberRow:
        with self._db.writing() as s:
            member = s.get(TeamMember, member_id, options=[selectinload(TeamMember.absences)])
            if member is None:
                raise NotFoundError(f"Team member #{member_id} does not exist.")
            member.absences = [a for a in member.absences if a.start_on != start]
            s.flush()
            return member_row(member)
