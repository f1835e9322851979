"""A minimal, bounded reader of OLE2 compound files (legacy .xls, and encrypted Office packages).

It only lists the directory and reads the start of one stream: enough to tell an encrypted workbook from
an .xls, and to read an .xls workbook's global settings (1904 date system, password protection). Every
loop is bounded, so a crafted file cannot make it spin or allocate without limit.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_FREE = 0xFFFFFFFF
_END_OF_CHAIN = 0xFFFFFFFE
_MAX_SECTORS = 1 << 22  # 2 GiB of 512-byte sectors: more than any file we accept
_MAX_DIR_ENTRIES = 100_000


class CfbError(Exception):
    """The compound file is malformed (`truncated`: it refers to data past the end of the file)."""

    def __init__(self, message: str, *, truncated: bool = False) -> None:
        super().__init__(message)
        self.truncated = truncated


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class CompoundFile:
    """The directory of a compound file, and bounded reads of its streams."""

    def __init__(self, handle: BinaryIO, file_size: int) -> None:
        self._f = handle
        self._file_size = file_size
        header = self._read_at(0, 512)
        if len(header) < 512 or header[:8] != SIGNATURE:
            raise CfbError("not an OLE2 compound file")
        (sector_shift, mini_shift) = struct.unpack_from("<HH", header, 0x1E)
        if sector_shift not in (9, 12) or mini_shift != 6:
            raise CfbError("unsupported sector size")
        self._sector = 1 << sector_shift
        self._mini_sector = 1 << mini_shift
        (n_fat, first_dir, _sig, self._mini_cutoff, first_minifat, n_minifat, first_difat, n_difat) = (
            struct.unpack_from("<IIIIIIII", header, 0x2C)
        )
        fat_sectors = [
            s for s in struct.unpack_from("<109I", header, 0x4C) if s not in (_FREE, _END_OF_CHAIN)
        ]
        sector = first_difat
        for _ in range(min(n_difat, _MAX_SECTORS)):
            if sector in (_FREE, _END_OF_CHAIN):
                break
            block = self._sector_bytes(sector)
            per = self._sector // 4 - 1
            fat_sectors += [
                s for s in struct.unpack_from(f"<{per}I", block) if s not in (_FREE, _END_OF_CHAIN)
            ]
            (sector,) = struct.unpack_from("<I", block, per * 4)
        fat_sectors = fat_sectors[: max(n_fat, 0)]
        if len(fat_sectors) > _MAX_SECTORS // (self._sector // 4):
            raise CfbError("FAT too large")
        self._fat: list[int] = []
        for s in fat_sectors:
            self._fat.extend(struct.unpack(f"<{self._sector // 4}I", self._sector_bytes(s)))
        self._entries = self._read_directory(first_dir)
        root = self._entries[0] if self._entries else None
        self._mini_stream_start = root.start if root is not None else _END_OF_CHAIN
        self._minifat: list[int] = []
        if n_minifat and first_minifat not in (_FREE, _END_OF_CHAIN):
            raw = self._read_chain(first_minifat, n_minifat * self._sector)
            self._minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))

    # --- low level ----------------------------------------------------------------------------------

    def _read_at(self, offset: int, size: int) -> bytes:
        self._f.seek(offset)
        return self._f.read(size)

    def _sector_bytes(self, sector: int) -> bytes:
        offset = (sector + 1) * self._sector
        if sector >= _MAX_SECTORS or offset >= self._file_size:
            raise CfbError("sector outside the file", truncated=True)
        # The last sector may be short (some writers do not pad it): pad with 'free' markers.
        return self._read_at(offset, self._sector).ljust(self._sector, b"\xff")

    def _chain(self, start: int, limit_sectors: int) -> list[int]:
        chain: list[int] = []
        sector = start
        seen: set[int] = set()
        while sector not in (_END_OF_CHAIN, _FREE) and len(chain) < limit_sectors:
            if sector in seen or sector >= len(self._fat):
                raise CfbError("broken sector chain")
            seen.add(sector)
            chain.append(sector)
            sector = self._fat[sector]
        return chain

    def _read_chain(self, start: int, max_bytes: int) -> bytes:
        sectors = self._chain(start, max_bytes // self._sector + 1)
        return b"".join(self._sector_bytes(s) for s in sectors)[:max_bytes]

    def _read_directory(self, first_dir: int) -> list[_Entry]:
        raw = self._read_chain(first_dir, _MAX_DIR_ENTRIES * 128)
        entries: list[_Entry] = []
        for offset in range(0, len(raw) - 127, 128):
            name_len = struct.unpack_from("<H", raw, offset + 64)[0]
            kind = raw[offset + 66]
            start, size = struct.unpack_from("<IQ", raw, offset + 116)
            if self._sector == 512:
                size &= 0xFFFFFFFF
            name = raw[offset : offset + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
            entries.append(_Entry(name, kind, start, size))
        return entries

    # --- public -------------------------------------------------------------------------------------

    def stream_names(self) -> set[str]:
        return {e.name for e in self._entries if e.kind == 2}

    def read_stream(self, name: str, max_bytes: int) -> bytes:
        """The first `max_bytes` of the stream `name` (case-insensitive), or b"" if absent."""
        entry = next((e for e in self._entries if e.kind == 2 and e.name.lower() == name.lower()), None)
        if entry is None:
            return b""
        want = min(entry.size, max_bytes)
        if entry.size >= self._mini_cutoff:
            return self._read_chain(entry.start, want)
        # A small stream lives in the mini stream (itself a regular chain starting at the root entry).
        mini = self._read_chain(self._mini_stream_start, len(self._minifat) * self._mini_sector)
        out = bytearray()
        sector = entry.start
        seen: set[int] = set()
        while sector not in (_END_OF_CHAIN, _FREE) and len(out) < want:
            if sector in seen or sector >= len(self._minifat):
                raise CfbError("broken mini sector chain")
            seen.add(sector)
            out += mini[sector * self._mini_sector : (sector + 1) * self._mini_sector]
            sector = self._minifat[sector]
        return bytes(out[:want])


#: Streams of an encrypted OOXML package (ECMA-376 agile or standard encryption).
ENCRYPTED_PACKAGE_STREAMS = frozenset({"EncryptedPackage", "EncryptionInfo"})

_BIFF_BOF = 0x0809
_BIFF_EOF = 0x000A
_BIFF_FILEPASS = 0x002F
_BIFF_DATEMODE = 0x0022


@dataclass(frozen=True, slots=True)
class BiffGlobals:
    """What an .xls workbook's global substream says about the whole file."""

    encrypted: bool
    date_1904: bool


def read_biff_globals(stream: bytes) -> BiffGlobals:
    """Scan the records of an .xls workbook globals substream (up to its EOF record)."""
    offset = 0
    encrypted = False
    date_1904 = False
    first = True
    while offset + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, offset)
        body = stream[offset + 4 : offset + 4 + size]
        if first and kind != _BIFF_BOF and kind not in (0x0009, 0x0209, 0x0409):
            break
        first = False
        if kind == _BIFF_FILEPASS:
            encrypted = True
            break  # what follows is encrypted
        if kind == _BIFF_DATEMODE and len(body) >= 2:
            date_1904 = struct.unpack_from("<H", body)[0] == 1
        if kind == _BIFF_EOF:
            break
        offset += 4 + size
    return BiffGlobals(encrypted=encrypted, date_1904=date_1904)
