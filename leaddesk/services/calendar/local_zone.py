"""The IANA name of the computer's time zone, without third-party packages."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

FALLBACK_ZONE = "UTC"

# Windows reports its own zone names; these are the zones LeadDesk's users are likely to have (CLDR mapping,
# with Italy's own zone for "W. Europe Standard Time" since the product is Italian first).
_WINDOWS_ZONES: dict[str, str] = {
    "W. Europe Standard Time": "Europe/Rome",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kyiv",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "India Standard Time": "Asia/Kolkata",
    "China Standard Time": "Asia/Shanghai",
    "Tokyo Standard Time": "Asia/Tokyo",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "Lord Howe Standard Time": "Australia/Lord_Howe",
    "UTC": "UTC",
}


def _name_from_path(path: str) -> str | None:
    marker = "zoneinfo/"
    index = path.rfind(marker)
    return path[index + len(marker) :] if index >= 0 else None


def _windows_zone() -> str | None:  # pragma: no cover - exercised on Windows only
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(
            winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\TimeZoneInformation"
        ) as key:
            name, _ = winreg.QueryValueEx(key, "TimeZoneKeyName")
    except OSError:
        return None
    return _WINDOWS_ZONES.get(str(name).rstrip("\x00").strip())


def _zone_candidates() -> Iterator[str]:
    """Possible names, most specific first: $TZ, /etc/timezone, the /etc/localtime link, Windows' registry."""
    tz = os.environ.get("TZ", "").strip().lstrip(":")
    if tz:
        yield _name_from_path(tz) or tz
    try:
        etc_timezone = Path("/etc/timezone").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        etc_timezone = ""
    if etc_timezone:
        yield etc_timezone
    try:
        name = _name_from_path(os.path.realpath("/etc/localtime"))
    except OSError:  # pragma: no cover
        name = None
    if name:
        yield name
    windows = _windows_zone()
    if windows:  # pragma: no cover
        yield windows


def is_zone_name(name: str) -> bool:
    """True when ``name`` is an IANA zone that this computer's tz database knows."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def local_zone_name() -> str:
    """The computer's IANA zone name (e.g. ``"Europe/Rome"``), or ``"UTC"`` when it cannot be told."""
    for candidate in _zone_candidates():
        if is_zone_name(candidate):
            return candidate
    return FALLBACK_ZONE
