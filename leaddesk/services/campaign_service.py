"""Campaigns: the marketing initiatives that produce leads, with their monthly MQL target."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import Channel
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.records import CampaignRow
from leaddesk.models import Campaign, TeamMember
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
