from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, dated_index, partial_index

LIVE = "deleted_at IS NULL"
TRASHED = "deleted_at IS NOT NULL"


def _live_index(name: str, *columns: str, dated: str | None = None) -> Index:
    """An index of live leads; `dated`: only those where that column is set (see `dated_index`)."""
    return partial_index(name, *columns, where=f"{LIVE} AND {dated} IS NOT NULL" if dated else LIVE)


class Lead(Base):
    """One person (and company) who might buy. One row, one owner at a time.

    The `*_at` stage columns are denormalised copies of `LeadEvent` timestamps, written by the lifecycle
    service in the same transaction as their event. The `*_due_at` / `*_risk_at` columns are the SLA
    service's cache of the current clocks, recomputed whenever the policy, the calendar or the history
    changes.
    """

    __tablename__ = "leads"
    __table_args__ = (
        # The indexes behind the lists, sorts and filters cover live leads only: every list query says
        # `deleted_at IS NULL`, so counts and range filters are answered from the index alone.
        *(
            _live_index(f"ix_leads_{'_'.join(columns)}", *columns)
            for columns in (
                ("last_name",),
                ("company",),
                ("city",),
                ("score",),
                ("created_at",),
                ("updated_at",),
                ("marketing_owner_id",),
                # (a rep's leads of one stage, newest first, from this index alone: without the date,
                # SQLite walked the stage's date index looking for the rep, 1.4 s when he had none)
                ("sales_owner_id", "stage", "created_at"),
                ("stage", "contact_due_at"),
                ("stage", "accept_due_at"),
                # A stage's leads, newest first (the lists' default order), read in order: SQLite's
                # statistics hold one average per column, so without this it walked the date index
                # past the other stages (127 ms for the MQLs of 1M leads) or sorted all of a stage.
                ("stage", "created_at"),
                # A campaign's leads, newest first (its 25,000 of 1M leads were read and sorted: 78 ms).
                ("campaign_id", "created_at"),
            )
        ),
        _live_index("ix_leads_next_step_on", "next_step_on", dated="next_step_on"),
        # Period figures read every handoff of a month from these two indexes alone (no table reads;
        # `deleted_at` is listed so SQLite sees the index as covering).
        _live_index(
            "ix_leads_sla_period",
            "handed_off_at",
            "accept_due_at",
            "accepted_at",
            "rejected_at",
            "reject_reason",
            "first_contact_at",
            "contact_due_at",
            "paused_until",
            "campaign_id",
            "sales_owner_id",
            "deleted_at",
            dated="handed_off_at",
        ),
        _live_index("ix_leads_mql_period", "mql_at", "campaign_id", "deleted_at", dated="mql_at"),
        # The campaigns panel counts leads per campaign and stage, with opportunity values and the sales
        # pass (handed off, accepted, returned), in one scan of this index; it also serves the campaign
        # filter of the lists.
        _live_index(
            "ix_leads_campaign_funnel",
            "campaign_id",
            "stage",
            "expected_value",
            "handed_off_at",
            "accepted_at",
            "rejected_at",
            "deleted_at",
        ),
        # The pipeline board's column counts and values: open stages by stage, won and lost by stage and
        # close date, for everyone or one rep; and the deals a period closed per campaign and reason (the
        # dashboard and the report). All from the index alone: reading each closed lead's row took 300 ms
        # for a quarter of a million-lead database.
        _live_index(
            "ix_leads_board",
            "stage",
            "closed_at",
            "sales_owner_id",
            "expected_value",
            "deleted_at",
            "campaign_id",
            "close_reason",
        ),
        # The trash is listed from its own partial index. A plain index on `deleted_at` would tempt
        # SQLite's planner (without ANALYZE statistics) away from the covering indexes above.
        partial_index("ix_leads_trash", "deleted_at", where=TRASHED),
        dated_index("ix_leads_closed_at", "closed_at"),
        dated_index("ix_leads_import_batch_id", "import_batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Person
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    job_title: Mapped[str | None] = mapped_column(String(150))
    # Company
    company: Mapped[str | None] = mapped_column(String(200))
    company_size: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(60))
    province: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(100))
    #: Normalised "name|company" used to find duplicates when there is no email or phone.
    name_company_key: Mapped[str | None] = mapped_column(String(300), index=True)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # Funnel
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(20), default="new")
    marketing_owner_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))
    sales_owner_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))
    handoff_note: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(String(40))
    reject_note: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(String(200))
    expected_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expected_close_on: Mapped[date | None] = mapped_column(Date)

    # Stage timestamps (copies of event times)
    mql_at: Mapped[datetime | None]
    handed_off_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    first_contact_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    # SLA clock cache and follow-up
    accept_due_at: Mapped[datetime | None]
    accept_risk_at: Mapped[datetime | None]
    contact_due_at: Mapped[datetime | None]
    contact_risk_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    sla_rule: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None]
    next_step_on: Mapped[date | None] = mapped_column(Date)

    # Bookkeeping
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column()
    erased_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


# Duplicate detection and search compare emails case-insensitively.
Index("ix_leads_email_lower", func.lower(Lead.email))
