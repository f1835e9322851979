"""Finding the existing lead a new one duplicates: email (any case), E.164 phone, name + company — in
batches, the trash on request, erased people never."""

from __future__ import annotations

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.duplicate_service import MatchedBy, find_matches


def test_matches_by_email_phone_then_name_and_company(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    by_email = svc.lifecycle.create_lead(LeadDraft(first_name="Anna", email="Anna.Bianchi@Example.it"))
    by_phone = svc.lifecycle.create_lead(LeadDraft(first_name="Bruno", phone="+393471112223"))
    by_name = svc.lifecycle.create_lead(LeadDraft(first_name="Carla", last_name="Neri", company="Neri Srl"))
    trashed = svc.lifecycle.create_lead(LeadDraft(email="old@x.it"))
    svc.lifecycle.delete_leads([trashed])
    erased = svc.lifecycle.create_lead(LeadDraft(email="gone@x.it"))
    svc.privacy.erase(erased)
    candidates = [
        LeadDraft(email="anna.bianchi@example.IT", phone="+393471112223"),  # email wins over phone
        LeadDraft(phone="+393471112223"),
        LeadDraft(first_name="carla", last_name="NERI", company="neri srl"),
        LeadDraft(email="new@x.it", first_name="Carla", last_name="Neri"),  # no company: no key
        LeadDraft(email="old@x.it"),
        LeadDraft(email="gone@x.it"),
    ]
    with db.reading() as s:
        assert find_matches(s, candidates) == {0: by_email, 1: by_phone, 2: by_name}
        assert find_matches(s, candidates, include_deleted=True) == {
            0: by_email,
            1: by_phone,
            2: by_name,
            4: trashed,
        }
    details = svc.duplicates.find(candidates)
    assert details[0].by == MatchedBy.EMAIL and details[0].lead_name == "Anna"
    assert details[1].by == MatchedBy.PHONE and details[2].by == MatchedBy.NAME_COMPANY
    match = svc.duplicates.check(LeadDraft(email="OLD@x.it"))
    assert match is not None and match.deleted and match.lead_id == trashed


def test_many_candidates_cost_few_queries(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    with svc.lifecycle.batch() as life:
        ids = [life.create_lead(LeadDraft(email=f"p{i}@x.it")) for i in range(1200)]
    candidates = [LeadDraft(email=f"P{i}@X.IT") for i in range(0, 2400, 2)]
    with db.reading() as s:
        found = find_matches(s, candidates)
    assert found == {k: ids[2 * k] for k in range(600)}
