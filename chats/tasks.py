"""Thin tasks: an object id in, chats.pipeline does the work (see ingestion.jobs)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from chats.pipeline import ingest_export_object
from ingestion.jobs import run_object_job


@shared_task(name="chats.ingest_export", bind=True, acks_late=True)
def ingest_export(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, ingest_export_object)
