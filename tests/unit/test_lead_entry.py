"""Manual entry: normalised like an import, every problem named per field, duplicates caught."""

from __future__ import annotations

import pytest

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import EventKind
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.lead_entry_service import DuplicateLeadError, LeadValidationError, normalise_draft


def test_normalise_cleans_fields() -> None:
    clean, problems = normalise_draft(
        LeadDraft(
            first_name="  Maria   Grazia ",
            email=" Maria@Example.IT ",
            phone="347 123 4567",
            country="Italia",
            company="",
        )
    )
    assert problems == []
    assert clean.first_name == "Maria Grazia" and clean.company is None
    assert clean.email == "maria@example.it" and clean.phone == "+393471234567" and clean.country == "IT"
    assert normalise_draft(LeadDraft(phone="+41 44 668 18 00"))[0].phone == "+41446681800"


def test_every_problem_is_reported_per_field() -> None:
    _clean, problems = normalise_draft(
        LeadDraft(email="not an email", phone="12", company_size=-3, city="x" * 101)
    )
    assert {p.field for p in problems} == {"email", "phone", "company_size", "city"}
    _clean, problems = normalise_draft(LeadDraft(first_name="Solo nome"))
    assert [p.field for p in problems] == ["email"] and "needs an email" in problems[0].message


def test_create_checks_duplicates_then_stores(db: Database, clock: FixedClock) -> None:
    svc = build_services(db, clock)
    first = svc.lead_entry.create(LeadDraft(first_name="Ugo", email="ugo@x.it", phone="3471234567"))
    detail = svc.leads.detail(first)
    assert detail.profile.phone == "+393471234567"
    assert [e.kind for e in svc.leads.events(first)] == [EventKind.CREATED]
    with pytest.raises(DuplicateLeadError) as caught:
        svc.lead_entry.create(LeadDraft(first_name="Ugo B", phone="+39 347 123 4567"))
    assert caught.value.match.lead_id == first and "same phone" in str(caught.value)
    second = svc.lead_entry.create(
        LeadDraft(first_name="Ugo B", phone="+39 347 123 4567"), allow_duplicate=True
    )
    assert second != first
    with pytest.raises(LeadValidationError) as bad:
        svc.lead_entry.create(LeadDraft(email="@@"))
    assert bad.value.problems[0].field == "email"
    assert svc.lead_entry.find_duplicate(LeadDraft(email="UGO@x.it")) is not None
