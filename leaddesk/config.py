"""Where things live: the data folder and the database URL (flag, environment, default)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "LeadDesk"
ENV_DATABASE_URL = "LEADDESK_DATABASE_URL"
ENV_DATA_DIR = "LEADDESK_DATA_DIR"


def data_dir() -> Path:
    """The per-user data folder (overridable with LEADDESK_DATA_DIR, which the tests always set)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    return data_dir() / "leaddesk.sqlite3"


def database_url(flag: str | None = None) -> str:
    """The database to open: `--db`, else LEADDESK_DATABASE_URL, else the SQLite file in the data folder.

    A plain file path is accepted wherever a URL is, and means a SQLite file.
    """
    value = flag or os.environ.get(ENV_DATABASE_URL) or str(default_database_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())
