"""Realistic demo data, written through the real lifecycle service so history and stamps agree."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from leaddesk.domain.clock import Clock, FixedClock, system_clock
from leaddesk.domain.enums import ActivityKind, Channel, LostReason, Outcome, RejectReason, Role
from leaddesk.domain.errors import UserError, ValidationError
from leaddesk.domain.identity import fold
from leaddesk.domain.records import LeadDraft
from leaddesk.models import Campaign, Lead, SlaPolicyVersion, TeamMember
from leaddesk.models.database import Database
from leaddesk.services import demo_data as data
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.lifecycle_service import LifecycleService
from leaddesk.services.sla.policy import SlaPolicy

Progress = Callable[[int, int], None]
ShouldCancel = Callable[[], bool]
DEMO_ZONE = ZoneInfo("Europe/Rome")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The demo team's SLA: Rome office hours and Italian holidays, the default targets.
DEMO_POLICY = SlaPolicy(calendar=BusinessCalendar.default("Europe/Rome"))
#: The tightest targets (the hot-lead rule).
_HOT = min(DEMO_POLICY.rules, key=lambda rule: rule.accept_within_hours)


def _still_waiting(
    rng: random.Random, since: datetime, now: datetime, hot_hours: float, target_hours: float
) -> bool:
    """Whether a lead handed off at `since` still waits for sales (to accept it, or to reach it) at `now`.

    Counted in business hours, so a demo made on a Saturday or a Monday morning shows Friday's last
    handoffs waiting in time rather than a queue of nothing but breaches: mostly those within the hot-lead
    target, often those within the normal target, and rarely older ones (the breaches the meeting
    discusses)."""
    hours = DEMO_POLICY.calendar.business_seconds_between(since, now) / 3600
    if hours < hot_hours:
        chance = 0.9
    elif hours < target_hours:
        chance = 0.6
    elif now - since < timedelta(days=7):
        chance = 0.01
    else:
        return False
    return rng.random() < chance


class DemoCancelled(UserError):
    pass


@dataclass(frozen=True, slots=True)
class DemoSummary:
    leads: int
    campaigns: int
    members: int


class _Timeline:
    """Moves a lead's own clock forward through office hours, never past 'now'."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now

    def office(self, t: datetime) -> datetime:
        local = t.astimezone(DEMO_ZONE)
        while local.weekday() >= 5 or not 9 <= local.hour < 18:
            local = (local + timedelta(days=1)).replace(hour=9, minute=self.rng.randint(0, 59))
            if local.weekday() < 5:
                break
        return local.astimezone(t.tzinfo)

    def after(self, t: datetime, min_hours: float, max_hours: float) -> datetime | None:
        later = self.office(t + timedelta(hours=self.rng.uniform(min_hours, max_hours)))
        return later if later <= self.now else None


