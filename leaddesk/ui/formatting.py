"""Turning values into text for people: translated labels, dates and numbers in the user's locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import QDate, QDateTime, QLocale, QTimeZone
from PySide6.QtGui import QColor

from leaddesk.domain.enums import ActivityKind, Channel, EventKind, Outcome, RejectReason, Role, Stage
from leaddesk.ui.i18n import tr


def stage_label(stage: Stage) -> str:
    return {
        Stage.NEW: tr("Stage", "New"),
        Stage.MQL: tr("Stage", "MQL"),
        Stage.HANDED_OFF: tr("Stage", "Handed off"),
        Stage.ACCEPTED: tr("Stage", "Accepted"),
        Stage.CONTACTED: tr("Stage", "Contacted"),
        Stage.OPPORTUNITY: tr("Stage", "Opportunity"),
        Stage.WON: tr("Stage", "Won"),
        Stage.LOST: tr("Stage", "Lost"),
        Stage.REJECTED: tr("Stage", "Returned"),
        Stage.DISQUALIFIED: tr("Stage", "Disqualified"),
    }[stage]


#: Muted colours per stage: readable as text on light and dark palettes.
STAGE_COLORS = {
    Stage.NEW: "#6b7785",
    Stage.MQL: "#7b5cc4",
    Stage.HANDED_OFF: "#d07a12",
    Stage.ACCEPTED: "#2f7fc1",
    Stage.CONTACTED: "#1f8f9a",
    Stage.OPPORTUNITY: "#3a7d44",
    Stage.WON: "#2e8b3e",
    Stage.LOST: "#b03a3a",
    Stage.REJECTED: "#c0562a",
    Stage.DISQUALIFIED: "#8a8a8a",
}


def stage_color(stage: Stage) -> QColor:
    return QColor(STAGE_COLORS[stage])


def role_label(role: Role) -> str:
    return {
        Role.MARKETING: tr("Role", "Marketing"),
        Role.SALES: tr("Role", "Sales"),
        Role.MANAGER: tr("Role", "Manager"),
    }[role]


def channel_label(channel: Channel) -> str:
    return {
        Channel.EMAIL: tr("Channel", "Email"),
        Channel.EVENT: tr("Channel", "Event"),
        Channel.WEBINAR: tr("Channel", "Webinar"),
        Channel.ADS: tr("Channel", "Ads"),
        Channel.SOCIAL: tr("Channel", "Social"),
        Channel.REFERRAL: tr("Channel", "Referral"),
        Channel.OTHER: tr("Channel", "Other"),
    }[channel]


def reject_reason_label(reason: str) -> str:
    labels = {
        RejectReason.NOT_IN_TARGET.value: tr("Reason", "Not in target"),
        RejectReason.BAD_DATA.value: tr("Reason", "Wrong or incomplete data"),
        RejectReason.DUPLICATE.value: tr("Reason", "Duplicate"),
        RejectReason.WRONG_PERSON.value: tr("Reason", "Routed to the wrong person"),
        RejectReason.OTHER.value: tr("Reason", "Other"),
    }
    return labels.get(reason, reason)


def activity_label(kind: ActivityKind) -> str:
    return {
        ActivityKind.CALL: tr("Activity", "Call"),
        ActivityKind.EMAIL: tr("Activity", "Email"),
        ActivityKind.MEETING: tr("Activity", "Meeting"),
    }[kind]


def outcome_label(outcome: Outcome) -> str:
    return {
        Outcome.REACHED: tr("Outcome", "Reached"),
        Outcome.NO_ANSWER: tr("Outcome", "No answer"),
        Outcome.VOICEMAIL: tr("Outcome", "Voicemail"),
        Outcome.MEETING_BOOKED: tr("Outcome", "Meeting booked"),
        Outcome.NOT_INTERESTED: tr("Outcome", "Not interested"),
        Outcome.CALL_BACK: tr("Outcome", "Call back on date"),
        Outcome.SENT: tr("Outcome", "Sent"),
    }[outcome]


def event_label(kind: EventKind) -> str:
    return {
        EventKind.CREATED: tr("Event", "Created"),
        EventKind.IMPORTED: tr("Event", "Imported"),
        EventKind.QUALIFIED: tr("Event", "Qualified as MQL"),
        EventKind.HANDED_OFF: tr("Event", "Handed off to sales"),
        EventKind.ACCEPTED: tr("Event", "Accepted by sales"),
        EventKind.REJECTED: tr("Event", "Returned to marketing"),
        EventKind.CONTACTED: tr("Event", "First contact"),
        EventKind.OPPORTUNITY: tr("Event", "Became an opportunity"),
        EventKind.WON: tr("Event", "Won"),
        EventKind.LOST: tr("Event", "Lost"),
        EventKind.RECYCLED: tr("Event", "Recycled to nurture"),
        EventKind.DISQUALIFIED: tr("Event", "Disqualified"),
        EventKind.ASSIGNED: tr("Event", "Reassigned"),
        EventKind.ACTIVITY: tr("Event", "Activity logged"),
        EventKind.EDITED: tr("Event", "Edited"),
        EventKind.MERGED: tr("Event", "Merged with a duplicate"),
        EventKind.TOUCHED: tr("Event", "Saw campaign content"),
        EventKind.DELETED: tr("Event", "Moved to trash"),
        EventKind.RESTORED: tr("Event", "Restored from trash"),
        EventKind.ERASED: tr("Event", "Personal data erased"),
        EventKind.IMPORT_UNDONE: tr("Event", "Import undone"),
        EventKind.PAUSED: tr("Event", "Clock paused until call back"),
    }[kind]


def local_datetime(value: datetime | None) -> QDateTime | None:
    """A UTC instant as a QDateTime in the computer's time zone."""
    if value is None:
        return None
    qdt = QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.utc())
    return qdt.toLocalTime()


def format_datetime(value: datetime | None) -> str:
    qdt = local_datetime(value)
    return QLocale().toString(qdt, QLocale.FormatType.ShortFormat) if qdt else ""


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        qdt = local_datetime(value)
        return QLocale().toString(qdt.date(), QLocale.FormatType.ShortFormat) if qdt else ""
    return QLocale().toString(QDate(value.year, value.month, value.day), QLocale.FormatType.ShortFormat)


def date_edit_format() -> str:
    """The user's short date format with a four-digit year, for date fields ("dd.MM.yyyy" in German)."""
    pattern = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    return pattern if "yyyy" in pattern else pattern.replace("yy", "yyyy")


def format_int(value: int) -> str:
    return QLocale().toString(value)


def format_decimal(value: float, decimals: int = 1) -> str:
    """A number with a fixed count of decimals, in the user's locale (12,5 in Italy)."""
    return QLocale().toString(float(value), "f", decimals)


def format_money(value: Decimal | float | None) -> str:
    if value is None:
        return ""
    return QLocale().toCurrencyString(float(value), "€", 0)


def format_percent(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    return format_decimal(value * 100, decimals) + " %"


def format_hours(hours: float) -> str:
    """Business time for people: '45 min', '3 h 20 min', '2 d 4 h' style, locale-neutral units."""
    minutes = round(abs(hours) * 60)
    if minutes < 60:
        text = tr("Duration", "%Ln min", None, minutes)
    elif minutes < 60 * 24:
        h, m = divmod(minutes, 60)
        text = tr("Duration", "%1 h %2 min").replace("%1", str(h)).replace("%2", f"{m:02d}")
    else:
        d, rest = divmod(minutes, 60 * 24)
        text = tr("Duration", "%1 d %2 h").replace("%1", str(d)).replace("%2", str(rest // 60))
    return text
