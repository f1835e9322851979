"""pages of the LeadDesk window."""
