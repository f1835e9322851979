"""The report's charts as matplotlib `Figure` objects, built without any GUI toolkit (and without
matplotlib's global state machine interface): the chart renderer's processes draw them for the window,
the PDF writer prints them.

The figure builders are imported on first use: the window reads the palettes and the renderer's records
from this package, and never loads matplotlib itself.
"""

from typing import Any

from leaddesk.services.charts.palette import DARK, LIGHT, Palette, palette_for

_FROM_REPORT_CHARTS = ("CHARTS", "CHART_NAMES", "all_charts", "build_chart", "new_figure")

__all__ = ["DARK", "LIGHT", "Palette", "palette_for", *_FROM_REPORT_CHARTS]


def __getattr__(name: str) -> Any:
    if name in _FROM_REPORT_CHARTS:
        from leaddesk.services.charts import report_charts

        return getattr(report_charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
