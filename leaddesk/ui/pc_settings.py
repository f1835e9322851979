"""Per-PC state kept in QSettings: who I am, window layout, column layouts, last folder, language."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings


class PcSettings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings or QSettings()

    # who am I, per database (a PC may open several databases)
    def current_member_id(self, location: str) -> int | None:
        value = self._s.value(f"identity/{_key(location)}")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def set_current_member_id(self, location: str, member_id: int | None) -> None:
        if member_id is None:
            self._s.remove(f"identity/{_key(location)}")
        else:
            self._s.setValue(f"identity/{_key(location)}", member_id)

    def bytes(self, key: str) -> QByteArray | None:
        value = self._s.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self._s.setValue(key, value)

    def text(self, key: str, default: str = "") -> str:
        value = self._s.value(key, default)
        return str(value) if value is not None else default

    def set_text(self, key: str, value: str) -> None:
        self._s.setValue(key, value)

    def sync(self) -> None:
        self._s.sync()


def _key(location: str) -> str:
    # QSettings keys must not contain slashes meaningfully; keep them readable and unique.
    return location.replace("/", "|").replace("\\", "|")
