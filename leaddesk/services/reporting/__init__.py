"""Period figures for the dashboard and the meeting report: SQL aggregates plus the SLA service's figures.

`labels` holds every English text of report content (charts, sheets, PDF), in one place for translation.
"""

from leaddesk.services.reporting.periods import Period, PeriodKind, preset_period, trend_buckets
from leaddesk.services.reporting.reporting_service import (
    DEFAULT_STALE_DAYS,
    ReportCancelled,
    ReportingService,
)

__all__ = [
    "DEFAULT_STALE_DAYS",
    "Period",
    "PeriodKind",
    "ReportCancelled",
    "ReportingService",
    "preset_period",
    "trend_buckets",
]
