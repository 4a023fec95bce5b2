"""What every platform storage backend offers beyond Django's ``Storage``."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.core.files.base import File
from django.core.files.storage import Storage

# S3's multipart rules, kept on disk too so one browser protocol serves both modes.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000


class MultipartRefused(ValueError):
    """A part or a completion that does not fit its upload; the message says why."""


class NoSuchUpload(MultipartRefused):
    """The multipart upload is gone: completed, aborted or never started."""


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str


def multipart_etag(part_md5s: Sequence[str]) -> str:
    """The ETag S3 gives a multipart object: the MD5 of the parts' MD5s, a dash, the count."""
    digest = hashlib.md5(usedforsecurity=False)
    for md5 in part_md5s:
        digest.update(bytes.fromhex(md5))
    return f"{digest.hexdigest()}-{len(part_md5s)}"


def content_disposition(filename: str, *, inline: bool) -> str:
    return f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}"


class PlatformStorage(Storage, abc.ABC):
    """The extra verbs; ``ingestion.storage`` is the one module that calls them."""

    #: Storage classes an object can be given here (files on disk have none but Standard).
    storage_classes: tuple[str, ...] = ("STANDARD",)
    #: Parts a browser may send at once: a bucket takes many, the app's own web workers fewer.
    parallel_parts: int = 3

    @abc.abstractmethod
    def store(self, key: str, content: File[bytes], *, storage_class: str | None) -> str:
        """Store ``content`` under exactly ``key``; return the object's ETag."""

    @abc.abstractmethod
    def write_bytes(
        self, key: str, data: bytes, *, content_type: str | None, storage_class: str | None
    ) -> str:
        """Replace ``key`` with ``data`` whole (a reader sees old or new, never half); ETag."""

    @abc.abstractmethod
    def etag(self, key: str) -> str: ...

    def stream(self, key: str, chunk_size: int) -> Iterator[bytes]:
        """The object's bytes in chunks, read as they are sent on (never whole in memory)."""
        with self.open(key, "rb") as handle:
            yield from iter(lambda: handle.read(chunk_size), b"")

    @abc.abstractmethod
    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix``, recursively."""

    @abc.abstractmethod
    def copy_object(self, source: str, target: str, *, storage_class: str | None) -> None: ...

    @abc.abstractmethod
    def set_storage_class(self, key: str, storage_class: str) -> None: ...

    @abc.abstractmethod
    def request_restore(self, key: str, days: int) -> datetime | None:
        """Ask for an archived object back; the time it is readable until, if already known."""

    @abc.abstractmethod
    def restore_state(self, key: str) -> str | None: ...

    @abc.abstractmethod
    def local_path(self, key: str, suffix: str) -> AbstractContextManager[Path]:
        """A path on local disk holding the object, for as long as the context lasts."""

    @abc.abstractmethod
    def signed_url(self, key: str, *, filename: str, inline: bool, seconds: int) -> str:
        """A short-lived URL that downloads (or shows, ``inline``) the object as ``filename``."""

    @abc.abstractmethod
    def probe(self) -> str:
        """Write, read and remove a uniquely named object; a short description of the store."""

    @abc.abstractmethod
    def start_multipart(
        self, key: str, *, size: int, part_size: int, storage_class: str, content_type: str
    ) -> str:
        """Begin a multipart upload of ``size`` bytes in parts of ``part_size``; its id."""

    @abc.abstractmethod
    def part_url(self, key: str, upload_id: str, number: int, *, seconds: int) -> str:
        """Where a client PUTs part ``number`` (presigned in S3, a signed app URL on disk)."""

    @abc.abstractmethod
    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        """The parts stored so far, by number: what a resumed upload need not send again."""

    @abc.abstractmethod
    def write_part(self, key: str, upload_id: str, number: int, body: IO[bytes], size: int) -> Part:
        """Store one part read from ``body`` (``size`` bytes) without holding it in memory."""

    @abc.abstractmethod
    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[Part]) -> str:
        """Join the parts into the object under ``key``; return its ETag."""

    @abc.abstractmethod
    def abort_multipart(self, key: str, upload_id: str) -> None: ...
