"""Browser uploads: streamed to a temporary file in chunks (hashing as they go), then stored."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils import timezone

from ingestion import storage
from ingestion.dispatch import dispatch
from ingestion.events import build_notification, parse_notification
from ingestion.keys import raw_key
from ingestion.models import StorageClass, StoredObject
from ingestion.routing import KEPT_AS_IS, route_for_upload


class UploadRefused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def too_large_message(size: int | None = None) -> str:
    limit = settings.UPLOAD_MAX_SIZE
    return f"The file is larger than the upload limit of {_human(limit)}." + (
        f" It is {_human(size)}." if size else ""
    )


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Writes each chunk to a temporary file as it arrives, computing its MD5 and enforcing the
    size limit on the way, so memory stays flat whatever the file's size."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_SIZE:
            raise UploadRefused(too_large_message(), status=413)
        self.md5.update(raw_data)
        result: bytes | None = super().receive_data_chunk(raw_data, start)
        return result

    def file_complete(self, file_size: int) -> Any:
        uploaded: Any = super().file_complete(file_size)
        uploaded.md5 = self.md5.hexdigest()
        return uploaded


def accept_upload(user: Any, uploaded: Any, *, storage_class: str, raw_only: bool) -> StoredObject:
    """Store one uploaded file under a fresh owner key and record it; returns the ledger row."""
    if storage_class not in StorageClass.values:
        raise UploadRefused(
            f"Unknown storage class {storage_class!r}; choose one of "
            + ", ".join(StorageClass.values)
        )
    if uploaded.size == 0:
        raise UploadRefused(f"{uploaded.name} is empty (0 bytes); there is nothing to store.")
    if uploaded.size > settings.UPLOAD_MAX_SIZE:
        raise UploadRefused(too_large_message(uploaded.size), status=413)
    original = uploaded.name or "file"
    route = route_for_upload(original, raw_only=raw_only)
    key = raw_key(route.prefix, user.pk, original)
    # A worker must read what it processes: S3 cannot read Deep Archive without a restore, so a
    # file to process lands in Standard and moves to its class once processed (ingestion.jobs).
    landing_class = storage_class if route.kind in KEPT_AS_IS else StorageClass.STANDARD
    etag = storage.save(
        key, uploaded, storage_class=landing_class, md5=getattr(uploaded, "md5", None)
    )
    # The same event S3 would send: one path for both modes (a later SQS copy is a no-op).
    event = build_notification(
        settings.STORAGE_BUCKET_LABEL, key, uploaded.size, etag, when=timezone.now().isoformat()
    )
    (record,) = parse_notification(event)
    obj = dispatch(
        record,
        original_name=original[:512],
        storage_class=storage_class,
        content_type=uploaded.content_type,
    )
    assert obj is not None  # raw prefixes always route
    return obj
