"""Event dispatch: one ledger row per object version, the route's task enqueued after commit.

Idempotent by the ledger's unique (bucket, key, ETag): the same event delivered twice, the two
events of a multipart upload, or the app's own event racing the SQS copy of it do the work once.
"""

from __future__ import annotations

import logging
import mimetypes

from celery import current_app
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from ingestion.events import ObjectCreated
from ingestion.keys import display_name_from_key, owner_id_from_key
from ingestion.models import Status, StoredObject
from ingestion.routing import route_for_key

log = logging.getLogger(__name__)


def dispatch(
    record: ObjectCreated,
    *,
    original_name: str | None = None,
    storage_class: str | None = None,
    content_type: str | None = None,
    source: StoredObject | None = None,
) -> StoredObject | None:
    """Record one created object and enqueue its processing; None for keys outside raw prefixes."""
    route = route_for_key(record.key)
    if route is None:
        log.debug("ignoring event for derived key %s", record.key)
        return None
    existing = _find(record)
    if existing is not None:
        _enqueue_if_lost(existing)
        return existing

    owner_id = owner_id_from_key(route.prefix, record.key)
    owner = get_user_model().objects.filter(pk=owner_id).first() if owner_id else None
    name = original_name or display_name_from_key(record.key)
    obj = StoredObject(
        owner=owner,
        bucket=record.bucket,
        key=record.key,
        etag=record.etag,
        size=record.size,
        content_type=content_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
        storage_class=storage_class or "STANDARD",
        kind=route.kind,
        original_name=name,
        source=source,
    )
    if owner is None:
        obj.status = Status.REJECTED
        obj.reason = "The object's key names no known owner, so nobody can see it but staff."
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        # Another delivery of the same event won the race; its row is the one.
        existing = _find(record)
        if existing is None:
            raise
        return existing
    if obj.status == Status.RECEIVED:
        transaction.on_commit(lambda: enqueue(obj))
    return obj


def _find(record: ObjectCreated) -> StoredObject | None:
    return StoredObject.objects.filter(
        bucket=record.bucket, key=record.key, etag=record.etag
    ).first()


def _enqueue_if_lost(obj: StoredObject) -> None:
    # A row whose enqueue failed (broker down) is enqueued by the redelivered event.
    if obj.status == Status.RECEIVED and obj.enqueued_at is None:
        transaction.on_commit(lambda: enqueue(obj))


def enqueue(obj: StoredObject) -> None:
    """Send the route's task for ``obj`` (by id) and note that it was sent."""
    route = route_for_key(obj.key)
    if route is None:
        return
    current_app.send_task(route.task, args=[obj.pk], queue=route.queue)
    StoredObject.objects.filter(pk=obj.pk).update(enqueued_at=timezone.now())
