"""Enumerations of the domain. Values are stored in the database as their string value."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"
    MANAGER = "manager"


class Channel(StrEnum):
    EMAIL = "email"
    EVENT = "event"
    WEBINAR = "webinar"
    ADS = "ads"
    SOCIAL = "social"
    REFERRAL = "referral"
    OTHER = "other"


class Stage(StrEnum):
    NEW = "new"
    MQL = "mql"
    HANDED_OFF = "handed_off"
    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    REJECTED = "rejected"
    DISQUALIFIED = "disqualified"

    @property
    def is_closed(self) -> bool:
        return self in (Stage.WON, Stage.LOST, Stage.DISQUALIFIED)

    @property
    def is_with_sales(self) -> bool:
        return self in SALES_STAGES


#: Stages in which the lead is owned by sales and not yet closed.
SALES_STAGES = frozenset({Stage.HANDED_OFF, Stage.ACCEPTED, Stage.CONTACTED, Stage.OPPORTUNITY})

#: The funnel order used by charts and reports.
FUNNEL = (
    Stage.NEW,
    Stage.MQL,
    Stage.HANDED_OFF,
    Stage.ACCEPTED,
    Stage.CONTACTED,
    Stage.OPPORTUNITY,
    Stage.WON,
)


class EventKind(StrEnum):
    """What a `LeadEvent` records. Stage moves use the name of the action that made them."""

    CREATED = "created"
    IMPORTED = "imported"
    QUALIFIED = "qualified"
    HANDED_OFF = "handed_off"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CONTACTED = "contacted"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    RECYCLED = "recycled"
    DISQUALIFIED = "disqualified"
    ASSIGNED = "assigned"
    ACTIVITY = "activity"
    EDITED = "edited"
    MERGED = "merged"
    TOUCHED = "touched"
    DELETED = "deleted"
    RESTORED = "restored"
    ERASED = "erased"
    IMPORT_UNDONE = "import_undone"
    PAUSED = "paused"


class ActivityKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"


class Outcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    MEETING_BOOKED = "meeting_booked"
    NOT_INTERESTED = "not_interested"
    CALL_BACK = "call_back"
    SENT = "sent"

    @property
    def is_contact(self) -> bool:
        """True when the lead was actually reached: that is the first contact, which stops the clock.

        No answer, voicemail and a sent email are attempts (they count toward the policy's minimum);
        "call back on date" pauses the contact clock until that date instead of stopping it.
        """
        return self in (Outcome.REACHED, Outcome.MEETING_BOOKED, Outcome.NOT_INTERESTED)


class RejectReason(StrEnum):
    NOT_IN_TARGET = "not_in_target"
    BAD_DATA = "bad_data"
    DUPLICATE = "duplicate"
    WRONG_PERSON = "wrong_person"
    OTHER = "other"


class LostReason(StrEnum):
    PRICE = "price"
    COMPETITOR = "competitor"
    NO_BUDGET = "no_budget"
    NO_NEED = "no_need"
    TIMING = "timing"
    UNREACHABLE = "unreachable"
    OTHER = "other"


class DuplicatePolicy(StrEnum):
    SKIP = "skip"
    FILL = "fill"
    OVERWRITE = "overwrite"
