"""Reading leads for views: filtered, sorted pages, counts and one lead's detail — all in SQL.

Views never load the whole table: they ask for a count and for pages of `LeadRow`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select
from sqlalchemy.orm import aliased

from leaddesk.domain.enums import ActivityKind, EventKind, Outcome, Stage
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.fields import PROFILE_FIELD_NAMES
from leaddesk.domain.lifecycle import STAMPED_COLUMNS
from leaddesk.domain.queries import LeadFilter, PageRequest, SortKey
from leaddesk.domain.records import (
    ActivityRow,
    EventRow,
    LeadDetail,
    LeadDraft,
    LeadRow,
    StageCount,
    TouchRow,
)
from leaddesk.models import Activity, Campaign, CampaignTouch, Lead, LeadEvent, TeamMember
from leaddesk.models.database import Database
from leaddesk.models.search import is_broad_match, sqlite_match_expression, text_search_condition

#: The most leads one bulk action on "all matching" takes (one transaction, its ids held in memory).
BULK_LIMIT = 100_000
#: Above this many leads in a score range, the page walks the sort index (see `page`).
BROAD_SCORE = 20_000

MarketingOwner = aliased(TeamMember, name="marketing_owner")
SalesOwner = aliased(TeamMember, name="sales_owner")

_SORT_COLUMNS: dict[SortKey, Any] = {
    SortKey.ID: Lead.id,
    SortKey.NAME: Lead.last_name,
    SortKey.EMAIL: func.lower(Lead.email),
    SortKey.COMPANY: Lead.company,
    SortKey.SCORE: Lead.score,
    SortKey.STAGE: Lead.stage,
    SortKey.CAMPAIGN: Lead.campaign_id,
    SortKey.CREATED: Lead.created_at,
    SortKey.UPDATED: Lead.updated_at,
    SortKey.HANDED_OFF: Lead.handed_off_at,
    SortKey.ACCEPT_DUE: Lead.accept_due_at,
    SortKey.CONTACT_DUE: Lead.contact_due_at,
    SortKey.CITY: Lead.city,
    SortKey.SALES_OWNER: Lead.sales_owner_id,
}

#: Sort columns whose index holds only the leads with a value (`models.base.dated_index`).
_DATED_SORTS = frozenset({SortKey.HANDED_OFF})

_ROW_COLUMNS = (
    Lead.id,
    Lead.first_name,
    Lead.last_name,
    Lead.email,
    Lead.phone,
    Lead.company,
    Lead.job_title,
    Lead.city,
    Lead.country,
    Lead.campaign_id,
    Campaign.name.label("campaign_name"),
    Lead.score,
    Lead.stage,
    MarketingOwner.name.label("marketing_owner_name"),
    Lead.sales_owner_id,
    SalesOwner.name.label("sales_owner_name"),
    Lead.created_at,
    Lead.updated_at,
    Lead.handed_off_at,
    Lead.accept_due_at,
    Lead.contact_due_at,
    Lead.version,
    Lead.reject_reason,
    Lead.reject_note,
    Lead.erased_at,
)


def filter_conditions(
    dialect: str,
    flt: LeadFilter,
    *,
    broad_text: bool = False,
    broad_score: bool = False,
    conn: Connection | None = None,
    text_match: str | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a lead filter; shared by every service that lists leads.

    `broad_text` / `broad_score`: the text or the score range matches many leads (more than
    `models.search.BROAD_SEARCH`): then the page is read along the sort order's index and each lead is
    tested, instead of collecting every match and sorting them. `conn`: the connection the statement
    will run on; given, a text search reads the search index's terms to plan a faster match
    (`text_match`: that plan, when the caller already made it).
    """
    conds: list[ColumnElement[bool]] = [
        Lead.deleted_at.is_not(None) if flt.deleted else Lead.deleted_at.is_(None)
    ]
    if flt.text.strip():
        search = text_search_condition(dialect, flt.text, broad=broad_text, conn=conn, match=text_match)
        if search is not None:
            conds.append(search)  # type: ignore[arg-type]
    if flt.stages:
        conds.append(Lead.stage.in_(sorted(s.value for s in flt.stages)))
    if flt.campaign_ids:
        conds.append(Lead.campaign_id.in_(sorted(flt.campaign_ids)))
    if flt.sales_owner_ids:
        conds.append(Lead.sales_owner_id.in_(sorted(flt.sales_owner_ids)))
    if flt.marketing_owner_ids:
        conds.append(Lead.marketing_owner_id.in_(sorted(flt.marketing_owner_ids)))
    # `score + 0` is the same value, but no index serves it: the planner then walks the sort index.
    score = Lead.score + 0 if broad_score else Lead.score
    if flt.min_score is not None:
        conds.append(score >= flt.min_score)
    if flt.max_score is not None:
        conds.append(score <= flt.max_score)
    if flt.created_from is not None:
        conds.append(Lead.created_at >= flt.created_from)
    if flt.created_to is not None:
        conds.append(Lead.created_at < flt.created_to)
    if flt.ids:
        conds.append(Lead.id.in_(sorted(flt.ids)))
    if flt.import_batch_id is not None:
        conds.append(Lead.import_batch_id == flt.import_batch_id)
    return conds


