"""Zip archives, read safely. Pure: no Django, no boto3.

Limits on entry count, total uncompressed size and compression ratio stop zip bombs before any
byte is written; the actual bytes are counted while copying, since declared sizes can lie.
Entries with absolute paths or ``..`` are skipped and reported; encrypted zips are refused.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

CHUNK = 1024 * 1024


class ZipRejected(ValueError):
    """The archive cannot be unpacked safely; the message says why (shown to the user)."""


@dataclass(frozen=True)
class Limits:
    max_entries: int = 10_000
    max_total_size: int = 8 * 1024**3
    max_ratio: float = 200.0


@dataclass(frozen=True)
class Entry:
    name: str  # the path inside the archive
    basename: str
    size: int
    compressed: int


@dataclass
class Plan:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total_size(self) -> int:
        return sum(entry.size for entry in self.entries)

    def top_level(self) -> list[Entry]:
        """Entries at the root of the archive, not inside a folder."""
        return [entry for entry in self.entries if "/" not in entry.name.strip("/")]


def _unsafe_reason(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        return "path goes outside the archive (..)"
    return None


def plan(archive: zipfile.ZipFile, limits: Limits = Limits()) -> Plan:
    """Check the whole archive against the limits and list what may be extracted."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ZipRejected(
            f"The zip has {len(infos)} entries, over the limit of {limits.max_entries}."
        )
    result = Plan()
    total = compressed = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ZipRejected("The zip is encrypted (password-protected); it cannot be unpacked.")
        if info.is_dir():
            continue
        reason = _unsafe_reason(info.filename)
        if reason:
            result.skipped.append((info.filename, reason))
            continue
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            result.skipped.append((info.filename, "symbolic link"))
            continue
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            raise ZipRejected(
                f"{info.filename} expands {info.file_size / info.compress_size:.0f}× "
                f"(limit {limits.max_ratio:.0f}×): this looks like a zip bomb."
            )
        total += info.file_size
        compressed += info.compress_size
        basename = PurePosixPath(info.filename.replace("\\", "/")).name
        entry = Entry(info.filename, basename, info.file_size, info.compress_size)
        result.entries.append(entry)
    if total > limits.max_total_size:
        raise ZipRejected(
            f"The zip would expand to {total / 1024**3:.1f} GB, over the limit of "
            f"{limits.max_total_size / 1024**3:.1f} GB."
        )
    if compressed and total / compressed > limits.max_ratio:
        raise ZipRejected(f"The zip expands {total / compressed:.0f}×: this looks like a zip bomb.")
    return result


def read_entry(archive: zipfile.ZipFile, entry: Entry) -> Iterator[bytes]:
    """The entry's bytes in chunks, refusing more than its declared size."""
    seen = 0
    with archive.open(entry.name) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            seen += len(chunk)
            if seen > entry.size:
                raise ZipRejected(f"{entry.name} holds more bytes than the zip declares.")
            yield chunk


def copy_entry(archive: zipfile.ZipFile, entry: Entry, target: IO[bytes]) -> int:
    written = 0
    for chunk in read_entry(archive, entry):
        target.write(chunk)
        written += len(chunk)
    return written
