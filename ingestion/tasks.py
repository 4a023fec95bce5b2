"""Thin tasks: ids in, a plain function does the work (see ingestion.jobs)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from ingestion import storage
from ingestion.jobs import OBJECT_TASK, Rejected, run_object_job
from ingestion.models import StoredObject
from ingestion.routing import Kind


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
