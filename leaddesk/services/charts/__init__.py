"""The report's charts as matplotlib `Figure` objects, built without any GUI toolkit (and without
matplotlib's global state machine interface): the window draws them on a canvas, the PDF writer prints
them."""

from leaddesk.services.charts.palette import DARK, LIGHT, Palette, palette_for
from leaddesk.services.charts.report_charts import CHART_NAMES, CHARTS, all_charts, build_chart, new_figure

__all__ = [
    "CHARTS",
    "CHART_NAMES",
    "DARK",
    "LIGHT",
    "Palette",
    "all_charts",
    "build_chart",
    "new_figure",
    "palette_for",
]
