"""Exports: the meeting report to xlsx (native charts) and PDF (A4, matplotlib), and the leads list to
xlsx or CSV. `cells.safe_cell` decides how every value from the data is written."""

from leaddesk.services.export.cells import ExportCancelled, LiteralText, atomic_output, safe_cell

__all__ = ["ExportCancelled", "LiteralText", "atomic_output", "safe_cell"]
