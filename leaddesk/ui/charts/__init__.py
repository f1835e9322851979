"""charts of the LeadDesk window."""
