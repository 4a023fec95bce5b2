"""Ledger first: the row with every choice its owner made exists before its object is written.

So an event for the object, whichever path brings it first (the app's own, or S3's through SQS),
only ever completes a row that already says who owns it, what it is called, which storage class
it goes to and where it came from (``ingestion.dispatch``); a default never replaces a choice.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from ingestion import storage
from ingestion.models import Status, StoredObject
from ingestion.routing import Kind


@dataclass(frozen=True)
class Expected:
    """What is known about an object before it is written."""

    owner: Any
    key: str
    kind: Kind
    original_name: str
    storage_class: str
    size: int = 0
    content_type: str = ""
    client_modified_at: datetime | None = None
    source: StoredObject | None = None


def expect(what: Expected) -> StoredObject:
    """The object's ledger row, ``uploading`` until its event completes it.

    A key already recorded (a zip unpacked again derives the same member keys) keeps its row.
    """
    row = StoredObject(
        owner=what.owner,
        bucket=storage.bucket_label(),
        key=what.key,
        etag="",
        size=what.size,
        content_type=(
            what.content_type
            or mimetypes.guess_type(what.original_name)[0]
            or "application/octet-stream"
        )[:255],
        storage_class=what.storage_class,
        kind=what.kind,
        original_name=what.original_name,
        status=Status.UPLOADING,
        client_modified_at=what.client_modified_at,
        source=what.source,
    )
    known = _latest(row.bucket, row.key)
    if known is not None:
        return known
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        known = _latest(row.bucket, row.key)
        if known is None:
            raise
        return known
    return row


def abandon(row: StoredObject) -> None:
    """The object was never written: its row goes, so nothing claims an object that is not there.

    Only a row still ``uploading`` goes; a row its event completed stays.
    """
    StoredObject.objects.filter(pk=row.pk, status=Status.UPLOADING).delete()


def _latest(bucket: str, key: str) -> StoredObject | None:
    return StoredObject.objects.filter(bucket=bucket, key=key).order_by("-id").first()
