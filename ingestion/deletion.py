"""Deleting a stored object: recorded first, then carried out by a retried task and the sweep.

``request_delete`` records the request (``deleted_at``: the object, and every object unpacked
from it, is hidden from its owner at once, chat search included) and enqueues
``ingestion.delete_object`` after commit. A broker that is down changes nothing for the caller:
the request is recorded, and ``sweep_deletions`` (run periodically) enqueues it again.

``carry_out`` is the task's work: the objects unpacked from this one go first (each the same
way), then what each app made of the object (the hooks apps register for its kind: thumbnails
and Photo rows, bronze and silver rows, summaries and Dataset rows), then the stored file, then
the ledger row. Every step is safe to run again, so a retry or a second delivery repeats no
harm. While another worker is still processing the object the deletion waits for it (up to the
task's time limit), so what that run writes is there to be removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from ingestion import storage
from ingestion.models import Status, StoredObject
from ingestion.routing import IO_QUEUE

log = logging.getLogger(__name__)

TASK = "ingestion.delete_object"
DELETED = "Deleted by its owner; what was made of it is being removed."
# A recorded deletion still there after this long was lost (broker down, worker killed).
SWEEP_AFTER = timedelta(minutes=5)

Hook = Callable[[StoredObject], None]
_hooks: dict[str, list[Hook]] = {}


def register(kind: str, hook: Hook) -> None:
    """Have ``hook(obj)`` remove what an app made of objects of ``kind`` (called in its
    AppConfig.ready). A hook must be safe to run again and leave the stored object itself."""
    hooks = _hooks.setdefault(str(kind), [])
    if hook not in hooks:
        hooks.append(hook)


def hooks_for(kind: str) -> list[Hook]:
    return list(_hooks.get(str(kind), ()))


class StillProcessing(Exception):
    """Another worker is processing the object; the deletion runs once it has finished."""


def request_delete(obj: StoredObject) -> None:
    """Record the deletion of ``obj`` (and of what was unpacked from it) and enqueue it."""
    now = timezone.now()
    ids = _with_members(obj.pk)
    StoredObject.objects.filter(pk__in=ids, deleted_at__isnull=True).update(
        deleted_at=now, updated_at=now
    )
    obj.deleted_at = obj.deleted_at or now
    transaction.on_commit(lambda: enqueue(obj.pk))


def _with_members(object_id: int) -> list[int]:
    """The object and every object unpacked from it, however deep."""
    found, frontier = [object_id], [object_id]
    while frontier:
        frontier = list(
            StoredObject.objects.filter(source_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found.extend(frontier)
    return found


def enqueue(object_id: int) -> bool:
    """Send the deletion task; False (logged) when the broker is down: the sweep sends it later."""
    try:
        current_app.send_task(TASK, args=[object_id], queue=IO_QUEUE)
    except (BrokerUnavailable, OSError) as exc:
        log.warning("broker down; the sweep sends the deletion of %s later: %s", object_id, exc)
        return False
    return True


def carry_out(object_id: int, *, wait_for_processing: bool = True) -> str:
    """Delete one object whose deletion is recorded, with everything made from it.

    Returns what happened. Raises StillProcessing while a worker is processing the object (the
    task retries), and whatever a hook or the storage raises (transient errors are retried).
    """
    obj = StoredObject.objects.filter(pk=object_id).first()
    if obj is None:
        return "gone already"
    if obj.deleted_at is None:
        return "not requested"
    if wait_for_processing and not _fence(obj):
        raise StillProcessing(f"object {obj.pk} is being processed")
    for member in StoredObject.objects.filter(source=obj).order_by("pk"):
        if member.deleted_at is None:
            StoredObject.objects.filter(pk=member.pk).update(deleted_at=timezone.now())
        carry_out(member.pk, wait_for_processing=wait_for_processing)
    for hook in hooks_for(obj.kind):
        hook(obj)
    _abort_multipart(obj)
    storage.delete(obj.key)
    obj.delete()
    log.info("deleted object %s (%s) and what was made of it", object_id, obj.kind)
    return "deleted"


def _fence(obj: StoredObject) -> bool:
    """Stop any processing from starting (a claim takes only received or failed rows); False
    while a worker that is alive is processing the object. One conditional UPDATE, so a claim
    and the fence cannot both win."""
    fenced = (
        StoredObject.objects.filter(pk=obj.pk)
        .exclude(status=Status.PROCESSING)
        .update(status=Status.REJECTED, reason=DELETED)
    )
    if fenced:
        return True
    obj.refresh_from_db()
    return not _being_processed(obj)


def _being_processed(obj: StoredObject) -> bool:
    if obj.status != Status.PROCESSING:
        return False
    since = obj.lease_since or obj.updated_at
    # A claim older than the task's hard limit belongs to a worker that is gone.
    return since > timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def _abort_multipart(obj: StoredObject) -> None:
    from ingestion.models import MultipartUpload

    upload = MultipartUpload.objects.filter(object=obj).first()
    if upload is not None:
        storage.abort_multipart(obj.key, upload.upload_id)


def forget_owner_objects(owner_id: int) -> int:
    """Carry out, here and now, the deletion of every object of one owner: their account is
    being deleted, and a task would find the rows gone with it. Returns how many went."""
    now = timezone.now()
    objects = StoredObject.objects.filter(owner_id=owner_id)
    objects.filter(deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
    outcomes = [
        carry_out(object_id, wait_for_processing=False)
        for object_id in list(objects.order_by("pk").values_list("pk", flat=True))
    ]
    return outcomes.count("deleted")


def sweep_deletions(older_than: timedelta = SWEEP_AFTER) -> int:
    """Enqueue again every deletion recorded more than ``older_than`` ago and not yet carried
    out (the broker was down, or the worker died); returns how many were enqueued."""
    cutoff = timezone.now() - older_than
    pending = StoredObject.objects.filter(deleted_at__lt=cutoff).values_list("pk", flat=True)
    return sum(1 for object_id in pending.order_by("pk") if enqueue(object_id))