def lead_row(row: Any) -> LeadRow:
    m = row._mapping
    return LeadRow(
        id=m["id"],
        first_name=m["first_name"],
        last_name=m["last_name"],
        email=m["email"],
        phone=m["phone"],
        company=m["company"],
        job_title=m["job_title"],
        city=m["city"],
        country=m["country"],
        campaign_id=m["campaign_id"],
        campaign_name=m["campaign_name"],
        score=m["score"],
        stage=Stage(m["stage"]),
        marketing_owner_name=m["marketing_owner_name"],
        sales_owner_id=m["sales_owner_id"],
        sales_owner_name=m["sales_owner_name"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        handed_off_at=m["handed_off_at"],
        accept_due_at=m["accept_due_at"],
        contact_due_at=m["contact_due_at"],
        version=m["version"],
        reject_reason=m["reject_reason"],
        reject_note=m["reject_note"],
        erased=m["erased_at"] is not None,
    )


def row_select() -> Select[Any]:
    """SELECT of the `LeadRow` columns with the campaign and owner names joined in."""
    return (
        select(*_ROW_COLUMNS)
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .outerjoin(MarketingOwner, MarketingOwner.id == Lead.marketing_owner_id)
        .outerjoin(SalesOwner, SalesOwner.id == Lead.sales_owner_id)
    )


class LeadQueryService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def count(self, flt: LeadFilter) -> int:
        with self._db.reading() as s:
            conds = filter_conditions(self._db.dialect, flt, conn=s.connection())
            return int(s.scalar(select(func.count()).select_from(Lead).where(*conds)) or 0)

    def page(self, request: PageRequest) -> list[LeadRow]:
        """One page of leads in the requested order; leads without a value for the sort column come last,
        by id (in the sort's direction)."""
        column = _SORT_COLUMNS[request.sort.key]
        by_id = Lead.id.desc() if request.sort.descending else Lead.id.asc()
        by_column = column.desc() if request.sort.descending else column.asc()
        order = [by_column.nulls_last(), by_id]
        if request.sort.key == SortKey.ID:
            order = order[:1]
        flt = request.filter
        with self._db.reading() as s:
            broad_text = broad_score = False
            match = None
            if flt.text.strip():
                if self._db.dialect == "sqlite":
                    match = sqlite_match_expression(flt.text, s.connection())
                    broad_text = match is not None and is_broad_match(s.connection(), match)
            elif (
                flt.min_score is not None or flt.max_score is not None
            ) and request.sort.key != SortKey.SCORE:
                # Counting a score range reads only the score index, and only up to the threshold: cheap,
                # and it tells which plan wins (walking the sort index pays when matches are plentiful).
                in_range = [Lead.deleted_at.is_(None)]
                if flt.min_score is not None:
                    in_range.append(Lead.score >= flt.min_score)
                if flt.max_score is not None:
                    in_range.append(Lead.score <= flt.max_score)
                sample = select(Lead.id).where(*in_range).limit(BROAD_SCORE + 1).subquery()
                broad_score = (s.scalar(select(func.count()).select_from(sample)) or 0) > BROAD_SCORE
            conds = filter_conditions(
                self._db.dialect,
                flt,
                broad_text=broad_text,
                broad_score=broad_score,
                conn=s.connection(),
                text_match=match,
            )

            def rows(where: list[Any], order: list[Any], offset: int, limit: int) -> list[LeadRow]:
                stmt = row_select().where(*where).order_by(*order).offset(offset).limit(limit)
                return [lead_row(r) for r in s.execute(stmt)]

            if request.sort.key not in _DATED_SORTS:
                return rows(conds, order, request.offset, request.limit)
            # The sort index holds only the leads with a value: read those from it, then the rest by id.
            dated = [*conds, column.is_not(None)]
            page = rows(dated, [by_column, by_id], request.offset, request.limit)
            missing = request.limit - len(page)
            if missing > 0:
                skip = 0
                if not page:  # the page starts past the dated leads: skip the undated ones before it
                    counted = s.scalar(select(func.count()).select_from(Lead).where(*dated)) or 0
                    skip = max(0, request.offset - counted)
                page += rows([*conds, column.is_(None)], [by_id], skip, missing)
            return page

    def ids(self, flt: LeadFilter, limit: int = BULK_LIMIT) -> list[int]:
        """Ids of the leads matching a filter (for bulk actions on 'all matching'); a clear error when more
        than `limit` match, rather than acting on some of them."""
        with self._db.reading() as s:
            conds = filter_conditions(self._db.dialect, flt, conn=s.connection())
            ids = list(s.scalars(select(Lead.id).where(*conds).order_by(Lead.id).limit(limit + 1)))
        if len(ids) > limit:
            raise ValidationError(
                f"More than {limit:,} leads match: one action takes at most {limit:,} at a time. "
                "Narrow the filter (by campaign, stage or date) and repeat it."
            )
        return ids

    def stage_counts(self, flt: LeadFilter | None = None) -> list[StageCount]:
        with self._db.reading() as s:
            conds = filter_conditions(self._db.dialect, flt or LeadFilter(), conn=s.connection())
            stmt = select(Lead.stage, func.count()).where(*conds).group_by(Lead.stage)
            counts = {Stage(stage): n for stage, n in s.execute(stmt)}
        return [StageCount(stage, counts.get(stage, 0)) for stage in Stage]

    def detail(self, lead_id: int) -> LeadDetail:
        updater = aliased(TeamMember, name="updater")
        stmt = (
            select(Lead, Campaign.name, MarketingOwner.name, SalesOwner.name, updater.name)
            .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
            .outerjoin(MarketingOwner, MarketingOwner.id == Lead.marketing_owner_id)
            .outerjoin(SalesOwner, SalesOwner.id == Lead.sales_owner_id)
            .outerjoin(updater, updater.id == Lead.updated_by_id)
            .where(Lead.id == lead_id)
        )
        with self._db.reading() as s:
            found = s.execute(stmt).first()
            if found is None:
                raise NotFoundError(f"Lead #{lead_id} does not exist.")
            lead, campaign_name, marketing_name, sales_name, updater_name = found
            profile = LeadDraft(
                **{name: getattr(lead, name) for name in PROFILE_FIELD_NAMES},
                campaign_id=lead.campaign_id,
                marketing_owner_id=lead.marketing_owner_id,
                custom_fields=dict(lead.custom_fields or {}),
            )
            return LeadDetail(
                id=lead.id,
                stage=Stage(lead.stage),
                score=lead.score,
                version=lead.version,
                profile=profile,
                campaign_name=campaign_name,
                marketing_owner_name=marketing_name,
                sales_owner_id=lead.sales_owner_id,
                sales_owner_name=sales_name,
                handoff_note=lead.handoff_note,
                reject_reason=lead.reject_reason,
                lost_reason=lead.close_reason,
                expected_value=lead.expected_value,
                expected_close_on=lead.expected_close_on,
                paused_until=lead.paused_until,
                created_at=lead.created_at,
                updated_at=lead.updated_at,
                updated_by_name=updater_name,
                deleted_at=lead.deleted_at,
                erased_at=lead.erased_at,
                stamps={name: getattr(lead, name) for name in STAMPED_COLUMNS},
            )

    def events(self, lead_id: int) -> list[EventRow]:
        stmt = (
            select(LeadEvent, TeamMember.name)
            .outerjoin(TeamMember, TeamMember.id == LeadEvent.actor_id)
            .where(LeadEvent.lead_id == lead_id)
            .order_by(LeadEvent.at, LeadEvent.id)
        )
        with self._db.reading() as s:
            return [
                EventRow(
                    id=e.id,
                    lead_id=e.lead_id,
                    at=e.at,
                    actor_name=actor,
                    kind=EventKind(e.kind),
                    from_stage=Stage(e.from_stage) if e.from_stage else None,
                    to_stage=Stage(e.to_stage) if e.to_stage else None,
                    reason=e.reason,
                    details=dict(e.details or {}),
                )
                for e, actor in s.execute(stmt)
            ]

    def activities(self, lead_id: int) -> list[ActivityRow]:
        stmt = (
            select(Activity, TeamMember.name)
            .outerjoin(TeamMember, TeamMember.id == Activity.member_id)
            .where(Activity.lead_id == lead_id)
            .order_by(Activity.at.desc(), Activity.id.desc())
        )
        with self._db.reading() as s:
            return [
                ActivityRow(
                    id=a.id,
                    lead_id=a.lead_id,
                    kind=ActivityKind(a.kind),
                    outcome=Outcome(a.outcome),
                    at=a.at,
                    member_name=name,
                    next_step_on=a.next_step_on,
                    callback_at=a.callback_at,
                    note=a.note,
                )
                for a, name in s.execute(stmt)
            ]

    def touches(self, lead_id: int) -> list[TouchRow]:
        stmt = (
            select(CampaignTouch, Campaign.name)
            .outerjoin(Campaign, Campaign.id == CampaignTouch.campaign_id)
            .where(CampaignTouch.lead_id == lead_id)
            .order_by(CampaignTouch.touched_at.desc())
        )
        with self._db.reading() as s:
            return [
                TouchRow(
                    id=t.id,
                    lead_id=t.lead_id,
                    campaign_id=t.campaign_id,
                    campaign_name=name,
                    content=t.content,
                    content_type=t.content_type,
                    touched_at=t.touched_at,
                )
                for t, name in s.execute(stmt)
            ]