class DemoService:
    def __init__(self, db: Database, lifecycle: LifecycleService, clock: Clock = system_clock) -> None:
        self._db = db
        self._lifecycle = lifecycle
        self._clock = clock

    def generate(
        self,
        leads: int = 1500,
        *,
        seed: int = 2026,
        months: int = 6,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> DemoSummary:
        """Fill an empty database with a team, campaigns and `leads` leads with months of history.

        One transaction: cancelling (or a crash) leaves the database as it was.
        """
        if leads < 1 or leads > 2_000_000:
            raise ValidationError("The number of demo leads must be between 1 and 2,000,000.")
        with self._db.reading() as s:
            if s.scalar(select(func.count()).select_from(Lead)):
                raise ValidationError("This database already holds leads; demo data goes into an empty one.")
        rng = random.Random(seed)
        now = self._clock()
        start = now - timedelta(days=30 * months)
        step_clock = FixedClock(start)
        life = self._lifecycle.with_clock(step_clock)
        with life.batch() as batch:
            session = batch._session
            assert session is not None
            self._policy(session, start)
            members = self._team(session, start)
            campaigns = self._campaigns(session, start, members, now)
            marketing = [m.id for m in members if m.role == Role.MARKETING.value]
            sales = [m.id for m in members if m.role == Role.SALES.value]
            for i in range(leads):
                if should_cancel and should_cancel():
                    raise DemoCancelled("Demo data cancelled; the database was left as it was.")
                self._one_lead(batch, step_clock, rng, start, now, campaigns, marketing, sales)
                if progress and (i % 50 == 0 or i == leads - 1):
                    progress(i + 1, leads)
            step_clock.set(now)
        self._db.refresh_statistics()  # the tables went from empty to full: the planner needs to know
        return DemoSummary(leads=leads, campaigns=len(campaigns), members=len(members))

    @staticmethod
    def _policy(session, start: datetime) -> None:  # type: ignore[no-untyped-def]
        """The demo team works in Rome: its SLA runs on Italian office hours and holidays."""
        if session.scalar(select(func.count()).select_from(SlaPolicyVersion)):
            return
        session.add(SlaPolicyVersion(effective_from=EPOCH, body=DEMO_POLICY.to_dict(), created_at=start))

    def _team(self, session, start: datetime) -> list[TeamMember]:  # type: ignore[no-untyped-def]
        members = []
        for name, role in data.TEAM:
            member = session.scalar(select(TeamMember).where(TeamMember.name == name))
            if member is None:
                email = name.lower().replace(" ", ".") + "@leaddesk.example"
                member = TeamMember(name=name, email=email, role=role, active=True, created_at=start)
                session.add(member)
            members.append(member)
        session.flush()
        return members

    def _campaigns(self, session, start, members, now) -> list[Campaign]:  # type: ignore[no-untyped-def]
        owners = [m for m in members if m.role == Role.MARKETING.value]
        campaigns = []
        for i, (name, channel, target) in enumerate(data.CAMPAIGNS):
            begins = (start + timedelta(days=20 * i)).date()
            campaign = Campaign(
                name=name,
                channel=Channel(channel).value,
                starts_on=begins,
                ends_on=begins + timedelta(days=120) if i % 3 == 0 else None,
                owner_id=owners[i % len(owners)].id,
                monthly_mql_target=target,
                archived=False,
                created_at=start,
            )
            session.add(campaign)
            campaigns.append(campaign)
        session.flush()
        return campaigns

    def _draft(self, rng: random.Random, campaign_id: int, owner_id: int) -> LeadDraft:
        if rng.random() < 0.75:
            first, last = rng.choice(data.FIRST_NAMES_IT), rng.choice(data.LAST_NAMES_IT)
            company = (
                f"{rng.choice(data.COMPANY_STEMS)} {rng.choice(data.COMPANY_NAMES)} "
                f"{rng.choice(data.COMPANY_SUFFIXES_IT)}"
            )
            domain = company.split()[0].lower() + company.split()[1].lower().replace("'", "") + ".it"
            city, province = rng.choice(data.CITIES_IT)
            country = "IT"
            phone = f"+39 3{rng.randint(20, 49)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        else:
            first, last = rng.choice(data.FIRST_NAMES_INTL), rng.choice(data.LAST_NAMES_INTL)
            k = rng.randrange(len(data.COMPANIES_INTL))
            company, domain = data.COMPANIES_INTL[k], data.DOMAINS_INTL[k]
            city, country = rng.choice(data.CITIES_INTL)
            province = None
            phone = None
        ascii_first = "".join(ch for ch in fold(first) if ch.isalnum())
        ascii_last = "".join(ch for ch in fold(last) if ch.isalnum())
        local_part = f"{ascii_first[0]}.{ascii_last}" if rng.random() < 0.5 else f"{ascii_first}.{ascii_last}"
        email = None if rng.random() < 0.05 else f"{local_part}{rng.randint(1, 99)}@{domain}"
        return LeadDraft(
            first_name=first,
            last_name=last,
            email=email,
            phone=phone.replace(" ", "") if phone and (email is None or rng.random() < 0.6) else None,
            job_title=rng.choice(data.JOB_TITLES),
            company=company,
            company_size=rng.choice((5, 12, 30, 60, 150, 400, 1200)),
            industry=rng.choice(data.INDUSTRIES),
            country=country,
            province=province,
            city=city,
            source=rng.choice(data.SOURCES),
            consent=rng.random() < 0.85,
            campaign_id=campaign_id,
            marketing_owner_id=owner_id,
        )

    def _one_lead(
        self,
        life: LifecycleService,
        clock: FixedClock,
        rng: random.Random,
        start: datetime,
        now: datetime,
        campaigns: list[Campaign],
        marketing: list[int],
        sales: list[int],
    ) -> None:
        tl = _Timeline(rng, now)
        # More leads in recent months, as campaigns ramp up.
        age = (now - start) * rng.random() ** 0.6
        created = tl.office(start + age)
        if created > now:
            created = now - timedelta(minutes=rng.randint(5, 600))
        campaign = rng.choice(campaigns)
        mk = rng.choice(marketing)

        def at(t: datetime) -> datetime:
            clock.set(t)
            return t

        lead_id = life.create_lead(self._draft(rng, campaign.id, mk), actor_id=mk, at=at(created))
        # Held for the lead's whole story: a session keeps only weak references to objects it has
        # flushed, so each step would otherwise read the lead back from the database.
        held = life._session.get(Lead, lead_id) if life._session is not None else None  # noqa: F841
        for _ in range(rng.randint(0, 3)):
            seen = tl.after(created, -400, 0) or created
            content, kind = rng.choice(data.CONTENTS)
            life.add_touch(
                lead_id,
                rng.choice(campaigns).id,
                content=content,
                content_type=kind,
                at=at(min(seen, created)),
            )
        if rng.random() > 0.6:
            return
        t = tl.after(created, 1, 120)
        if t is None:
            return
        life.qualify([lead_id], actor_id=mk, at=at(t))
        if rng.random() > 0.85:
            if rng.random() < 0.3 and (d := tl.after(t, 24, 200)):
                life.disqualify([lead_id], reason="Fuori target", actor_id=mk, at=at(d))
            return
        t2 = tl.after(t, 0.2, 30)
        if t2 is None:
            return
        owner = rng.choice(sales)
        life.handoff([lead_id], owner_id=owner, note=rng.choice(data.HANDOFF_NOTES), actor_id=mk, at=at(t2))
        # Recent handoffs fill today's sales queue.
        if _still_waiting(rng, t2, now, _HOT.accept_within_hours, DEMO_POLICY.accept_within_hours):
            return
        # Sales answers: usually within hours, sometimes days (the SLA breaches the meeting discusses).
        slow = rng.random() < 0.15
        t3 = tl.after(t2, 6, 40) if slow else tl.after(t2, 0.05, 1.2)
        if t3 is None:
            return
        if rng.random() < 0.13:
            reason = rng.choice(list(RejectReason))
            note = "Non ha budget" if reason == RejectReason.NOT_IN_TARGET else None
            life.reject(lead_id, reason=reason.value, note=note, actor_id=owner, at=at(t3))
            t4 = tl.after(t3, 4, 100)
            if t4 is not None and rng.random() < 0.7:
                if rng.random() < 0.6:
                    life.recycle([lead_id], note="Torna in nurturing", actor_id=mk, at=at(t4))
                else:
                    life.disqualify([lead_id], reason="Dati non validi", actor_id=mk, at=at(t4))
            return
        life.accept([lead_id], actor_id=owner, at=at(t3))

        def not_reached_yet() -> bool:  # the first-contact clock runs from the handoff
            return _still_waiting(
                rng, t2, now, _HOT.first_contact_within_hours, DEMO_POLICY.first_contact_within_hours
            )

        if not_reached_yet():
            return
        t4 = tl.after(t3, 0.05, 30 if slow else 1.5)
        if t4 is None:
            return
        outcome = rng.choice((Outcome.REACHED, Outcome.REACHED, Outcome.NO_ANSWER, Outcome.VOICEMAIL))
        life.log_activity(lead_id, kind=ActivityKind.CALL, outcome=outcome, actor_id=owner, at=at(t4))
        if not outcome.is_contact:
            # Not reached at the first try: another attempt later (or the lead is still being chased).
            t4 = tl.after(t4, 0.5, 6)  # type: ignore[assignment]
            if t4 is None or not_reached_yet():
                return
            life.log_activity(
                lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED, actor_id=owner, at=at(t4)
            )
        for _ in range(rng.randint(0, 2)):
            t5 = tl.after(t4, 4, 60)
            if t5 is None:
                return
            t4 = t5
            step = (t4 + timedelta(days=rng.randint(1, 10))).date() if rng.random() < 0.4 else None
            if step is not None and step < (now - timedelta(days=rng.randint(0, 4))).date():
                step = None  # followed up since: most past follow-ups are done, a few are overdue
            life.log_activity(
                lead_id,
                kind=rng.choice(list(ActivityKind)),
                outcome=rng.choice((Outcome.REACHED, Outcome.MEETING_BOOKED, Outcome.NO_ANSWER)),
                actor_id=owner,
                at=at(t4),
                next_step_on=step,
            )
        if rng.random() < 0.12 and (t6 := tl.after(t4, 24, 300)):
            life.lose(lead_id, reason=LostReason.NO_NEED.value, actor_id=owner, at=at(t6))
            return
        if rng.random() > 0.5:
            return
        t6 = tl.after(t4, 24, 200)
        if t6 is None:
            return
        value = Decimal(rng.choice((2500, 4800, 7500, 12000, 18000, 25000, 40000)))
        close_on: date = (t6 + timedelta(days=rng.randint(14, 90))).date()
        life.to_opportunity(
            lead_id, expected_value=value, expected_close_on=close_on, actor_id=owner, at=at(t6)
        )
        t7 = tl.after(t6, 48, 600)
        if t7 is None:
            return
        roll = rng.random()
        if roll < 0.45:
            life.win(lead_id, actor_id=owner, at=at(t7))
        elif roll < 0.8:
            reason = rng.choice(
                (LostReason.PRICE, LostReason.COMPETITOR, LostReason.TIMING, LostReason.NO_BUDGET)
            )
            life.lose(lead_id, reason=reason.value, actor_id=owner, at=at(t7))
