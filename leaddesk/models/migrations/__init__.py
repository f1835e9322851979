"""Alembic migrations. `HEAD` names the newest revision so that start-up can check the schema without
loading Alembic; a test keeps it equal to Alembic's own head."""

from __future__ import annotations

from pathlib import Path

HEAD = "0001"
MIGRATIONS_DIR = Path(__file__).parent


def known_revisions() -> set[str]:
    """Revision ids of this release, from the version file names (`0001_initial.py` → `0001`)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py")}
