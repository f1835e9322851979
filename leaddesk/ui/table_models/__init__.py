"""table_models of the LeadDesk window."""
