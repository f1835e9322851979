from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, dated_index


class LeadEvent(Base):
    """Append-only history of a lead: every stage move, assignment, contact, merge and edit."""

    __tablename__ = "lead_events"
    __table_args__ = (
        Index("ix_lead_events_lead_at", "lead_id", "at"),
        Index("ix_lead_events_kind_at", "kind", "at"),
        dated_index("ix_lead_events_import_batch_id", "import_batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"))
