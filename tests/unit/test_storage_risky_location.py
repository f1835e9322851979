"""Network file systems, network shares and cloud-sync folders are flagged; local disks are not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leaddesk.storage.risky_location import (
    RiskKind,
    assess,
    cloud_service,
    parse_mount_table,
    unc_share,
)

MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime shared:5 - proc proc rw
27 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
40 27 0:45 / /mnt/nas rw,relatime shared:20 - cifs //fileserver/sales rw,vers=3.1.1
41 40 253:2 / /mnt/nas/local rw,relatime shared:21 - ext4 /dev/vdb1 rw
42 27 0:46 / /home/ada/remote rw,nosuid,nodev,relatime shared:22 - fuse.sshfs ada@box:/srv rw
43 27 0:47 / /srv/team\040share rw,relatime shared:23 master:1 - nfs4 nas:/export/team rw
44 27 0:48 / /mnt/wsl rw,relatime - 9p drvfs rw
45 27 0:49 / /media/usb rw,relatime - vfat /dev/sdb1 rw
"""

PROC_MOUNTS = """/dev/vda1 / ext4 rw,relatime 0 0
nas.local:/export /data/shared nfs rw,vers=4.2 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.fixture
def mountinfo(tmp_path: Path) -> Path:
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTINFO)
    return path


@pytest.mark.parametrize(
    ("db", "fs_type"),
    [
        ("/mnt/nas/leads.sqlite3", "cifs"),
        ("/mnt/nas/deep/er/leads.sqlite3", "cifs"),
        ("/home/ada/remote/leads.sqlite3", "fuse.sshfs"),
        ("/srv/team share/leads.sqlite3", "nfs4"),
        ("/mnt/wsl/leads.sqlite3", "9p"),
    ],
)
def test_network_mounts_are_flagged(mountinfo: Path, db: str, fs_type: str) -> None:
    risks = assess(db, mount_table=mountinfo)
    assert [r.kind for r in risks] == [RiskKind.NETWORK_FILESYSTEM]
    assert risks[0].detail.startswith(fs_type + " at ")
    assert "PostgreSQL team mode" in risks[0].message


@pytest.mark.parametrize(
    "db",
    [
        "/home/ada/.local/share/LeadDesk/leads.sqlite3",
        "/mnt/nas/local/leads.sqlite3",  # a local disk mounted inside the share: longest prefix wins
        "/mnt/nasty/leads.sqlite3",  # a prefix of the text, not of the path
        "/media/usb/leads.sqlite3",
        "/srv/team/leads.sqlite3",
    ],
)
def test_local_paths_are_not_flagged(mountinfo: Path, db: str) -> None:
    assert assess(db, mount_table=mountinfo) == []


def test_proc_mounts_format_is_understood(tmp_path: Path) -> None:
    table = tmp_path / "mounts"
    table.write_text(PROC_MOUNTS)
    assert [r.detail for r in assess("/data/shared/leads.sqlite3", mount_table=table)] == [
        "nfs at /data/shared"
    ]
    assert assess("/tmp/leads.sqlite3", mount_table=table) == []
    assert [m.mount_point for m in parse_mount_table(MOUNTINFO)][3] == "/mnt/nas/local"


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="symlinks")
def test_a_symlink_into_a_network_mount_counts(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    (tmp_path / "link").symlink_to(share)
    table = tmp_path / "mountinfo"
    table.write_text(f"50 27 0:50 / {share} rw - smb3 //srv/x rw\n27 1 253:1 / / rw - ext4 /dev/vda1 rw\n")
    risks = assess(tmp_path / "link" / "leads.sqlite3", mount_table=table)
    assert [r.kind for r in risks] == [RiskKind.NETWORK_FILESYSTEM]


def test_unc_paths_are_network_shares(mountinfo: Path) -> None:
    for path in [r"\\fileserver\sales\LeadDesk\leads.sqlite3", r"\\?\UNC\fileserver\sales\leads.sqlite3"]:
        risks = assess(path, mount_table=mountinfo)
        assert [r.kind for r in risks] == [RiskKind.NETWORK_SHARE_PATH]
        assert risks[0].detail.lower() == r"\\fileserver\sales"
        assert "PostgreSQL team mode" in risks[0].message
    assert unc_share(r"\\?\C:\data\leads.sqlite3") is None
    assert unc_share(r"C:\data\leads.sqlite3") is None


@pytest.mark.parametrize(
    ("db", "service"),
    [
        ("/home/ada/Dropbox/leads.sqlite3", "Dropbox"),
        ("/home/ada/Dropbox (Acme)/crm/leads.sqlite3", "Dropbox"),
        (r"C:\Users\Ada\OneDrive\Documenti\leads.sqlite3", "OneDrive"),
        (r"C:\Users\Ada\OneDrive - Acme S.p.A\leads.sqlite3", "OneDrive"),
        ("/Users/ada/Library/CloudStorage/OneDrive-Personal/leads.sqlite3", "OneDrive"),
        (
            "/Users/ada/Library/CloudStorage/GoogleDrive-ada@example.com/My Drive/leads.sqlite3",
            "Google Drive",
        ),
        (r"G:\My Drive\leads.sqlite3", "Google Drive"),
        ("/home/ada/Google Drive/leads.sqlite3", "Google Drive"),
        ("/home/ada/GoogleDrive/leads.sqlite3", "Google Drive"),
        ("/Users/ada/Library/Mobile Documents/com~apple~CloudDocs/leads.sqlite3", "iCloud Drive"),
        (r"C:\Users\Ada\iCloudDrive\leads.sqlite3", "iCloud Drive"),
        ("/Users/ada/iCloud Drive/leads.sqlite3", "iCloud Drive"),
        ("/Users/ada/Box/leads.sqlite3", "Box"),
        ("/home/ada/pCloud Drive/leads.sqlite3", "pCloud"),
        ("/home/ada/MEGA/leads.sqlite3", "MEGA"),
        ("/home/ada/Nextcloud/leads.sqlite3", "Nextcloud"),
        ("/home/ada/ownCloud/leads.sqlite3", "ownCloud"),
        ("/home/ada/Sync.com/leads.sqlite3", "Sync.com or Syncthing"),
        ("/home/ada/Sync/leads.sqlite3", "Sync.com or Syncthing"),
    ],
)
def test_cloud_sync_folders_are_flagged(mountinfo: Path, db: str, service: str) -> None:
    assert cloud_service(db) == service
    risks = [r for r in assess(db, mount_table=mountinfo) if r.kind is RiskKind.CLOUD_SYNC_FOLDER]
    assert len(risks) == 1 and risks[0].detail == service
    assert service in risks[0].message and "PostgreSQL team mode" in risks[0].message


@pytest.mark.parametrize(
    "db",
    [
        "/home/ada/Documents/leads.sqlite3",
        "/home/ada/box/leads.sqlite3",  # a lowercase "box" is just a word
        "/home/ada/Boxes/leads.sqlite3",
        "/home/ada/Dropbox.sqlite3",  # the file's own name does not count
        "/home/ada/syncing/leads.sqlite3",
        r"C:\Users\Ada\Documents\leads.sqlite3",
    ],
)
def test_ordinary_folders_are_not_cloud(db: str) -> None:
    assert cloud_service(db) is None


def test_a_share_and_a_sync_folder_give_two_risks(mountinfo: Path) -> None:
    risks = assess("/mnt/nas/Dropbox/leads.sqlite3", mount_table=mountinfo)
    assert {r.kind for r in risks} == {RiskKind.NETWORK_FILESYSTEM, RiskKind.CLOUD_SYNC_FOLDER}
