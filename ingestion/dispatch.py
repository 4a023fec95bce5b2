"""Event dispatch: an object's event completes its ledger row; its task is enqueued after commit.

Uploads write their row first (``ingestion.ledger``), so an event completes it by (bucket, key):
the first event to arrive, the app's own or S3's through SQS, records the ETag and size and
enqueues; a later one finds the version recorded and does nothing. Objects written by other
means (no row yet) get one here, owned by the user their key names. Idempotent by the ledger's
unique (bucket, key, ETag): the same event delivered twice, or the two events of a multipart
upload, do the work once.
"""

from __future__ import annotations

import logging
import mimetypes

from celery import current_app
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from ingestion.events import ObjectCreated
from ingestion.keys import display_name_from_key, owner_id_from_key
from ingestion.models import Status, StorageClass, StoredObject
from ingestion.routing import Route, route_for_key, route_for_kind

log = logging.getLogger(__name__)


def dispatch(
    record: ObjectCreated,
    *,
    original_name: str | None = None,
    storage_class: str | None = None,
    content_type: str | None = None,
    source: StoredObject | None = None,
) -> StoredObject | None:
    """Record one created object and enqueue its processing; None for keys outside raw prefixes.

    The keyword details describe an object the ledger has not seen (written by other means);
    a row that exists keeps its own.
    """
    route = route_for_key(record.key)
    if route is None:
        log.debug("ignoring event for derived key %s", record.key)
        return None
    completed = _complete(record)
    if completed is not None:
        return completed
    existing = _find(record)
    if existing is not None:
        _enqueue_if_lost(existing)
        return existing
    return _record_unknown(
        record,
        route,
        original_name=original_name,
        storage_class=storage_class,
        content_type=content_type,
        source=source,
    )


def _complete(record: ObjectCreated) -> StoredObject | None:
    """Complete the row waiting for this object; None when no row waits (or another path won)."""
    waiting = StoredObject.objects.filter(
        bucket=record.bucket, key=record.key, status=Status.UPLOADING
    )
    changes = {"etag": record.etag, "status": Status.RECEIVED, "updated_at": timezone.now()}
    if record.size:
        changes["size"] = record.size
    try:
        with transaction.atomic():
            # One UPDATE decides a race: the second path finds no row still uploading.
            won = waiting.update(**changes)
    except IntegrityError:
        return None  # this very version is recorded already; _find returns it
    if not won:
        return None
    row = StoredObject.objects.get(bucket=record.bucket, key=record.key, etag=record.etag)
    transaction.on_commit(lambda: enqueue(row))
    return row


def _record_unknown(
    record: ObjectCreated,
    route: Route,
    *,
    original_name: str | None,
    storage_class: str | None,
    content_type: str | None,
    source: StoredObject | None,
) -> StoredObject:
    # A new version of a recorded key keeps what its owner chose for the earlier one.
    earlier = (
        StoredObject.objects.filter(bucket=record.bucket, key=record.key).order_by("-id").first()
    )
    if earlier is not None:
        owner = earlier.owner
        original_name = original_name or earlier.original_name
        storage_class = storage_class or earlier.storage_class
        content_type = content_type or earlier.content_type
        source = source or earlier.source
    else:
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
        storage_class=storage_class or StorageClass.STANDARD,
        kind=route.kind,
        original_name=name,
        source=source,
        client_modified_at=earlier.client_modified_at if earlier else None,
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


def enqueue(obj: StoredObject) -> bool:
    """Send the route's task for ``obj`` (by id) and note when it was sent.

    With the broker down the row stays ``received`` with ``enqueued_at`` empty: the object is
    safe, and the periodic sweep (or the event's redelivery) enqueues it later. False then.
    """
    route = route_for_kind(obj.kind)
    try:
        current_app.send_task(route.task, args=[obj.pk], queue=route.queue)
    except (BrokerUnavailable, OSError) as exc:  # Redis refused; the broker directory failed
        log.warning("broker unavailable; object %s waits for the sweep: %s", obj.pk, exc)
        return False
    StoredObject.objects.filter(pk=obj.pk).update(enqueued_at=timezone.now())
    return True
