"""Plain types shared by every layer: enums, records, errors. No SQLAlchemy, no Qt."""
