"""The one storage layer: django-storages S3 in AWS mode, files under DATA_DIR in the embedded
default. Views and tasks reach stored objects only through the functions here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.urls import reverse
from storages.backends.s3 import S3Storage

DOWNLOAD_SALT = "ingestion.download"
CHUNK = 8 * 1024 * 1024


class PlatformS3Storage(S3Storage):  # type: ignore[misc]
    """S3 with a storage class chosen per object (``content.storage_class``)."""

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params: dict[str, Any] = super()._get_write_parameters(name, content)
        storage_class = getattr(content, "storage_class", None)
        if storage_class:
            params["StorageClass"] = storage_class
        return params


def _s3() -> Any:
    """The S3 storage, with django-storages' own attributes (bucket, connection) in view."""
    return default_storage


def save(
    key: str, content: File[bytes], *, storage_class: str | None = None, md5: str | None = None
) -> str:
    """Store ``content`` under exactly ``key`` and return the stored object's ETag.

    ``md5`` is the digest computed while the upload streamed in: on disk it is the ETag S3 would
    give, so the file need not be read again.
    """
    content.storage_class = storage_class  # type: ignore[attr-defined]  # PlatformS3Storage reads it
    stored = default_storage.save(key, content)
    if stored != key:
        raise RuntimeError(f"storage renamed {key!r} to {stored!r}")
    if md5 and not settings.STORAGE_BUCKET:
        return md5
    return etag_of(key)


def save_bytes(
    key: str, data: bytes, *, content_type: str | None = None, storage_class: str | None = None
) -> str:
    """Store ``data`` under exactly ``key`` and return the stored object's ETag.

    On disk the bytes are written beside their final name and renamed into place, so a reader
    (DuckDB over the silver files, a download) sees the old file or the new one, never half
    of one; this also spares FileSystemStorage's per-file locking and checks, which were a
    seventh of the time of building a large chat's silver.
    """
    if not settings.STORAGE_BUCKET:
        _replace_file(default_storage.path(key), data)
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
    content = ContentFile(data, name=key)
    if content_type:
        content.content_type = content_type  # type: ignore[attr-defined]
    return save(key, content, storage_class=storage_class)


def _replace_file(path: str, data: bytes) -> None:
    # default_storage.path() has refused a key that leaves the storage root. The temporary
    # name is a dot name per process and thread that no glob of the real files matches.
    directory, name = os.path.split(path)
    temporary = f"{directory}/.{name}.{os.getpid()}-{threading.get_ident()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        handle = os.open(temporary, flags, 0o666)
    except FileNotFoundError:
        mode = getattr(default_storage, "directory_permissions_mode", None)
        os.makedirs(directory, 0o777 if mode is None else mode, exist_ok=True)
        handle = os.open(temporary, flags, 0o666)
    try:
        with open(handle, "wb") as file:
            file.write(data)
        file_mode = getattr(default_storage, "file_permissions_mode", None)
        if file_mode is not None:
            os.chmod(temporary, file_mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def etag_of(key: str) -> str:
    """The object's ETag: S3's own, or the MD5 of the file on disk (what S3 gives a simple PUT)."""
    if settings.STORAGE_BUCKET:
        obj = _s3().bucket.Object(_s3()._normalize_name(key))
        return str(obj.e_tag).strip('"')
    digest = hashlib.md5(usedforsecurity=False)
    with default_storage.open(key, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def exists(key: str) -> bool:
    return bool(default_storage.exists(key))


def size_of(key: str) -> int:
    return int(default_storage.size(key))


def open_object(key: str) -> IO[bytes]:
    handle: IO[bytes] = default_storage.open(key, "rb")
    return handle


def stream(key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The object's bytes in chunks, read as they are sent: S3's response body on S3 (no local
    copy first, unlike opening it), the file on disk otherwise."""
    if settings.STORAGE_BUCKET:
        body = _s3().bucket.Object(_s3()._normalize_name(key)).get()["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()
        return
    with default_storage.open(key, "rb") as handle:
        yield from iter(lambda: handle.read(chunk_size), b"")


def read_bytes(key: str) -> bytes:
    with open_object(key) as handle:
        return handle.read()


def delete(key: str) -> None:
    default_storage.delete(key)


def list_keys(prefix: str) -> Iterator[str]:
    """Every key under ``prefix`` (recursively)."""
    if settings.STORAGE_BUCKET:
        for obj in _s3().bucket.objects.filter(Prefix=prefix):
            yield str(obj.key)
        return
    root = Path(settings.LOCAL_STORAGE_DIR)
    base = root / prefix
    if not base.exists():
        return
    for path in sorted(base.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix()


def copy(source_key: str, target_key: str, *, storage_class: str | None = None) -> None:
    """Copy an object: a server-side copy on S3, a file copy on disk."""
    if settings.STORAGE_BUCKET:
        extra: dict[str, Any] = {"StorageClass": storage_class} if storage_class else {}
        _s3().bucket.Object(target_key).copy(
            {"Bucket": settings.STORAGE_BUCKET, "Key": source_key}, ExtraArgs=extra
        )
        return
    with default_storage.open(source_key, "rb") as handle:
        default_storage.save(target_key, handle)


def change_storage_class(key: str, storage_class: str) -> None:
    """Rewrite an object in place with another storage class (S3); files on disk have none."""
    if settings.STORAGE_BUCKET:
        _s3().bucket.Object(key).copy(
            {"Bucket": settings.STORAGE_BUCKET, "Key": key},
            ExtraArgs={"StorageClass": storage_class, "MetadataDirective": "COPY"},
        )


@contextmanager
def local_copy(key: str, suffix: str = "") -> Iterator[Path]:
    """A path on local disk holding the object: the file itself on disk, a temp copy from S3."""
    if not settings.STORAGE_BUCKET:
        yield Path(default_storage.path(key))
        return
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        with default_storage.open(key, "rb") as handle:
            shutil.copyfileobj(handle, tmp, CHUNK)
        tmp.flush()
        yield Path(tmp.name)


def signed_url(key: str, *, filename: str, seconds: int | None = None, inline: bool = False) -> str:
    """A short-lived URL for one object: presigned on S3, a signed expiring Django URL on disk."""
    seconds = seconds or settings.SIGNED_URL_SECONDS
    disposition = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}"
    if settings.STORAGE_BUCKET:
        url: str = _s3().url(
            key,
            parameters={"ResponseContentDisposition": disposition},
            expire=seconds,
        )
        return url
    token = signing.dumps(
        {"k": key, "n": filename, "i": inline, "s": seconds}, salt=DOWNLOAD_SALT, compress=True
    )
    return reverse("signed-file", args=[token])


def unsign(token: str) -> dict[str, Any]:
    """The payload of a signed file URL; raises signing.BadSignature when forged or expired."""
    payload: dict[str, Any] = signing.loads(token, salt=DOWNLOAD_SALT)
    signing.loads(token, salt=DOWNLOAD_SALT, max_age=int(payload["s"]))
    return payload


def request_restore(key: str, days: int = 7) -> None:
    """Ask S3 to bring a Deep Archive object back for ``days`` days (bulk tier, up to 48 hours)."""
    if settings.STORAGE_BUCKET:
        _s3().bucket.Object(key).restore_object(
            RestoreRequest={"Days": days, "GlacierJobParameters": {"Tier": "Bulk"}}
        )


def restore_state(key: str) -> str | None:
    """S3's ``Restore`` header: None (not requested), or its text with ongoing-request/expiry."""
    if not settings.STORAGE_BUCKET:
        return None
    restore: str | None = _s3().bucket.Object(key).restore
    return restore
