"""Campaign figures on a real database: volume, MQLs this month against target, the closed loop per
campaign and the reasons sales returned each campaign's leads."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, Channel, Outcome, RejectReason, Role
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database


def test_figures_follow_leads_through_the_funnel(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    giulia = svc.team.add_member("Giulia", Role.MARKETING)
    rep = svc.team.add_member("Marco", Role.SALES)
    fiera = svc.campaigns.save(name="Fiera", channel=Channel.EVENT, owner_id=giulia.id, monthly_mql_target=4)
    ads = svc.campaigns.save(name="Ads", channel=Channel.ADS, starts_on=date(2026, 1, 1))
    empty = svc.campaigns.save(name="Vuota", channel=Channel.EMAIL, monthly_mql_target=10)

    def lead(i: int, campaign: int) -> int:
        return svc.lifecycle.create_lead(LeadDraft(email=f"l{i}@x.it", campaign_id=campaign))

    f = [lead(i, fiera.id) for i in range(6)]
    a = [lead(10 + i, ads.id) for i in range(3)]
    # Last month's MQL does not count this month.
    svc.lifecycle.qualify([f[5]], at=clock() - timedelta(days=20))
    svc.lifecycle.handoff(f[:4], owner_id=rep.id)
    svc.lifecycle.handoff(a[:2], owner_id=rep.id)
    svc.lifecycle.reject(f[0], reason=RejectReason.NOT_IN_TARGET.value)
    svc.lifecycle.reject(a[0], reason=RejectReason.NOT_IN_TARGET.value)
    svc.lifecycle.reject(a[1], reason=RejectReason.BAD_DATA.value)
    svc.lifecycle.recycle([a[1]], note="nurture")
    svc.lifecycle.accept(f[1:4])
    for lead_id in f[1:3]:
        svc.lifecycle.log_activity(lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED)
        svc.lifecycle.to_opportunity(lead_id, expected_value=Decimal(5000), expected_close_on=None)
    svc.lifecycle.win(f[1], value=Decimal("7500.50"))
    svc.lifecycle.lose(f[2], reason="price")
    svc.lifecycle.delete_leads([f[4]])  # the trash does not count

    figures = svc.campaigns.figures()
    fi = figures[fiera.id]
    assert (fi.leads, fi.mqls_this_month, fi.monthly_target) == (5, 4, 4)
    assert (fi.handed_off, fi.accepted, fi.rejected, fi.opportunities, fi.won) == (4, 3, 1, 2, 1)
    assert fi.revenue == Decimal("7500.50")
    assert fi.target_share == 1.0 and fi.acceptance_rate == 0.75 and fi.win_rate == 0.25
    ad = figures[ads.id]
    # The recycled lead starts a new pass: its return no longer counts in the current figures...
    assert (ad.leads, ad.handed_off, ad.rejected, ad.accepted, ad.won) == (3, 1, 1, 0, 0)
    assert figures[empty.id].leads == 0 and figures[empty.id].target_share == 0.0
    # ...but every return counts in the reasons per campaign, where targeting problems show.
    reasons = {(r.campaign_name, r.reason): r.count for r in svc.campaigns.rejection_reasons()}
    assert reasons == {("Fiera", "not_in_target"): 1, ("Ads", "not_in_target"): 1, ("Ads", "bad_data"): 1}
    assert svc.campaigns.rejection_reasons(since=clock() + timedelta(days=1)) == []


def test_campaigns_are_created_edited_and_archived(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    c = svc.campaigns.save(name="  Webinar   Marzo ", channel=Channel.WEBINAR, monthly_mql_target=12)
    assert c.name == "Webinar Marzo"
    c2 = svc.campaigns.save(campaign_id=c.id, name="Webinar Aprile", channel=Channel.WEBINAR)
    assert c2.id == c.id and c2.monthly_mql_target == 0
    with pytest.raises(ValidationError, match="already"):
        svc.campaigns.save(name="webinar aprile", channel=Channel.EMAIL)
    with pytest.raises(ValidationError, match="end before"):
        svc.campaigns.save(
            name="X", channel=Channel.EMAIL, starts_on=date(2026, 3, 1), ends_on=date(2026, 2, 1)
        )
    svc.campaigns.set_archived(c.id, True)
    assert svc.campaigns.list_campaigns() == []
    assert svc.campaigns.list_campaigns(include_archived=True)[0].archived


def _figures_by_scan(db: Database, svc) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The reference: every live lead read into Python and counted by hand."""
    from leaddesk.domain.records import CampaignFigures
    from leaddesk.models import Campaign, Lead

    since = svc.campaigns.month_start()
    with db.reading() as s:
        targets = {c.id: c.monthly_mql_target for c in s.scalars(select(Campaign))}
        leads = list(s.scalars(select(Lead).where(Lead.deleted_at.is_(None))))
        found = {}
        for cid in set(targets) | {lead.campaign_id for lead in leads if lead.campaign_id}:
            mine = [lead for lead in leads if lead.campaign_id == cid]
            won = [lead for lead in mine if lead.stage == "won"]
            found[cid] = CampaignFigures(
                campaign_id=cid,
                leads=len(mine),
                mqls_this_month=sum(1 for lead in mine if lead.mql_at and lead.mql_at >= since),
                monthly_target=targets.get(cid, 0),
                handed_off=sum(1 for lead in mine if lead.handed_off_at),
                accepted=sum(1 for lead in mine if lead.handed_off_at and lead.accepted_at),
                rejected=sum(1 for lead in mine if lead.handed_off_at and lead.rejected_at),
                opportunities=sum(
                    1
                    for lead in mine
                    if lead.stage in ("opportunity", "won")
                    or (lead.stage == "lost" and lead.expected_value is not None)
                ),
                won=len(won),
                revenue=sum((lead.expected_value or Decimal(0) for lead in won), Decimal(0)),
            )
        return found


