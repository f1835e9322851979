"""A small, hand-checked February 2026 for the reporting, export and meeting-report tests (no tests here).

The team works in Rome, Monday to Friday 09:00-13:00 and 14:00-18:00; accept within 4 business hours,
first contact within 8. "Now" is Friday 20 February 2026, 12:00 in Rome.

Leads (campaign, story):

* A Webinar — handed off Mon 2 Feb 11:00 to Marco, accepted 12:00, reached 14:30 (2.5 business hours),
  opportunity 5 Feb (10,000 €), won 20 Feb 10:00.
* B Webinar — handed off Tue 3 Feb 10:00 to Marco, accepted Wed 4 Feb 10:00 (due Tue 15:00: 4 h late),
  reached Thu 5 Feb 10:00 (due Wed 10:00: 8 h late; 16 business hours).
* C Fiera — handed off Mon 9 Feb 09:30 to Sara, returned 10:00 as not in target.
* D Fiera — handed off Tue 10 Feb 11:00 to Sara, never answered (an open accept breach).
* E Webinar — handed off Mon 16 Feb 10:00 to Marco, accepted 10:30, reached 11:00 (1 h), lost 18 Feb: price.
* F Webinar — created in January; handed off Mon 2 Feb 09:30 to Marco, accepted 10:00, never reached (an
  open contact breach, and stale: no progress since 2 Feb).
* G — created 4 Feb and deleted: counts nowhere.
* H Fiera — handed off Thu 5 Feb 09:20 to Sara, returned 10:00 (bad data), recycled 6 Feb: its pass is gone.
* I Fiera — first name =HYPERLINK("http://x","y"), handed off Wed 11 Feb 09:00 to Sara, returned 09:30 as a
  duplicate with the note "=1+1".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, Channel, Outcome, Role
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.sla.policy import SlaPolicy

ROME = ZoneInfo("Europe/Rome")
FORMULA_NAME = '=HYPERLINK("http://x","y")'

POLICY = SlaPolicy(
    accept_within_hours=4,
    first_contact_within_hours=8,
    rules=(),
    monthly_mql_target=12,
    calendar=BusinessCalendar.default("Europe/Rome"),
)


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)  # type: ignore[misc]


NOW = rome(2026, 2, 20, 12, 0)


@dataclass
class Scenario:
    services: Services
    clock: FixedClock
    people: dict[str, int]
    campaigns: dict[str, int]
    leads: dict[str, int]


def build_scenario(db: Database) -> Scenario:
    clock = FixedClock(rome(2026, 1, 1, 9))
    svc = build_services(db, clock)
    svc.sla.set_policy(POLICY, effective_from=rome(2026, 1, 1))
    people = {
        "marco": svc.team.add_member("Marco", Role.SALES).id,
        "sara": svc.team.add_member("Sara", Role.SALES).id,
        "giulia": svc.team.add_member("Giulia", Role.MARKETING).id,
        "anna": svc.team.add_member("Anna", Role.MANAGER).id,
    }
    campaigns = {
        "Webinar": svc.campaigns.save(name="Webinar", channel=Channel.WEBINAR, monthly_mql_target=10).id,
        "Fiera": svc.campaigns.save(name="Fiera", channel=Channel.EVENT, monthly_mql_target=5).id,
    }
    clock.set(NOW)
    life = svc.lifecycle
    leads: dict[str, int] = {}

    def new(key: str, campaign: str | None, created: datetime, first: str | None = None) -> int:
        draft = LeadDraft(
            first_name=first or f"Lead{key}",
            last_name=None if first else "Test",
            email=f"{key.lower()}@example.it",
            company=f"Azienda {key}",
            campaign_id=campaigns[campaign] if campaign else None,
        )
        leads[key] = life.create_lead(draft, actor_id=people["giulia"], at=created)
        return leads[key]

    def passage(lead_id: int, qualified: datetime, handed: datetime, owner: str) -> None:
        life.qualify([lead_id], actor_id=people["giulia"], at=qualified)
        life.handoff([lead_id], owner_id=people[owner], actor_id=people["giulia"], at=handed)

    def reached(lead_id: int, when: datetime, who: str) -> None:
        life.log_activity(
            lead_id, kind=ActivityKind.CALL, outcome=Outcome.REACHED, actor_id=people[who], at=when
        )

    a = new("A", "Webinar", rome(2026, 2, 2, 9))
    passage(a, rome(2026, 2, 2, 10), rome(2026, 2, 2, 11), "marco")
    life.accept([a], actor_id=people["marco"], at=rome(2026, 2, 2, 12))
    reached(a, rome(2026, 2, 2, 14, 30), "marco")
    life.to_opportunity(
        a,
        expected_value=Decimal(10000),
        expected_close_on=None,
        actor_id=people["marco"],
        at=rome(2026, 2, 5, 10),
    )
    life.win(a, actor_id=people["marco"], at=rome(2026, 2, 20, 10))

    b = new("B", "Webinar", rome(2026, 2, 3, 9))
    passage(b, rome(2026, 2, 3, 9, 30), rome(2026, 2, 3, 10), "marco")
    life.accept([b], actor_id=people["marco"], at=rome(2026, 2, 4, 10))
    reached(b, rome(2026, 2, 5, 10), "marco")

    c = new("C", "Fiera", rome(2026, 2, 9, 9))
    passage(c, rome(2026, 2, 9, 9, 10), rome(2026, 2, 9, 9, 30), "sara")
    life.reject(c, reason="not_in_target", actor_id=people["sara"], at=rome(2026, 2, 9, 10))

    d = new("D", "Fiera", rome(2026, 2, 10, 9))
    passage(d, rome(2026, 2, 10, 10), rome(2026, 2, 10, 11), "sara")

    e = new("E", "Webinar", rome(2026, 2, 16, 9))
    passage(e, rome(2026, 2, 16, 9, 30), rome(2026, 2, 16, 10), "marco")
    life.accept([e], actor_id=people["marco"], at=rome(2026, 2, 16, 10, 30))
    reached(e, rome(2026, 2, 16, 11), "marco")
    life.lose(e, reason="price", actor_id=people["marco"], at=rome(2026, 2, 18, 10))

    f = new("F", "Webinar", rome(2026, 1, 20, 9))
    passage(f, rome(2026, 2, 2, 9), rome(2026, 2, 2, 9, 30), "marco")
    life.accept([f], actor_id=people["marco"], at=rome(2026, 2, 2, 10))

    g = new("G", "Webinar", rome(2026, 2, 4, 9))
    life.qualify([g], at=rome(2026, 2, 4, 10))
    life.delete_leads([g])

    h = new("H", "Fiera", rome(2026, 2, 5, 9))
    passage(h, rome(2026, 2, 5, 9, 10), rome(2026, 2, 5, 9, 20), "sara")
    life.reject(h, reason="bad_data", actor_id=people["sara"], at=rome(2026, 2, 5, 10))
    life.recycle([h], actor_id=people["giulia"], at=rome(2026, 2, 6, 10))

    i = new("I", "Fiera", rome(2026, 2, 11, 8), first=FORMULA_NAME)
    passage(i, rome(2026, 2, 11, 8, 30), rome(2026, 2, 11, 9), "sara")
    life.reject(i, reason="duplicate", note="=1+1", actor_id=people["sara"], at=rome(2026, 2, 11, 9, 30))

    clock.set(NOW)
    return Scenario(svc, clock, people, campaigns, leads)
