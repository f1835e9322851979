"""Alembic environment: always run on a connection handed over by `leaddesk.models.database`."""

from __future__ import annotations

from alembic import context

from leaddesk.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when someone runs the alembic CLI by hand
    raise RuntimeError("Run migrations through `leaddesk` (leaddesk.models.database.upgrade).")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
