"""How a view asks for leads: filters and sort order, independent of SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from leaddesk.domain.enums import Stage


class SortKey(StrEnum):
    """Columns a leads list can be sorted by; each is backed by an index."""

    ID = "id"
    NAME = "last_name"
    EMAIL = "email"
    COMPANY = "company"
    SCORE = "score"
    STAGE = "stage"
    CAMPAIGN = "campaign"
    CREATED = "created_at"
    UPDATED = "updated_at"
    HANDED_OFF = "handed_off_at"
    ACCEPT_DUE = "accept_due_at"
    CONTACT_DUE = "contact_due_at"
    CITY = "city"
    SALES_OWNER = "sales_owner"


@dataclass(frozen=True, slots=True)
class LeadFilter:
    text: str = ""
    stages: frozenset[Stage] = frozenset()
    campaign_ids: frozenset[int] = frozenset()
    sales_owner_ids: frozenset[int] = frozenset()
    marketing_owner_ids: frozenset[int] = frozenset()
    min_score: int | None = None
    max_score: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    #: Show the trash (soft-deleted leads) instead of the live leads.
    deleted: bool = False
    ids: frozenset[int] = frozenset()
    import_batch_id: int | None = None


@dataclass(frozen=True, slots=True)
class LeadSort:
    key: SortKey = SortKey.CREATED
    descending: bool = True


@dataclass(frozen=True, slots=True)
class PageRequest:
    filter: LeadFilter = field(default_factory=LeadFilter)
    sort: LeadSort = field(default_factory=LeadSort)
    offset: int = 0
    limit: int = 200
