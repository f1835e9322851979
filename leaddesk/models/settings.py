from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base


class TeamSetting(Base):
    """Team-wide settings shared by every PC (calendar, scoring rules, reasons, retention...)."""

    __tablename__ = "team_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))


class SlaPolicyVersion(Base):
    """One version of the SLA policy; a period is judged by the version in force then."""

    __tablename__ = "sla_policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[datetime] = mapped_column(index=True)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))


class SlaNotification(Base):
    """A desktop notification already fired, so each lead and clock state notifies once."""

    __tablename__ = "sla_notifications"
    __table_args__ = (UniqueConstraint("lead_id", "clock", "state", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    clock: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="CASCADE"))
    notified_at: Mapped[datetime]


class SavedFilter(Base):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("area", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="CASCADE"))
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class AppMeta(Base):
    """Marks a database as LeadDesk's (`application = leaddesk`), so foreign databases are refused."""

    __tablename__ = "leaddesk_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
