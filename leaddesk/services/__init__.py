"""Use cases: one call is one unit of work. Never imports Qt."""
