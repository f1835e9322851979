"""Every English text that report content shows: chart titles and axes, sheet names and headers, reason
names, headline names. Charts, the xlsx and the PDF writers read them from here only, so that translating
the exported reports later means translating this one module (the window translates its own widgets with
Qt's `tr()`).
"""

from __future__ import annotations

from datetime import date

from leaddesk.domain.enums import LostReason, RejectReason, Stage

APP = "LeadDesk"
REPORT_TITLE = "Marketing and sales alignment report"
DEFAULT_MEETING_TITLE = "Alignment meeting {start} – {end}"
PERIOD = "Period"
FILTERS = "Filters"
ALL_CAMPAIGNS = "all campaigns"
ALL_OWNERS = "all sales owners"
CAMPAIGN = "Campaign"
SALES_OWNER = "Sales owner"
GENERATED = "Generated"
TIMES_IN = "Times are in {zone}"
NO_CAMPAIGN = "(no campaign)"
NOBODY = "(nobody)"
NO_DATA = "No data in this period"
AND_MORE = "… and {n} more: the Excel export lists them"
TOP_OF = "the {n} largest of {total}"
PAGE = "Page {n} of {total}"

STAGES: dict[Stage, str] = {
    Stage.NEW: "New",
    Stage.MQL: "MQL",
    Stage.HANDED_OFF: "Handed off",
    Stage.ACCEPTED: "Accepted",
    Stage.CONTACTED: "Contacted",
    Stage.OPPORTUNITY: "Opportunity",
    Stage.WON: "Won",
    Stage.LOST: "Lost",
    Stage.REJECTED: "Returned",
    Stage.DISQUALIFIED: "Disqualified",
}

REJECT_REASONS: dict[str, str] = {
    RejectReason.NOT_IN_TARGET.value: "Not in target",
    RejectReason.BAD_DATA.value: "Wrong or incomplete data",
    RejectReason.DUPLICATE.value: "Duplicate",
    RejectReason.WRONG_PERSON.value: "Wrong person",
    RejectReason.OTHER.value: "Other",
}

LOST_REASONS: dict[str, str] = {
    LostReason.PRICE.value: "Price",
    LostReason.COMPETITOR.value: "Competitor",
    LostReason.NO_BUDGET.value: "No budget",
    LostReason.NO_NEED.value: "No need",
    LostReason.TIMING.value: "Timing",
    LostReason.UNREACHABLE.value: "Unreachable",
    LostReason.OTHER.value: "Other",
}
NO_REASON = "(no reason given)"


def stage_label(stage: Stage) -> str:
    return STAGES[stage]


def reject_reason_label(reason: str | None) -> str:
    if not reason:
        return NO_REASON
    return REJECT_REASONS.get(reason, reason)


def lost_reason_label(reason: str | None) -> str:
    if not reason:
        return NO_REASON
    return LOST_REASONS.get(reason, reason)


# --- headline figures -----------------------------------------------------------------------------------

SALES_TO_MARKETING = "Sales → marketing"
MARKETING_TO_SALES = "Marketing → sales"
HEADLINE_COLUMNS = ("Side", "Figure", "Value", "Target", "Status", "Detail")
MET = "met"
NOT_MET = "not met"
NO_TARGET = ""
H_HANDOFFS = "Handoffs"
H_ACCEPT_IN_TIME = "Accepted or returned in time"
H_CONTACT_IN_TIME = "First contact in time"
H_MEDIAN_ACCEPT = "Median business hours to accept"
H_MEDIAN_CONTACT = "Median business hours to first contact"
H_BREACHED_OPEN = "Breached and still open"
H_ACCEPTANCE_RATE = "Acceptance rate"
H_MQLS = "MQLs delivered"
H_MQL_SHARE = "MQLs against target"
H_NOT_IN_TARGET = "Returned as not in target"
DETAIL_OF = "{part} of {whole}"
SHARE_OF_TARGET = "{pct} % of the target"
AT_LEAST = "≥ {value}"
AT_MOST = "≤ {value}"
WITHIN_HOURS = "within {hours} h"

# --- charts ---------------------------------------------------------------------------------------------

FUNNEL_TITLE = "Funnel: leads moving through each stage"
FUNNEL_SUBTITLE = "Moves in the period; % = conversion from the step before"
FUNNEL_X = "Leads"
MQL_TITLE = "MQLs per campaign against target"
MQL_SUBTITLE = "Bar: MQLs · tick: target for the period · green: reached"
MQL_X = "MQLs in the period"
SLA_TREND_TITLE = "SLA compliance over time"
SLA_TREND_WEEKLY = "Share of each week's handoffs handled in time"
SLA_TREND_DAILY = "Share of each day's handoffs handled in time"
SLA_TREND_Y = "In time (%)"
SLA_ACCEPT_SERIES = "Answered"
SLA_CONTACT_SERIES = "1st contact"
HOURS_TITLE = "Business hours from handoff to first contact"
HOURS_X = "Business hours"
HOURS_Y = "Leads"
HOURS_SUBTITLE = "Handoffs of the period · green: within target, red: over it"
HOURS_TARGET = "Target {hours} h"
REJECT_TITLE = "Why sales returned leads"
LOST_TITLE = "Why deals were lost"
REASONS_X = "Leads"
WIN_TITLE = "Win rate and revenue by campaign"
WIN_RATE_X = "Win rate (%)"
REVENUE_X = "Revenue won (€)"
WIN_SUBTITLE = "Deals closed in the period; win rate = won ÷ (won + lost)"

