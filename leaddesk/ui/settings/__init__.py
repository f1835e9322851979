"""Settings sections that features add to the Settings area."""
