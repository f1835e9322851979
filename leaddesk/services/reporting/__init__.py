"""Period figures for the dashboard and the meeting report: SQL aggregates plus the SLA service's figures.

`labels` holds every English text of report content (charts, sheets, PDF), in one place for translation.

The service (and with it SQLAlchemy) is imported on first use: the chart renderer's processes read the
records and labels here and never touch the database.
"""

from typing import Any

_FROM_PERIODS = ("Period", "PeriodKind", "preset_period", "trend_buckets")
_FROM_SERVICE = ("DEFAULT_STALE_DAYS", "ReportCancelled", "ReportingService")

__all__ = [*_FROM_SERVICE, *_FROM_PERIODS]


def __getattr__(name: str) -> Any:
    if name in _FROM_PERIODS:
        from leaddesk.services.reporting import periods

        return getattr(periods, name)
    if name in _FROM_SERVICE:
        from leaddesk.services.reporting import reporting_service

        return getattr(reporting_service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
