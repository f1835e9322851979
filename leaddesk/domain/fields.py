"""The lead's fields as users and files name them: one list read by forms, tables, import and export."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    COUNTRY = "country"
    DATETIME = "datetime"
    STAGE = "stage"
    MEMBER = "member"
    CAMPAIGN = "campaign"
    MONEY = "money"


@dataclass(frozen=True, slots=True)
class LeadField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    #: True for fields that describe the lead itself (editable in the form, filled by imports).
    editable: bool = True
    #: True for fields that only a history import may set (stage, timestamps, owners).
    history: bool = False


#: Personal and company fields, in form order.
PROFILE_FIELDS: tuple[LeadField, ...] = (
    LeadField("first_name", "First name"),
    LeadField("last_name", "Last name"),
    LeadField("email", "Email", FieldKind.EMAIL),
    LeadField("phone", "Phone", FieldKind.PHONE),
    LeadField("job_title", "Job title"),
    LeadField("company", "Company"),
    LeadField("company_size", "Company size", FieldKind.INTEGER),
    LeadField("industry", "Industry"),
    LeadField("country", "Country", FieldKind.COUNTRY),
    LeadField("province", "Province"),
    LeadField("city", "City"),
    LeadField("source", "Source"),
    LeadField("consent", "Consent to contact", FieldKind.BOOLEAN),
    LeadField("notes", "Notes"),
)

#: Fields an import may carry about the process so far; they become lifecycle events.
HISTORY_FIELDS: tuple[LeadField, ...] = (
    LeadField("campaign", "Campaign", FieldKind.CAMPAIGN, history=True),
    LeadField("stage", "Stage", FieldKind.STAGE, history=True),
    LeadField("created_at", "Created", FieldKind.DATETIME, history=True),
    LeadField("mql_at", "MQL at", FieldKind.DATETIME, history=True),
    LeadField("handed_off_at", "Handed off at", FieldKind.DATETIME, history=True),
    LeadField("accepted_at", "Accepted at", FieldKind.DATETIME, history=True),
    LeadField("rejected_at", "Rejected at", FieldKind.DATETIME, history=True),
    LeadField("first_contact_at", "First contact at", FieldKind.DATETIME, history=True),
    LeadField("closed_at", "Closed at", FieldKind.DATETIME, history=True),
    LeadField("marketing_owner", "Marketing owner", FieldKind.MEMBER, history=True),
    LeadField("sales_owner", "Sales owner", FieldKind.MEMBER, history=True),
    LeadField("outcome", "Outcome", history=True),
    LeadField("lost_reason", "Lost reason", history=True),
    LeadField("reject_reason", "Reject reason", history=True),
    LeadField("value", "Value", FieldKind.MONEY, history=True),
)

ALL_FIELDS: tuple[LeadField, ...] = PROFILE_FIELDS + HISTORY_FIELDS
FIELDS_BY_NAME: dict[str, LeadField] = {f.name: f for f in ALL_FIELDS}
PROFILE_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in PROFILE_FIELDS)
