"""Initial schema: team, campaigns, leads with history, imports, SLA and reports.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 12:00:50.867347
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from leaddesk.models.search import create_search_index, drop_search_index

# Migrations keep their own copy of column types, so later model changes never rewrite history.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
LIVE = "deleted_at IS NULL"
TRASHED = "deleted_at IS NOT NULL"


def _where(condition: str) -> dict[str, sa.TextClause]:
    """A partial index's WHERE, the same on SQLite and PostgreSQL."""
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def _live() -> dict[str, sa.TextClause]:
    """The WHERE of an index that leaves out trashed leads."""
    return _where(LIVE)


def _dated(column: str, *, live: bool = False) -> dict[str, sa.TextClause]:
    """The WHERE of an index that leaves out the rows where `column` is empty (and trashed leads)."""
    return _where(f"{LIVE} AND {column} IS NOT NULL" if live else f"{column} IS NOT NULL")


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_presets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("headers_signature", sa.String(length=64), nullable=False),
        sa.Column("mapping", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_presets")),
        sa.UniqueConstraint("name", name=op.f("uq_import_presets_name")),
    )
    with op.batch_alter_table("import_presets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_presets_headers_signature"), ["headers_signature"], unique=False
        )

    op.create_table(
        "leaddesk_meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_leaddesk_meta")),
    )
    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("name", name=op.f("uq_team_members_name")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_role"), ["role"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("monthly_mql_target", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["team_members.id"],
            name=op.f("fk_campaigns_owner_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "meeting_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("filters", JSON_TYPE, nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["team_members.id"],
            name=op.f("fk_meeting_reports_created_by_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_reports")),
    )
    with op.batch_alter_table("meeting_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_reports_period_start"), ["period_start"], unique=False)

    op.create_table(
        "member_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_members.id"],
            name=op.f("fk_member_absences_member_id_team_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_absences")),
    )
    with op.batch_alter_table("member_absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_absences_member_id"), ["member_id"], unique=False)

    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("body", JSON_TYPE, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["team_members.id"],
            name=op.f("fk_saved_filters_owner_id_team_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("area", "name", name=op.f("uq_saved_filters_area")),
    )
    op.create_table(
        "sla_policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["team_members.id"],
            name=op.f("fk_sla_policy_versions_created_by_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy_versions")),
    )
    with op.batch_alter_table("sla_policy_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sla_policy_versions_effective_from"), ["effective_from"], unique=False
        )

    op.create_table(
        "team_settings",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", JSON_TYPE, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["team_members.id"],
            name=op.f("fk_team_settings_updated_by_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_team_settings")),
    )
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["carried_from_id"],
            ["action_items.id"],
            name=op.f("fk_action_items_carried_from_id_action_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["team_members.id"],
            name=op.f("fk_action_items_owner_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["meeting_reports.id"],
            name=op.f("fk_action_items_report_id_meeting_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_items_report_id"), ["report_id"], unique=False)

    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sheet", sa.String(length=200), nullable=True),
        sa.Column("mapping", JSON_TYPE, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_policy", sa.String(length=20), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("errors", JSON_TYPE, nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_import_batches_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_members.id"],
            name=op.f("fk_import_batches_member_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["team_members.id"],
            name=op.f("fk_import_batches_undone_by_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batches_sha256"), ["sha256"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("job_title", sa.String(length=150), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("company_size", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=60), nullable=True),
        sa.Column("province", sa.String(length=60), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("name_company_key", sa.String(length=300), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("custom_fields", JSON_TYPE, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("marketing_owner_id", sa.Integer(), nullable=True),
        sa.Column("sales_owner_id", sa.Integer(), nullable=True),
        sa.Column("handoff_note", sa.Text(), nullable=True),
        sa.Column("reject_reason", sa.String(length=40), nullable=True),
        sa.Column("reject_note", sa.Text(), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=True),
        sa.Column("expected_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("expected_close_on", sa.Date(), nullable=True),
        sa.Column("mql_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accept_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accept_risk_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_risk_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_rule", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_leads_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_leads_import_batch_id_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["marketing_owner_id"],
            ["team_members.id"],
            name=op.f("fk_leads_marketing_owner_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sales_owner_id"],
            ["team_members.id"],
            name=op.f("fk_leads_sales_owner_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["team_members.id"],
            name=op.f("fk_leads_updated_by_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leads_board",
            [
                "stage",
                "closed_at",
                "sales_owner_id",
                "expected_value",
                "deleted_at",
                "campaign_id",
                "close_reason",
            ],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_campaign_funnel",
            [
                "campaign_id",
                "stage",
                "expected_value",
                "handed_off_at",
                "accepted_at",
                "rejected_at",
                "deleted_at",
            ],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_city",
            ["city"],
            unique=False,
            **_live(),
        )
        batch_op.create_index("ix_leads_closed_at", ["closed_at"], unique=False, **_dated("closed_at"))
        batch_op.create_index(
            "ix_leads_company",
            ["company"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_created_at",
            ["created_at"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_import_batch_id", ["import_batch_id"], unique=False, **_dated("import_batch_id")
        )
        batch_op.create_index(
            "ix_leads_last_name",
            ["last_name"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_marketing_owner_id",
            ["marketing_owner_id"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_mql_period",
            ["mql_at", "campaign_id", "deleted_at"],
            unique=False,
            **_dated("mql_at", live=True),
        )
        batch_op.create_index(batch_op.f("ix_leads_name_company_key"), ["name_company_key"], unique=False)
        batch_op.create_index(
            "ix_leads_next_step_on", ["next_step_on"], unique=False, **_dated("next_step_on", live=True)
        )
        batch_op.create_index(batch_op.f("ix_leads_phone"), ["phone"], unique=False)
        batch_op.create_index(
            "ix_leads_sales_owner_id_stage_created_at",
            ["sales_owner_id", "stage", "created_at"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_score",
            ["score"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_sla_period",
            [
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
            ],
            unique=False,
            **_dated("handed_off_at", live=True),
        )
        batch_op.create_index(
            "ix_leads_stage_accept_due_at",
            ["stage", "accept_due_at"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_stage_contact_due_at",
            ["stage", "contact_due_at"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_stage_created_at",
            ["stage", "created_at"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_campaign_id_created_at",
            ["campaign_id", "created_at"],
            unique=False,
            **_live(),
        )
        batch_op.create_index(
            "ix_leads_trash",
            ["deleted_at"],
            unique=False,
            sqlite_where=sa.text(TRASHED),
            postgresql_where=sa.text(TRASHED),
        )
        batch_op.create_index(
            "ix_leads_updated_at",
            ["updated_at"],
            unique=False,
            **_live(),
        )

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_activities_import_batch_id_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_activities_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_members.id"],
            name=op.f("fk_activities_member_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_activities_import_batch_id", ["import_batch_id"], unique=False, **_dated("import_batch_id")
        )
        batch_op.create_index("ix_activities_lead_at", ["lead_id", "at"], unique=False)

    op.create_table(
        "campaign_touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=True),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_touches_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_campaign_touches_import_batch_id_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_campaign_touches_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_touches")),
    )
    with op.batch_alter_table("campaign_touches", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_touches_campaign_at", ["campaign_id", "touched_at"], unique=False)
        batch_op.create_index(
            "ix_campaign_touches_import_batch_id",
            ["import_batch_id"],
            unique=False,
            **_dated("import_batch_id"),
        )
        batch_op.create_index(batch_op.f("ix_campaign_touches_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "import_batch_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("before", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_batch_changes_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_import_batch_changes_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch_changes")),
    )
    with op.batch_alter_table("import_batch_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_changes_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_batch_changes_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("details", JSON_TYPE, nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["team_members.id"],
            name=op.f("fk_lead_events_actor_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_lead_events_import_batch_id_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_events_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_events")),
    )
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lead_events_import_batch_id", ["import_batch_id"], unique=False, **_dated("import_batch_id")
        )
        batch_op.create_index("ix_lead_events_kind_at", ["kind", "at"], unique=False)
        batch_op.create_index("ix_lead_events_lead_at", ["lead_id", "at"], unique=False)

    op.create_table(
        "sla_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_sla_notifications_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_members.id"],
            name=op.f("fk_sla_notifications_member_id_team_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notifications")),
        sa.UniqueConstraint(
            "lead_id", "clock", "state", "member_id", name=op.f("uq_sla_notifications_lead_id")
        ),
    )
    with op.batch_alter_table("sla_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_notifications_lead_id"), ["lead_id"], unique=False)
    op.create_index("ix_leads_email_lower", "leads", [sa.text("lower(email)")])
    create_search_index(op.get_bind())
    op.bulk_insert(
        sa.table("leaddesk_meta", sa.column("key", sa.String), sa.column("value", sa.String)),
        [{"key": "application", "value": "leaddesk"}],
    )


def downgrade() -> None:
    drop_search_index(op.get_bind())
    op.drop_index("ix_leads_email_lower", table_name="leads")
    with op.batch_alter_table("sla_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_notifications_lead_id"))

    op.drop_table("sla_notifications")
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_events_lead_at")
        batch_op.drop_index("ix_lead_events_kind_at")
        batch_op.drop_index(batch_op.f("ix_lead_events_import_batch_id"))

    op.drop_table("lead_events")
    with op.batch_alter_table("import_batch_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_changes_lead_id"))
        batch_op.drop_index(batch_op.f("ix_import_batch_changes_batch_id"))

    op.drop_table("import_batch_changes")
    with op.batch_alter_table("campaign_touches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_touches_lead_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_touches_import_batch_id"))
        batch_op.drop_index("ix_campaign_touches_campaign_at")

    op.drop_table("campaign_touches")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_lead_at")
        batch_op.drop_index(batch_op.f("ix_activities_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_activities_at"))

    op.drop_table("activities")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_updated_at", **_live())
        batch_op.drop_index(
            "ix_leads_trash", sqlite_where=sa.text(TRASHED), postgresql_where=sa.text(TRASHED)
        )
        batch_op.drop_index("ix_leads_campaign_id_created_at", **_live())
        batch_op.drop_index("ix_leads_stage_created_at", **_live())
        batch_op.drop_index("ix_leads_stage_contact_due_at", **_live())
        batch_op.drop_index("ix_leads_stage_accept_due_at", **_live())
        batch_op.drop_index("ix_leads_sla_period", **_live())
        batch_op.drop_index("ix_leads_score", **_live())
        batch_op.drop_index(
            "ix_leads_sales_owner_id_stage_created_at",
            **_live(),
        )
        batch_op.drop_index(batch_op.f("ix_leads_phone"))
        batch_op.drop_index("ix_leads_next_step_on", **_live())
        batch_op.drop_index(batch_op.f("ix_leads_name_company_key"))
        batch_op.drop_index("ix_leads_mql_period", **_live())
        batch_op.drop_index("ix_leads_marketing_owner_id", **_live())
        batch_op.drop_index("ix_leads_last_name", **_live())
        batch_op.drop_index(batch_op.f("ix_leads_import_batch_id"))
        batch_op.drop_index("ix_leads_created_at", **_live())
        batch_op.drop_index("ix_leads_company", **_live())
        batch_op.drop_index(batch_op.f("ix_leads_closed_at"))
        batch_op.drop_index("ix_leads_city", **_live())
        batch_op.drop_index("ix_leads_campaign_funnel", **_live())
        batch_op.drop_index("ix_leads_board", **_live())

    op.drop_table("leads")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_sha256"))

    op.drop_table("import_batches")
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_items_report_id"))

    op.drop_table("action_items")
    op.drop_table("team_settings")
    with op.batch_alter_table("sla_policy_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_policy_versions_effective_from"))

    op.drop_table("sla_policy_versions")
    op.drop_table("saved_filters")
    with op.batch_alter_table("member_absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_absences_member_id"))

    op.drop_table("member_absences")
    with op.batch_alter_table("meeting_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_reports_period_start"))

    op.drop_table("meeting_reports")
    op.drop_table("campaigns")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_role"))

    op.drop_table("team_members")
    op.drop_table("leaddesk_meta")
    with op.batch_alter_table("import_presets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_presets_headers_signature"))

    op.drop_table("import_presets")
