"""dialogs of the LeadDesk window."""
