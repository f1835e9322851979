"""The one business-hours calendar: opening hours, holidays, closures, business-time arithmetic."""

from leaddesk.services.calendar.business_calendar import (
    DEFAULT_COUNTRY,
    DEFAULT_HOURS,
    MAX_YEAR,
    MIN_YEAR,
    SEARCH_LIMIT_YEARS,
    BusinessCalendar,
)
from leaddesk.services.calendar.errors import CalendarError
from leaddesk.services.calendar.hours import (
    WEEKDAY_NAMES,
    Closure,
    OpeningInterval,
    WeeklyHours,
    format_closure,
    format_hours,
    format_time,
    normalize_hours,
    parse_closure,
    parse_hours,
    parse_time,
    weekday_index,
)
from leaddesk.services.calendar.local_zone import is_zone_name, local_zone_name

__all__ = [
    "DEFAULT_COUNTRY",
    "DEFAULT_HOURS",
    "MAX_YEAR",
    "MIN_YEAR",
    "SEARCH_LIMIT_YEARS",
    "WEEKDAY_NAMES",
    "BusinessCalendar",
    "CalendarError",
    "Closure",
    "OpeningInterval",
    "WeeklyHours",
    "format_closure",
    "format_hours",
    "format_time",
    "is_zone_name",
    "local_zone_name",
    "normalize_hours",
    "parse_closure",
    "parse_hours",
    "parse_time",
    "weekday_index",
]
