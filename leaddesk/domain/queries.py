"""How a view asks for leads: filters and sort order, independent of SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

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


def filter_to_dict(flt: LeadFilter) -> dict[str, Any]:
    """A filter as JSON-safe data (saved filters); empty parts are left out."""
    body: dict[str, Any] = {}
    if flt.text.strip():
        body["text"] = flt.text.strip()
    if flt.stages:
        body["stages"] = sorted(s.value for s in flt.stages)
    for name in ("campaign_ids", "sales_owner_ids", "marketing_owner_ids"):
        values = getattr(flt, name)
        if values:
            body[name] = sorted(values)
    for name in ("min_score", "max_score"):
        if getattr(flt, name) is not None:
            body[name] = getattr(flt, name)
    for name in ("created_from", "created_to"):
        value = getattr(flt, name)
        if value is not None:
            body[name] = value.isoformat()
    return body


def filter_from_dict(body: dict[str, Any]) -> LeadFilter:
    """The filter saved by `filter_to_dict`; unknown stages and keys are ignored."""

    def ids(name: str) -> frozenset[int]:
        return frozenset(int(v) for v in body.get(name, ()))

    def when(name: str) -> datetime | None:
        value = body.get(name)
        return datetime.fromisoformat(value) if value else None

    def number(name: str) -> int | None:
        value = body.get(name)
        return int(value) if value is not None else None

    known = {s.value for s in Stage}
    return LeadFilter(
        text=str(body.get("text", "")),
        stages=frozenset(Stage(v) for v in body.get("stages", ()) if v in known),
        campaign_ids=ids("campaign_ids"),
        sales_owner_ids=ids("sales_owner_ids"),
        marketing_owner_ids=ids("marketing_owner_ids"),
        min_score=number("min_score"),
        max_score=number("max_score"),
        created_from=when("created_from"),
        created_to=when("created_to"),
    )


@dataclass(frozen=True, slots=True)
class SavedFilterRow:
    """A named filter of a leads list; `owner_id` None means shared with the whole team."""

    id: int
    area: str
    name: str
    owner_id: int | None
    filter: LeadFilter
    position: int = 0

    @property
    def shared(self) -> bool:
        return self.owner_id is None
