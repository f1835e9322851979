"""Finding existing leads that are the same person as new data (a typed lead, rows of an import).

A candidate matches a lead with the same email (case-insensitive, through the `lower(email)` index), else
the same phone (stored and compared in E.164), else the same name + company key. Candidates are expected
already normalised (see `lead_entry_service.normalise_draft`). The lookups run in batches of IN lists, so
ten thousand candidates cost a handful of indexed queries, not ten thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.domain.identity import name_company_key
from leaddesk.models import Lead
from leaddesk.models.database import Database

_CHUNK = 500


class Identity(Protocol):
    """What identifies a person: a `LeadDraft` has it, and so can an import's row."""

    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def company(self) -> str | None: ...


class MatchedBy(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NAME_COMPANY = "name_company"


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    lead_id: int
    by: MatchedBy
    value: str
    #: Who the existing lead is, for the message ("Mario Rossi, ACME").
    lead_name: str = ""
    deleted: bool = False


def _keys(candidate: Identity) -> tuple[str | None, str | None, str | None]:
    email = candidate.email.strip().lower() if candidate.email and candidate.email.strip() else None
    phone = candidate.phone.strip() if candidate.phone and candidate.phone.strip() else None
    key = name_company_key(candidate.first_name, candidate.last_name, candidate.company)
    return email, phone, key


def _lookup(
    session: Session,
    column: Any,
    values: set[str],
    include_deleted: bool,
) -> dict[str, tuple[int, str, bool]]:
    """value → (lowest matching lead id, its name, whether it is in the trash)."""
    found: dict[str, tuple[int, str, bool]] = {}
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        stmt = (
            select(column, Lead.id, Lead.first_name, Lead.last_name, Lead.company, Lead.deleted_at)
            .where(column.in_(chunk), Lead.erased_at.is_(None))
            .order_by(Lead.deleted_at.is_not(None), Lead.id)
        )
        if not include_deleted:
            stmt = stmt.where(Lead.deleted_at.is_(None))
        for value, lead_id, first, last, company, deleted_at in session.execute(stmt):
            if value is not None and value not in found:
                name = " ".join(p for p in (first, last) if p)
                label = ", ".join(p for p in (name, company) if p) or f"#{lead_id}"
                found[value] = (lead_id, label, deleted_at is not None)
    return found


def find_match_details(
    session: Session, candidates: Sequence[Identity], *, include_deleted: bool = False
) -> dict[int, DuplicateMatch]:
    """candidate index → the existing lead it duplicates (email first, then phone, then name+company)."""
    keys = [_keys(c) for c in candidates]
    emails = _lookup(session, func.lower(Lead.email), {k[0] for k in keys if k[0]}, include_deleted)
    phones = _lookup(session, Lead.phone, {k[1] for k in keys if k[1]}, include_deleted)
    names = _lookup(session, Lead.name_company_key, {k[2] for k in keys if k[2]}, include_deleted)
    matches: dict[int, DuplicateMatch] = {}
    for i, (email, phone, key) in enumerate(keys):
        for value, table, by in ((email, emails, MatchedBy.EMAIL), (phone, phones, MatchedBy.PHONE)):
            if value and value in table:
                lead_id, label, deleted = table[value]
                matches[i] = DuplicateMatch(lead_id, by, value, label, deleted)
                break
        else:
            if key and key in names:
                lead_id, label, deleted = names[key]
                matches[i] = DuplicateMatch(lead_id, MatchedBy.NAME_COMPANY, key, label, deleted)
    return matches


def find_matches(
    session: Session, candidates: Sequence[Identity], *, include_deleted: bool = False
) -> dict[int, int]:
    """candidate index → id of the existing lead it duplicates; candidates without a match are absent."""
    return {
        i: m.lead_id
        for i, m in find_match_details(session, candidates, include_deleted=include_deleted).items()
    }


class DuplicateService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def find(
        self, candidates: Sequence[Identity], *, include_deleted: bool = False
    ) -> dict[int, DuplicateMatch]:
        with self._db.reading() as s:
            return find_match_details(s, candidates, include_deleted=include_deleted)

    def check(self, candidate: Identity, *, include_deleted: bool = True) -> DuplicateMatch | None:
        """The existing lead (also in the trash) that `candidate` would duplicate, if any."""
        return self.find([candidate], include_deleted=include_deleted).get(0)
