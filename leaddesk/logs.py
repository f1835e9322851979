"""The application log: a rotating file in the data folder; never holds passwords."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from leaddesk.config import data_dir

_configured = False


def log_file() -> Path:
    return data_dir() / "logs" / "leaddesk.log"


def setup_logging(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("leaddesk")
    root.addHandler(handler)
    root.setLevel(level)
    _configured = True
