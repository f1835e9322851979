"""Campaigns: the marketing initiatives that produce leads, with their monthly MQL target."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import Channel, EventKind, Stage
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.records import CampaignFigures, CampaignRow, RejectionCount
from leaddesk.models import Campaign, Lead, LeadEvent, TeamMember
from leaddesk.models.database import Database


def _row(c: Campaign, owner_name: str | None) -> CampaignRow:
    return CampaignRow(
        id=c.id,
        name=c.name,
        channel=Channel(c.channel),
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        owner_id=c.owner_id,
        owner_name=owner_name,
        monthly_mql_target=c.monthly_mql_target,
        archived=c.archived,
    )


def find_or_create_campaign(session: Session, name: str, clock: Clock) -> int:
    """The id of the campaign called `name` (case-insensitive), created when missing."""
    clean = " ".join(name.split())
    found = session.scalar(select(Campaign.id).where(Campaign.name.ilike(clean)))
    if found is not None:
        return found
    campaign = Campaign(name=clean, channel=Channel.OTHER.value, monthly_mql_target=0, created_at=clock())
    session.add(campaign)
    session.flush()
    return campaign.id


class CampaignService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def list_campaigns(self, *, include_archived: bool = False) -> list[CampaignRow]:
        stmt = (
            select(Campaign, TeamMember.name)
            .outerjoin(TeamMember, TeamMember.id == Campaign.owner_id)
            .order_by(Campaign.archived, Campaign.starts_on.desc(), Campaign.name)
        )
        if not include_archived:
            stmt = stmt.where(Campaign.archived.is_(False))
        with self._db.reading() as s:
            return [_row(c, owner) for c, owner in s.execute(stmt)]

    def get(self, campaign_id: int) -> CampaignRow:
        with self._db.reading() as s:
            row = s.execute(
                select(Campaign, TeamMember.name)
                .outerjoin(TeamMember, TeamMember.id == Campaign.owner_id)
                .where(Campaign.id == campaign_id)
            ).first()
            if row is None:
                raise NotFoundError(f"Campaign #{campaign_id} does not exist.")
            return _row(row[0], row[1])

    def find_by_name(self, name: str) -> CampaignRow | None:
        with self._db.reading() as s:
            c = s.scalar(select(Campaign).where(Campaign.name.ilike(" ".join(name.split()))))
            return self.get(c.id) if c else None

    def save(
        self,
        *,
        name: str,
        channel: Channel,
        starts_on: date | None = None,
        ends_on: date | None = None,
        owner_id: int | None = None,
        monthly_mql_target: int = 0,
        campaign_id: int | None = None,
    ) -> CampaignRow:
        """Create a campaign, or update the one with `campaign_id`."""
        clean = " ".join(name.split())
        if not clean:
            raise ValidationError("A campaign needs a name.")
        if starts_on and ends_on and ends_on < starts_on:
            raise ValidationError("A campaign cannot end before it starts.")
        if monthly_mql_target < 0:
            raise ValidationError("The monthly MQL target cannot be negative.")
        with self._db.writing() as s:
            clash = s.scalar(select(Campaign.id).where(Campaign.name.ilike(clean)))
            if clash is not None and clash != campaign_id:
                raise ValidationError(f"There is already a campaign called {clean}.")
            if campaign_id is None:
                campaign = Campaign(created_at=self._clock(), archived=False)
                s.add(campaign)
            else:
                found = s.get(Campaign, campaign_id)
                if found is None:
                    raise NotFoundError(f"Campaign #{campaign_id} does not exist.")
                campaign = found
            campaign.name = clean
            campaign.channel = channel.value
            campaign.starts_on = starts_on
            campaign.ends_on = ends_on
            campaign.owner_id = owner_id
            campaign.monthly_mql_target = monthly_mql_target
            s.flush()
            new_id = campaign.id
        return self.get(new_id)

    def set_archived(self, campaign_id: int, archived: bool) -> None:
        with self._db.writing() as s:
            campaign = s.get(Campaign, campaign_id)
            if campaign is None:
                raise NotFoundError(f"Campaign #{campaign_id} does not exist.")
            campaign.archived = archived

    def set_archived_many(self, campaign_ids: list[int], archived: bool) -> None:
        for campaign_id in campaign_ids:
            self.set_archived(campaign_id, archived)

    # --- figures -------------------------------------------------------------------------------------

    def month_start(self, zone: ZoneInfo | None = None) -> datetime:
        """The first instant of the current month in `zone` (UTC by default), as UTC."""
        now = self._clock().astimezone(zone or UTC)
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)

    def figures(self, *, month_start: datetime | None = None) -> dict[int, CampaignFigures]:
        """Every campaign's numbers: leads, MQLs this month against target, and the closed loop (handed
        off, accepted and returned in the lead's current pass, opportunities — open, won, or lost after
        becoming one —, won and the revenue of the won).

        Two GROUP BYs, each answered from a covering index without reading the table: leads per campaign
        and stage (with the opportunity values and the sales pass of handed-off leads), and this month's
        MQLs.
        """
        since = month_start or self.month_start()
        live = Lead.deleted_at.is_(None)
        handed = Lead.handed_off_at.is_not(None)
        by_stage = (
            select(
                Lead.campaign_id,
                Lead.stage,
                func.count(),
                func.count(Lead.expected_value),
                func.sum(Lead.expected_value),
                func.count(case((handed, 1))),
                func.count(case((handed, Lead.accepted_at))),
                func.count(case((handed, Lead.rejected_at))),
            )
            .where(live)
            .group_by(Lead.campaign_id, Lead.stage)
        )
        # Grouped by `campaign_id + 0`: with planner statistics, SQLite would otherwise walk the funnel
        # index for its campaign order and read the table row of every lead (seconds instead of ms).
        campaign = (Lead.campaign_id + 0).label("campaign")
        mql = select(campaign, func.count()).where(live, Lead.mql_at >= since).group_by(campaign)
        with self._db.reading() as s:
            targets = dict(s.execute(select(Campaign.id, Campaign.monthly_mql_target)).all())
        # The scan reads an index entry per lead: the upper half of the campaigns is counted on a second
        # connection meanwhile, so both cores work (the database releases the GIL while it scans).
        ids = sorted(targets)
        split = ids[len(ids) // 2] if len(ids) > 1 else None

        def count(*where: Any) -> list[Any]:
            with self._db.reading() as s:
                return list(s.execute(by_stage.where(*where)).all())

        if split is None:
            stages = count()
            with self._db.reading() as s:
                mqls = dict(s.execute(mql).all())
        else:
            with ThreadPoolExecutor(1) as pool:
                upper = pool.submit(count, Lead.campaign_id >= split)
                stages = count(Lead.campaign_id < split)
                with self._db.reading() as s:
                    mqls = dict(s.execute(mql).all())
                stages += upper.result()
        passes: dict[int, list[int]] = {}
        totals: dict[int, list[Any]] = {}
        for cid, stage, n, with_value, value_sum, handed_n, accepted_n, rejected_n in stages:
            if cid is None:
                continue
            p = passes.setdefault(cid, [0, 0, 0])  # handed off, accepted, returned (current pass)
            p[0] += handed_n
            p[1] += accepted_n
            p[2] += rejected_n
            t = totals.setdefault(cid, [0, 0, 0, Decimal(0)])  # leads, opportunities, won, revenue
            t[0] += n
            if stage in (Stage.OPPORTUNITY.value, Stage.WON.value):
                t[1] += n
            elif stage == Stage.LOST.value:
                t[1] += with_value  # lost after becoming an opportunity (it had a value)
            if stage == Stage.WON.value:
                t[2] += n
                t[3] += Decimal(value_sum or 0)
        found: dict[int, CampaignFigures] = {}
        for cid in set(targets) | set(totals):
            leads, opportunities, won, revenue = totals.get(cid, (0, 0, 0, Decimal(0)))
            handed, accepted, rejected = passes.get(cid, (0, 0, 0))
            found[cid] = CampaignFigures(
                campaign_id=cid,
                leads=int(leads),
                mqls_this_month=int(mqls.get(cid, 0)),
                monthly_target=int(targets.get(cid, 0)),
                handed_off=int(handed),
                accepted=int(accepted),
                rejected=int(rejected),
                opportunities=int(opportunities),
                won=int(won),
                revenue=Decimal(revenue),
            )
        return found

    def rejection_reasons(self, *, since: datetime | None = None) -> list[RejectionCount]:
        """How often sales returned each campaign's leads, per reason (every return, also of leads recycled
        or disqualified since), most frequent first: where targeting goes wrong."""
        stmt = (
            select(Lead.campaign_id, Campaign.name, LeadEvent.reason, func.count())
            .select_from(LeadEvent)
            .join(Lead, Lead.id == LeadEvent.lead_id)
            .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
            .where(LeadEvent.kind == EventKind.REJECTED.value, Lead.deleted_at.is_(None))
            .group_by(Lead.campaign_id, Campaign.name, LeadEvent.reason)
        )
        if since is not None:
            stmt = stmt.where(LeadEvent.at >= since)
        with self._db.reading() as s:
            rows = s.execute(stmt).all()
        counts = [RejectionCount(cid, name, reason or "other", int(n)) for cid, name, reason, n in rows]
        return sorted(counts, key=lambda r: (-r.count, r.campaign_name or "", r.reason))