def test_figures_match_a_hand_count_after_every_kind_of_change(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    rep = svc.team.add_member("Marco", Role.SALES)
    a = svc.campaigns.save(name="A", channel=Channel.EVENT, monthly_mql_target=3)
    b = svc.campaigns.save(name="B", channel=Channel.ADS)
    ids = [
        svc.lifecycle.create_lead(LeadDraft(email=f"t{i}@x.it", campaign_id=(a.id, b.id)[i % 2]))
        for i in range(8)
    ]
    assert svc.campaigns.figures() == _figures_by_scan(db, svc)  # built
    svc.lifecycle.handoff(ids[:6], owner_id=rep.id)
    svc.lifecycle.accept(ids[:4])
    svc.lifecycle.reject(ids[4], reason=RejectReason.DUPLICATE.value)
    for lead_id in ids[:2]:
        svc.lifecycle.log_activity(lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED)
        svc.lifecycle.to_opportunity(lead_id, expected_value=Decimal(1000), expected_close_on=None)
    svc.lifecycle.win(ids[0], value=Decimal(2500))
    assert svc.campaigns.figures() == _figures_by_scan(db, svc)  # refreshed from the events
    svc.lifecycle.delete_leads([ids[0], ids[7]])
    svc.lifecycle.update_lead(
        ids[6], {"campaign_id": a.id}, expected_version=svc.leads.detail(ids[6]).version
    )
    svc.lifecycle.recycle([ids[4]], note="x")
    svc.lifecycle.create_lead(LeadDraft(email="late@x.it", campaign_id=b.id))
    assert svc.campaigns.figures() == _figures_by_scan(db, svc)
    svc.lifecycle.restore_leads([ids[0]])
    svc.privacy.erase(ids[1])
    figures = svc.campaigns.figures()
    assert figures == _figures_by_scan(db, svc)
    assert figures[a.id].won == 1 and figures[a.id].revenue == Decimal(2500)
    # A lead removed outright (an import undone) is gone from the figures too.
    from leaddesk.models import Lead

    with db.writing() as s:
        s.delete(s.get(Lead, ids[3]))
    assert svc.campaigns.figures() == _figures_by_scan(db, svc)
