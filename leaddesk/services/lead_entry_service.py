"""Typing a lead in by hand: the same normalisation and checks as an import, then the duplicate check,
then `LifecycleService.create_lead`.

`normalise_draft` is the shared rule for what a lead's fields may hold: trimmed text within the column
sizes, a syntactically valid email (lower-case domain), a phone in E.164 (numbers without a country code
are read in the team's default region), an ISO country code where the country is recognisable, a company
size of zero or more. It returns every problem at once so a form can mark each field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.identity import missing_identity
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.duplicate_service import DuplicateMatch, MatchedBy, find_match_details
from leaddesk.services.lifecycle_service import LifecycleService

#: Column sizes of the lead's text fields (see the `leads` table).
MAX_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "phone": 32,
    "job_title": 150,
    "company": 200,
    "industry": 100,
    "country": 60,
    "province": 60,
    "city": 100,
    "source": 100,
}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str


class LeadValidationError(ValidationError):
    """The lead's data is not acceptable; `problems` names each field to fix."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(" ".join(p.message for p in problems))
        self.problems = tuple(problems)


class DuplicateLeadError(ValidationError):
    """The lead already exists (`match`); the user may open it, or save anyway."""

    def __init__(self, match: DuplicateMatch) -> None:
        how = {
            MatchedBy.EMAIL: "the same email",
            MatchedBy.PHONE: "the same phone",
            MatchedBy.NAME_COMPANY: "the same name and company",
        }[match.by]
        where = " (in the trash)" if match.deleted else ""
        super().__init__(f"Lead #{match.lead_id} ({match.lead_name}){where} already has {how}.")
        self.match = match


def _normalisers() -> tuple[Callable[[str], str], Callable[[str, str], str], Callable[[str], str]]:
    """The importer's normalisation (one set of rules for every way a lead comes in), imported on first
    use: email and phone validation load big tables the window does not need to start."""
    from leaddesk.services.importing.normalising import normalise_country, normalise_email, normalise_phone

    return normalise_email, normalise_phone, normalise_country


def normalise_draft(draft: LeadDraft, *, default_region: str = "IT") -> tuple[LeadDraft, list[FieldProblem]]:
    """The draft with every field cleaned, and the problems found (empty when it may be stored)."""
    problems: list[FieldProblem] = []
    changes: dict[str, Any] = {}
    for f in fields(draft):
        value = getattr(draft, f.name)
        if isinstance(value, str):
            value = value.strip() if f.name == "notes" else " ".join(value.split())
            changes[f.name] = value or None
    clean = replace(draft, **changes)
    normalise_email, normalise_phone, normalise_country = _normalisers()
    if clean.email:
        try:
            clean = replace(clean, email=normalise_email(clean.email))
        except ValueError as exc:
            problems.append(FieldProblem("email", f"The email is not valid: {exc}"))
    if clean.phone:
        try:
            clean = replace(clean, phone=normalise_phone(clean.phone, default_region))
        except ValueError as exc:
            problems.append(FieldProblem("phone", f"The phone is not valid: {exc}."))
    if clean.country:
        clean = replace(clean, country=normalise_country(clean.country))
    if clean.company_size is not None and clean.company_size < 0:
        problems.append(FieldProblem("company_size", "The company size cannot be negative."))
    for name, limit in MAX_LENGTHS.items():
        value = getattr(clean, name)
        if isinstance(value, str) and len(value) > limit:
            problems.append(
                FieldProblem(name, f"The {name.replace('_', ' ')} is longer than {limit} characters.")
            )
    identity = missing_identity(clean.email, clean.phone, clean.first_name, clean.last_name, clean.company)
    if identity and not any(p.field in ("email", "phone") for p in problems):
        problems.append(FieldProblem("email", f"A lead {identity}."))
    return clean, problems


class LeadEntryService:
    def __init__(self, db: Database, lifecycle: LifecycleService, *, default_region: str = "IT") -> None:
        self._db = db
        self._lifecycle = lifecycle
        self._region = default_region

    def validate(self, draft: LeadDraft) -> LeadDraft:
        """The normalised draft; raises `LeadValidationError` listing every field to fix."""
        clean, problems = normalise_draft(draft, default_region=self._region)
        if problems:
            raise LeadValidationError(problems)
        return clean

    def find_duplicate(self, draft: LeadDraft) -> DuplicateMatch | None:
        """The existing lead (also in the trash) the normalised draft would duplicate."""
        clean = self.validate(draft)
        with self._db.reading() as s:
            return find_match_details(s, [clean], include_deleted=True).get(0)

    def create(self, draft: LeadDraft, *, actor_id: int | None = None, allow_duplicate: bool = False) -> int:
        """Validate, check for duplicates (unless `allow_duplicate`) and store the lead; returns its id."""
        clean = self.validate(draft)
        if not allow_duplicate:
            with self._db.reading() as s:
                match = find_match_details(s, [clean], include_deleted=True).get(0)
            if match is not None:
                raise DuplicateLeadError(match)
        return self._lifecycle.create_lead(clean, actor_id=actor_id)
