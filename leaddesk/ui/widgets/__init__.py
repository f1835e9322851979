"""widgets of the LeadDesk window."""
