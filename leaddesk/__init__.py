"""LeadDesk: the lead handoff desk between marketing and sales."""

__version__ = "0.1.0"
