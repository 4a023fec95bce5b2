"""Thin tasks: ids in, a plain function does the work (see ingestion.jobs)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from ingestion import deletion, storage
from ingestion.jobs import OBJECT_TASK, Rejected, Transient, is_transient, run_object_job
from ingestion.models import StoredObject
from ingestion.routing import Kind

log = logging.getLogger(__name__)


def verify_stored(obj: StoredObject) -> str:
    """Files kept as they are: check the object is really there, at the size the event said."""
    if not storage.exists(obj.key):
        raise Rejected("The object is not in storage (deleted before it was processed?).")
    size = storage.size_of(obj.key)
    if obj.size and size != obj.size:
        raise Rejected(f"Stored size {size} differs from the announced {obj.size} bytes.")
    return "Stored raw; processing skipped." if obj.kind == Kind.ARCHIVE else ""


@shared_task(name="ingestion.verify_object", **OBJECT_TASK)
def verify_object(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, verify_stored)


@shared_task(name="ingestion.delete_object", **OBJECT_TASK)
def delete_object(self: Any, object_id: int) -> str:
    """Carry out a recorded deletion (ingestion.deletion); retried while the object is being
    processed (for as long as that takes) and after transient errors (with OBJECT_TASK's
    backoff). Anything else, or retries run out, is logged and left to the sweep."""
    try:
        return deletion.carry_out(object_id)
    except deletion.StillProcessing as exc:
        raise self.retry(exc=exc, countdown=30, max_retries=None) from exc
    except Exception as exc:
        if is_transient(exc):
            raise Transient(str(exc)) from exc
        log.exception("deleting object %s failed; the sweep tries again", object_id)
        return "failed"
