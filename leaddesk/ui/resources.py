"""Finding files under `resources/` (icons, translations) and loading icons."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

_CANDIDATES = (
    Path(__file__).resolve().parents[2] / "resources",  # a source checkout or an editable install
    Path(__file__).resolve().parents[1] / "resources",  # bundled inside the package
)


def resource_path(*parts: str) -> Path | None:
    for root in _CANDIDATES:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    return None


@cache
def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg`, or an empty icon when it is missing."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path else QIcon()