# --- report sections and tables -------------------------------------------------------------------------

SECTION_HEADLINE = "Headline figures"
SECTION_CHARTS = "Charts"
SECTION_CAMPAIGNS = "Campaigns"
SECTION_BREACHED = "Breached leads"
SECTION_BREACHED_NOTE = "Handoffs of the period whose accept or first-contact clock was missed"
SECTION_BREACHED_PDF_NOTE = (
    "Handoffs of the period whose accept or first-contact clock was missed; the longest delays first"
)
SECTION_STALE = "Stale leads"
SECTION_STALE_NOTE = "With sales and no progress for more than {days} business days (as of {today})"
SECTION_RETURNED = "Returned leads by reason"
SECTION_RETURNED_LIST = "Returned leads"
SECTION_NOTES = "Meeting notes"
AGENDA = "Agenda"
NOTES = "Notes"
ACTION_ITEMS = "Action items"
FROM_LAST_MEETING = "from last meeting"
NONE_YET = "(none)"

SHEET_SUMMARY = "Summary"
SHEET_CHART_DATA = "Chart data"
SHEET_CAMPAIGNS = "Campaigns"
SHEET_BREACHED = "Breached leads"
SHEET_STALE = "Stale leads"
SHEET_RETURNED = "Returned leads"
SHEET_NOTES = "Notes"
SHEET_LEADS = "Leads"

CAMPAIGN_COLUMNS = (
    "Campaign",
    "MQLs",
    "MQL target",
    "MQLs vs target",
    "Handoffs",
    "Accepted",
    "Returned",
    "Acceptance rate",
    "Accepted in time",
    "First contact in time",
    "Not in target",
    "Won",
    "Lost",
    "Win rate",
    "Revenue won (€)",
)
BREACHED_COLUMNS = (
    "Lead #",
    "Name",
    "Company",
    "Campaign",
    "Sales owner",
    "Handed off",
    "Clock missed",
    "Due",
    "Done at",
    "Business hours late",
)
CLOCK_ACCEPT = "accept"
CLOCK_CONTACT = "first contact"
STILL_OPEN = "still open"
STALE_COLUMNS = (
    "Lead #",
    "Name",
    "Company",
    "Campaign",
    "Sales owner",
    "Stage",
    "Handed off",
    "Last progress",
    "Business days idle",
)
RETURNED_REASON_COLUMNS = ("Reason", "Returned leads", "Share")
RETURNED_COLUMNS = (
    "Lead #",
    "Name",
    "Company",
    "Campaign",
    "Sales owner",
    "Handed off",
    "Returned",
    "Reason",
    "Note",
    "Stage now",
)
ACTION_COLUMNS = ("Action", "Owner", "Due", "Done", "Origin")
DONE_YES = "yes"
DONE_NO = "no"

CHART_DATA_FUNNEL = ("Stage", "Leads", "Conversion from previous")
CHART_DATA_MQL = ("Campaign", "MQLs", "Target")
CHART_DATA_SLA = ("Week from", "Accepted in time (%)", "First contact in time (%)", "Handoffs")
CHART_DATA_HOURS = ("Business hours", "Leads")
CHART_DATA_REJECT = ("Return reason", "Leads")
CHART_DATA_LOST = ("Lost reason", "Deals")
CHART_DATA_WIN = ("Campaign", "Won", "Lost", "Win rate (%)", "Revenue won (€)")

# --- the leads list export ------------------------------------------------------------------------------

LEAD_EXTRA_COLUMNS: dict[str, str] = {
    "id": "Lead #",
    "campaign": "Campaign",
    "score": "Score",
    "stage": "Stage",
    "marketing_owner": "Marketing owner",
    "sales_owner": "Sales owner",
    "handoff_note": "Handoff note",
    "reject_reason": "Return reason",
    "reject_note": "Return note",
    "lost_reason": "Lost reason",
    "expected_value": "Expected value (€)",
    "expected_close_on": "Expected close",
    "created_at": "Created",
    "mql_at": "MQL at",
    "handed_off_at": "Handed off at",
    "accepted_at": "Accepted at",
    "rejected_at": "Returned at",
    "first_contact_at": "First contact at",
    "closed_at": "Closed at",
    "accept_due_at": "Accept due",
    "contact_due_at": "First contact due",
    "attempts": "Contact attempts",
    "last_activity_at": "Last activity",
    "next_step_on": "Next step on",
    "updated_at": "Updated",
    "touches": "Campaign touches",
    "first_touch_at": "First touch",
    "last_touch_at": "Last touch",
    "touched_campaigns": "Campaigns touched",
    "custom_fields": "Custom fields",
}
YES = "yes"
NO = "no"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day: date) -> str:
    """'5 Oct' — chart ticks and period texts."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def long_date(day: date) -> str:
    """'5 Oct 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def period_text(start: date, end: date) -> str:
    return f"{long_date(start)} – {long_date(end)}"


def money(value: float) -> str:
    """'€ 102,500' (report content is English for now; see the module docstring)."""
    return f"€ {value:,.0f}"


def compact_money(value: float) -> str:
    """'€ 102.5k', '€ 1.2M' for labels on bars."""
    if abs(value) >= 1_000_000:
        return f"€ {value / 1_000_000:.1f}M"
    if abs(value) >= 1_000:
        return f"€ {value / 1_000:.1f}k"
    return f"€ {value:.0f}"


def count(value: int | float) -> str:
    return f"{value:,.0f}"


def percent(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else f"{value:.{decimals}f} %"


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


CONTINUED = "continued"
TARGET = "target"
