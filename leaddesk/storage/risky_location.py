"""Warn when the SQLite file sits where SQLite cannot keep it safe: network shares and cloud-sync folders.

SQLite's locking (and WAL's shared memory) needs a local file system: network file systems implement
locks loosely or not at all, and sync clients upload a database and its ``-wal`` file separately, halfway
through a write, or make "conflicted copies". Either way two PCs end up corrupting or silently losing
data. `assess` finds such places; the app shows the messages and recommends the PostgreSQL team mode.

Detection:
- Linux: the file system type of the longest mount point containing the path, from
  ``/proc/self/mountinfo`` (or ``/proc/mounts``); the table path is injectable for tests.
- Windows: UNC paths (``\\\\server\\share``) and drive letters whose ``GetDriveTypeW`` is DRIVE_REMOTE.
- everywhere: path components naming a cloud-sync folder (Dropbox, OneDrive, Google Drive, iCloud …).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath, PureWindowsPath
from typing import Final

MOUNTINFO_PATHS: Final = (Path("/proc/self/mountinfo"), Path("/proc/mounts"))

#: File system types (Linux names) that live on another machine.
NETWORK_FS_TYPES: Final = frozenset(
    {
        "cifs",
        "smb3",
        "smbfs",
        "smb",
        "nfs",
        "nfs4",
        "9p",
        "afs",
        "coda",
        "ncpfs",
        "davfs",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "beegfs",
        "fuse.sshfs",
        "sshfs",
        "fuse.davfs2",
        "fuse.glusterfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.gcsfuse",
        "fuse.cephfs",
        "fuse.smbnetfs",
    }
)


class RiskKind(StrEnum):
    NETWORK_FILESYSTEM = "network_filesystem"
    NETWORK_SHARE_PATH = "network_share_path"
    CLOUD_SYNC_FOLDER = "cloud_sync_folder"


@dataclass(frozen=True, slots=True)
class Risk:
    kind: RiskKind
    #: What was found: the file system type and mount point, the share, or the sync service.
    detail: str
    message: str


_TEAM_MODE = (
    "If several people need the same leads, use the PostgreSQL team mode instead: a server built for "
    "many PCs at once, which LeadDesk supports with the same features."
)


def _network_message(detail: str) -> str:
    return (
        f"The database file is on a network file system ({detail}). SQLite relies on file locks and "
        "shared memory that network file systems do not provide reliably, so two PCs writing at the "
        "same time, or a dropped connection during a write, can corrupt the file or lose changes. Keep "
        "the file on this PC's own disk. " + _TEAM_MODE
    )


def _share_message(detail: str) -> str:
    return (
        f"The database file is on a network share ({detail}). SQLite relies on file locks that network "
        "shares do not provide reliably, so two PCs writing at the same time, or a dropped connection "
        "during a write, can corrupt the file or lose changes. Keep the file on this PC's own disk. "
        + _TEAM_MODE
    )


def _cloud_message(detail: str) -> str:
    return (
        f"The database file is inside a {detail} folder. Sync services copy files while they change: "
        "they can upload the database and its journal separately or halfway through a write, or create "
        "'conflicted copies', and a second PC opening its synced copy overwrites the first one's work. "
        "Move the file (and its backups) to a local folder that is not synced. " + _TEAM_MODE
    )


# --- cloud-sync folders ----------------------------------------------------------------------------


#: (pattern a whole path component must match, service name). Generic words ("Box", "MEGA", "Sync")
#: match only with the service's own capitalisation.
_CLOUD_COMPONENTS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"dropbox( \(.+\))?", re.IGNORECASE), "Dropbox"),
    (re.compile(r"onedrive( - .+|-.+)?", re.IGNORECASE), "OneDrive"),
    (re.compile(r"google ?drive(-.+)?|my drive", re.IGNORECASE), "Google Drive"),
    (re.compile(r"icloud ?drive.*", re.IGNORECASE), "iCloud Drive"),
    (re.compile(r"com~apple~clouddocs", re.IGNORECASE), "iCloud Drive"),
    (re.compile(r"Box|Box Sync|Box Drive"), "Box"),
    (re.compile(r"pcloud( drive)?|pclouddrive", re.IGNORECASE), "pCloud"),
    (re.compile(r"MEGA|MEGAsync|MEGA Sync"), "MEGA"),
    (re.compile(r"nextcloud", re.IGNORECASE), "Nextcloud"),
    (re.compile(r"owncloud", re.IGNORECASE), "ownCloud"),
    # ~/Sync is the default folder of both Sync.com and Syncthing.
    (re.compile(r"(?i:sync\.com)|Sync"), "Sync.com or Syncthing"),
)


def cloud_service(path: str | PurePath) -> str | None:
    """The sync service whose folder contains `path`, judged from its components, or None."""
    parts = _components(path)
    for i, part in enumerate(parts):
        if (
            part.lower() == "cloudstorage"
            and i > 0
            and parts[i - 1].lower() == "library"
            and i + 1 < len(parts)
        ):
            # macOS File Provider folders: ~/Library/CloudStorage/<Service>-<account>
            return _cloud_from_component(parts[i + 1]) or parts[i + 1].split("-", 1)[0]
        if part.lower() == "mobile documents" and i + 1 < len(parts):
            return "iCloud Drive"
    for part in parts[:-1]:  # the database's own file name does not count
        service = _cloud_from_component(part)
        if service:
            return service
    return None


def _cloud_from_component(part: str) -> str | None:
    for pattern, service in _CLOUD_COMPONENTS:
        if pattern.fullmatch(part):
            return service
    return None


def _components(path: str | PurePath) -> list[str]:
    text = str(path)
    pure: PurePath = (
        PureWindowsPath(text) if ("\\" in text or re.match(r"^[A-Za-z]:", text)) else PurePath(text)
    )
    return [p for p in pure.parts if p not in ("/", "\\")]


# --- network shares (Windows) ------------------------------------------------------------------------


def unc_share(path: str | PurePath) -> str | None:
    """``\\\\server\\share`` for a UNC path (also ``\\\\?\\UNC\\…`` and ``//server/share``), else None."""
    text = str(path)
    if text.startswith(("\\\\?\\UNC\\", "\\\\?\\unc\\")):
        text = "\\\\" + text[len("\\\\?\\UNC\\") :]
    elif text.startswith(("\\\\?\\", "\\\\.\\")):
        return None  # local device path
    if not text.startswith(("\\\\", "//")):
        return None
    drive = PureWindowsPath(text).drive
    return drive or None


def _windows_remote_drive(path: str) -> str | None:
    if sys.platform != "win32":
        return None
    import ctypes

    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if not drive or drive.startswith("\\\\"):
        return None
    drive_remote = 4
    try:
        kind = ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")
    except (AttributeError, OSError):
        return None
    return drive if kind == drive_remote else None


# --- mount table (Linux) ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mount:
    mount_point: str
    fs_type: str
    source: str


def _unescape(field: str) -> str:
    """Mount tables escape space, tab, newline and backslash as octal (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mount_table(text: str) -> list[Mount]:
    """Parse /proc/self/mountinfo or /proc/mounts text (the format is recognised per line)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if " - " in line and len(fields) >= 10:
            # mountinfo: id parent major:minor root mount_point options [optional…] - type source super
            sep = fields.index("-", 6)
            mounts.append(Mount(_unescape(fields[4]), fields[sep + 1], _unescape(fields[sep + 2])))
        elif len(fields) >= 3:
            # /proc/mounts, fstab style: source mount_point type options dump pass
            mounts.append(Mount(_unescape(fields[1]), fields[2], _unescape(fields[0])))
    return mounts


def read_mount_table(mount_table: Path | None = None) -> list[Mount]:
    candidates = (mount_table,) if mount_table is not None else MOUNTINFO_PATHS
    for candidate in candidates:
        try:
            return parse_mount_table(candidate.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return []


def mount_for(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount with the longest mount point that contains `path` (the last one wins on ties, as in
    the kernel, where a later mount hides an earlier one on the same point)."""
    best: Mount | None = None
    for mount in mounts:
        point = mount.mount_point.rstrip("/") or "/"
        inside = point == "/" or path == point or path.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")):
            best = mount
    return best


# --- assessment ---------------------------------------------------------------------------------------


def assess(path: str | PurePath, *, mount_table: Path | None = None) -> list[Risk]:
    """The risks of keeping a SQLite database at `path` (empty when it looks safe).

    `mount_table` replaces /proc/self/mountinfo (tests); when given, it is used on any platform.
    """
    risks: list[Risk] = []
    text = str(path)

    share = unc_share(text)
    if share:
        risks.append(Risk(RiskKind.NETWORK_SHARE_PATH, share, _share_message(share)))
    else:
        remote_drive = _windows_remote_drive(text)
        if remote_drive:
            detail = f"network drive {remote_drive}"
            risks.append(Risk(RiskKind.NETWORK_SHARE_PATH, detail, _share_message(detail)))

    if share is None and (mount_table is not None or sys.platform.startswith("linux")):
        resolved = os.path.realpath(text)  # a symlink into a network mount counts as that mount
        mount = mount_for(resolved, read_mount_table(mount_table))
        if mount is not None and _is_network_fs(mount.fs_type):
            detail = f"{mount.fs_type} at {mount.mount_point}"
            risks.append(Risk(RiskKind.NETWORK_FILESYSTEM, detail, _network_message(detail)))

    service = cloud_service(text)
    if service:
        risks.append(Risk(RiskKind.CLOUD_SYNC_FOLDER, service, _cloud_message(service)))
    return risks


def _is_network_fs(fs_type: str) -> bool:
    fs_type = fs_type.lower()
    return fs_type in NETWORK_FS_TYPES or fs_type.startswith(("nfs", "smb", "cifs"))
