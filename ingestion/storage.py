"""The one storage layer. Views, tasks and commands reach stored objects only through these
functions; the backend behind them (files on disk or an S3 bucket, ``ingestion.backends``) is
chosen once, in ``STORAGES["default"]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import storages

from ingestion.backends.base import Part, PlatformStorage
from ingestion.backends.local import unsign_download


def backend() -> PlatformStorage:
    store = storages["default"]
    if not isinstance(store, PlatformStorage):
        raise ImproperlyConfigured(
            "STORAGES['default'] must be ingestion.backends.local.LocalStorage or "
            f"ingestion.backends.s3.BucketStorage, not {type(store).__name__}"
        )
    return store


def bucket_label() -> str:
    """The bucket name the ledger records: the bucket's own, or "local" for files on disk."""
    return str(settings.STORAGE_BUCKET_LABEL)


def storage_classes() -> tuple[str, ...]:
    """Storage classes that mean something here (files on disk have only Standard)."""
    return backend().storage_classes


def save(key: str, content: File[bytes], *, storage_class: str | None = None) -> str:
    """Store ``content`` under exactly ``key`` and return the stored object's ETag.

    An upload's ``content.md5`` (computed while it streamed in) is the ETag on disk, so the
    file need not be read again.
    """
    return backend().store(key, content, storage_class=storage_class)


def save_bytes(
    key: str, data: bytes, *, content_type: str | None = None, storage_class: str | None = None
) -> str:
    """Replace ``key`` with ``data`` whole and return the ETag (readers see old or new)."""
    return backend().write_bytes(key, data, content_type=content_type, storage_class=storage_class)


def etag_of(key: str) -> str:
    """The object's ETag: S3's own, or the MD5 of the file on disk (what S3 gives a simple PUT)."""
    return backend().etag(key)


def exists(key: str) -> bool:
    return bool(backend().exists(key))


def size_of(key: str) -> int:
    return int(backend().size(key))


def open_object(key: str) -> IO[bytes]:
    handle: IO[bytes] = backend().open(key, "rb")
    return handle


def stream(key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
    """The object's bytes in chunks as they are read: S3's response body on S3 (no local copy
    first, unlike opening it), the file on disk otherwise."""
    return backend().stream(key, chunk_size)


def read_bytes(key: str) -> bytes:
    with open_object(key) as handle:
        return handle.read()


def delete(key: str) -> None:
    backend().delete(key)


def list_keys(prefix: str) -> Iterator[str]:
    """Every key under ``prefix`` (recursively)."""
    return backend().list_keys(prefix)


def copy(source_key: str, target_key: str, *, storage_class: str | None = None) -> None:
    """Copy an object: a server-side copy on S3, a file copy on disk."""
    backend().copy_object(source_key, target_key, storage_class=storage_class)


def change_storage_class(key: str, storage_class: str) -> None:
    """Rewrite an object in place with another storage class (files on disk have none)."""
    backend().set_storage_class(key, storage_class)


def local_copy(key: str, suffix: str = "") -> AbstractContextManager[Path]:
    """A path on local disk holding the object: the file itself on disk, a temp copy from S3."""
    return backend().local_path(key, suffix)


def signed_url(key: str, *, filename: str, seconds: int | None = None, inline: bool = False) -> str:
    """A short-lived URL for one object: presigned on S3, a signed expiring Django URL on disk."""
    return backend().signed_url(
        key, filename=filename, inline=inline, seconds=seconds or settings.SIGNED_URL_SECONDS
    )


def unsign(token: str) -> dict[str, Any]:
    """The payload of a signed file URL; raises signing.BadSignature when forged or expired."""
    return unsign_download(token)


def request_restore(key: str, days: int = 7) -> datetime | None:
    """Ask for a Deep Archive object back for ``days`` days: None while S3 restores it (bulk
    tier, up to 48 hours), or the time it stays readable until when it is back already."""
    return backend().request_restore(key, days)


def restore_state(key: str) -> str | None:
    """S3's ``Restore`` header: None (not requested), or its text with ongoing-request/expiry."""
    return backend().restore_state(key)


def probe() -> str:
    """Write, read back and remove a uniquely named object; what kind of store answered."""
    return backend().probe()


# Multipart uploads (see ingestion.multipart) -------------------------------------------------


def start_multipart(
    key: str, *, size: int, part_size: int, storage_class: str, content_type: str
) -> str:
    return backend().start_multipart(
        key, size=size, part_size=part_size, storage_class=storage_class, content_type=content_type
    )


def part_url(key: str, upload_id: str, number: int, *, seconds: int) -> str:
    return backend().part_url(key, upload_id, number, seconds=seconds)


def list_parts(key: str, upload_id: str) -> list[Part]:
    return backend().list_parts(key, upload_id)


def write_part(key: str, upload_id: str, number: int, body: IO[bytes], size: int) -> Part:
    return backend().write_part(key, upload_id, number, body, size)


def complete_multipart(key: str, upload_id: str, parts: Sequence[Part]) -> str:
    return backend().complete_multipart(key, upload_id, parts)


def abort_multipart(key: str, upload_id: str) -> None:
    backend().abort_multipart(key, upload_id)


def parallel_parts() -> int:
    return backend().parallel_parts
