"""Resumable uploads, one protocol in both modes: the ledger row first, then numbered parts
PUT to URLs the app hands out (presigned S3 URLs in AWS mode, signed app URLs on disk), then
one completion. A dropped connection costs the part in flight: the client asks which parts
are stored and sends only the rest.

    POST /api/uploads/multipart            {name, size, storage_class, raw_only, last_modified}
         → 201 {id, part_size, part_count, parallel, …}   (row "uploading", before any byte)
    GET  /api/uploads/<id>                 → status, and while uploading the parts stored
    GET  /api/uploads/<id>/parts?numbers=1,2 → {urls: {"1": …, "2": …}}
    PUT  <part url>                        (the part's bytes) → ETag
    POST /api/uploads/<id>/complete        {parts: [{number, etag}, …]} → status ("received")
    DELETE /api/uploads/<id>               cancel: the parts and the row go
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ingestion import ledger, storage
from ingestion.backends.base import MAX_PARTS, MIN_PART_SIZE, MultipartRefused, NoSuchUpload, Part
from ingestion.models import MultipartUpload, Status, StoredObject
from ingestion.uploads import STORAGE_ERRORS, Choices, begin, finish, landing_class, storage_failed

log = logging.getLogger(__name__)

MAX_PART_SIZE = 512 * 1024 * 1024
PART_URL_SECONDS = 3600


def part_size_for(size: int, wanted: int | None = None) -> int:
    """Parts of ``wanted`` bytes (UPLOAD_PART_SIZE, 16 MB, by default) within S3's rules: at
    least 5 MB, at most 10,000 parts, so a 5 GB file is 320 parts and a 5 TB one still fits."""
    chosen = wanted or settings.UPLOAD_PART_SIZE
    part_size = max(MIN_PART_SIZE, min(chosen, MAX_PART_SIZE))
    return max(part_size, -(-size // MAX_PARTS))


def start(owner: Any, choices: Choices, size: int, part_size: int | None = None) -> StoredObject:
    """The ledger row and the storage's multipart upload; no byte of the file is stored yet."""
    row = begin(owner, choices, size)
    chosen = part_size_for(size, part_size)
    try:
        upload_id = storage.start_multipart(
            row.key,
            size=size,
            part_size=chosen,
            storage_class=landing_class(row),
            content_type=row.content_type,
        )
    except STORAGE_ERRORS as exc:
        ledger.abandon(row)
        raise storage_failed(exc) from exc
    MultipartUpload.objects.create(object=row, upload_id=upload_id, part_size=chosen)
    return row


def progress(row: StoredObject) -> dict[str, Any]:
    """For an upload under way, what a client needs to resume it; {} otherwise."""
    upload = _upload_of(row)
    if upload is None:
        return {}
    stored = storage.list_parts(row.key, upload.upload_id)
    return {
        "part_size": upload.part_size,
        "part_count": upload.part_count,
        "parallel": storage.parallel_parts(),
        "parts": [{"number": p.number, "size": p.size, "etag": p.etag} for p in stored],
        "received": sum(p.size for p in stored),
    }


def part_urls(row: StoredObject, numbers: list[int]) -> dict[str, str]:
    upload = _require_upload(row)
    wrong = [n for n in numbers if not 1 <= n <= upload.part_count]
    if wrong:
        raise MultipartRefused(
            f"This upload has parts 1 to {upload.part_count}; there is no part {wrong[0]}."
        )
    return {
        str(number): storage.part_url(row.key, upload.upload_id, number, seconds=PART_URL_SECONDS)
        for number in numbers
    }


def complete(row: StoredObject, parts: list[tuple[int, str]]) -> StoredObject:
    """Join the parts into the object and let its event complete the row (idempotent: a
    completion repeated after a lost answer returns the row as it is)."""
    upload = _upload_of(row)
    if upload is None:
        if row.status == Status.UPLOADING:
            raise NoSuchUpload("This upload was never started; start it again.")
        return row  # completed already
    stored = storage.list_parts(row.key, upload.upload_id)
    total = sum(part.size for part in stored)
    if total != row.size:
        raise MultipartRefused(
            f"The parts stored add up to {total:,} bytes, not the {row.size:,} announced; "
            "send the missing parts."
        )
    # A browser reads each part's ETag only if the bucket's CORS exposes it; without, the
    # storage's own list fills it in (S3 checks the list against what it stored either way).
    known = {part.number: part.etag for part in stored}
    given = [Part(number, 0, etag or known.get(number, "")) for number, etag in parts]
    try:
        etag = storage.complete_multipart(row.key, upload.upload_id, given)
    except NoSuchUpload:
        # Completed by an earlier request whose answer was lost: the object is there.
        if not storage.exists(row.key):
            raise
        etag = storage.etag_of(row.key)
    with transaction.atomic():
        upload.delete()
        return finish(row, etag=etag, size=row.size)


def cancel(row: StoredObject) -> None:
    """Give up an upload under way: its parts and its row go. A stored object is not touched."""
    upload = _require_upload(row)
    storage.abort_multipart(row.key, upload.upload_id)
    with transaction.atomic():
        upload.delete()
        ledger.abandon(row)


def expire(older_than: timedelta = timedelta(days=7)) -> int:
    """Cancel uploads started longer ago than ``older_than`` and never completed."""
    cutoff = timezone.now() - older_than
    stale = MultipartUpload.objects.filter(created_at__lt=cutoff).select_related("object")
    count = 0
    for upload in stale:
        cancel(upload.object)
        count += 1
    return count


def write_part_for_token(key: str, upload_id: str, number: int, body: Any, size: int) -> Part:
    """A part PUT to the app's own signed URL (files on disk; API clients in AWS mode)."""
    row = StoredObject.objects.filter(
        bucket=storage.bucket_label(), key=key, status=Status.UPLOADING
    ).first()
    if row is None or _upload_of(row) is None:
        raise NoSuchUpload("That upload does not exist (completed or cancelled?).")
    return storage.write_part(key, upload_id, number, body, size)


def _upload_of(row: StoredObject) -> MultipartUpload | None:
    return MultipartUpload.objects.filter(object=row).first()


def _require_upload(row: StoredObject) -> MultipartUpload:
    upload = _upload_of(row)
    if upload is None:
        raise NoSuchUpload(
            "This file is stored already; there is no upload under way."
            if row.status != Status.UPLOADING
            else "This upload was never started; start it again."
        )
    return upload
