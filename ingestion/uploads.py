"""Uploads through the app in one request: streamed to a temporary file in chunks (hashing as
they go), then stored under a fresh key whose ledger row was written first.

The resumable protocol (parts, straight to S3 in AWS mode) is ``ingestion.multipart``; both
share ``begin`` and ``finish`` here.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

from ingestion import ledger, storage
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.keys import raw_key
from ingestion.models import StorageClass, StoredObject
from ingestion.routing import KEPT_AS_IS, route_for_upload
from ingestion.upload_forms import MAX_NAME_CHARS, too_large_message

log = logging.getLogger(__name__)

# What a storage that cannot take the bytes raises: a full or read-only disk, S3 refusing.
STORAGE_ERRORS = (OSError, ClientError, BotoCoreError)


class UploadRefused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def storage_failed(exc: BaseException) -> UploadRefused:
    log.error("storing an upload failed: %r", exc)
    return UploadRefused(
        "The file could not be stored: the storage refused to write it (full or read-only?). "
        "Nothing was kept; try again later.",
        status=503,
    )


@dataclass(frozen=True)
class Choices:
    """What the uploader chose for one file (``ingestion.forms.UploadChoicesForm``)."""

    name: str
    storage_class: str = StorageClass.STANDARD
    raw_only: bool = False
    client_modified_at: datetime | None = None
    content_type: str = ""


def begin(owner: Any, choices: Choices, size: int) -> StoredObject:
    """The upload's ledger row (``uploading``), under a fresh key of its route and owner."""
    route = route_for_upload(choices.name, raw_only=choices.raw_only)
    return ledger.expect(
        ledger.Expected(
            owner=owner,
            key=raw_key(route.prefix, owner.pk, choices.name),
            kind=route.kind,
            original_name=choices.name,
            storage_class=choices.storage_class,
            size=size,
            content_type=choices.content_type,
            client_modified_at=choices.client_modified_at,
        )
    )


def landing_class(row: StoredObject) -> str:
    """The class the bytes are written in. A worker must read what it processes, and Deep
    Archive cannot be read without a restore, so a file to process lands in Standard and moves
    to its class once processed (ingestion.jobs)."""
    return row.storage_class if row.kind in KEPT_AS_IS else StorageClass.STANDARD


def finish(row: StoredObject, *, etag: str, size: int) -> StoredObject:
    """The object is stored: its own event completes the row (S3's may have done so already)."""
    done = dispatch(ObjectCreated(bucket=row.bucket, key=row.key, size=size, etag=etag))
    assert done is not None  # raw prefixes always route
    return done


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Writes each chunk to a temporary file as it arrives, computing its MD5 and enforcing the
    size limit on the way, so memory stays flat whatever the file's size.

    A refusal stops reading and is kept for the view to answer (a JSON 413 or 400): raised from
    here it would surface wherever the body is first read, e.g. inside the CSRF check.
    """

    refused: UploadRefused | None = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.received = 0
        if len(self.file_name or "") > MAX_NAME_CHARS:
            self.refuse(
                UploadRefused(
                    f"The file name is {len(self.file_name or ''):,} characters long; "
                    f"the limit is {MAX_NAME_CHARS}."
                )
            )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_SIZE:
            self.refuse(UploadRefused(too_large_message(), status=413))
        self.md5.update(raw_data)
        result: bytes | None = super().receive_data_chunk(raw_data, start)
        return result

    def file_complete(self, file_size: int) -> Any:
        uploaded: Any = super().file_complete(file_size)
        uploaded.md5 = self.md5.hexdigest()
        # UploadedFile cuts names to 255 characters; the ledger keeps up to 512, as sent.
        uploaded.original_name = self.file_name
        return uploaded

    def refuse(self, refusal: UploadRefused) -> None:
        self.refused = refusal
        self.file.close()  # the temporary file goes with it
        raise StopUpload(connection_reset=True)


def accept_upload(user: Any, uploaded: Any, choices: Choices) -> StoredObject:
    """Store one uploaded file under a fresh owner key and record it; returns the ledger row."""
    if uploaded.size == 0:
        raise UploadRefused(f"{choices.name} is empty (0 bytes); there is nothing to store.")
    if uploaded.size > settings.UPLOAD_MAX_SIZE:
        raise UploadRefused(too_large_message(uploaded.size), status=413)
    row = begin(user, choices, uploaded.size)
    try:
        etag = storage.save(row.key, uploaded, storage_class=landing_class(row))
    except STORAGE_ERRORS as exc:
        ledger.abandon(row)
        raise storage_failed(exc) from exc
    return finish(row, etag=etag, size=uploaded.size)
