from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, dated_index


class Activity(Base):
    """A call, email or meeting with a lead, and its outcome."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_lead_at", "lead_id", "at"),
        dated_index("ix_activities_import_batch_id", "import_batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))
    next_step_on: Mapped[date | None] = mapped_column(Date)
    callback_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"))
