"""Thin tasks: an object id in, chats.pipeline does the work (see ingestion.jobs)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from chats.pipeline import forget_export, ingest_export_object
from chats.unpacking import unpack
from ingestion.jobs import run_object_job


@shared_task(name="chats.ingest_export", bind=True, acks_late=True)
def ingest_export(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, ingest_export_object)


@shared_task(name="chats.unpack_zip", bind=True, acks_late=True)
def unpack_zip(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, unpack)


@shared_task(name="chats.forget_export", acks_late=True)
def forget_export_task(
    owner_id: int, chat_name: str, bronze_key: str, span: list[str] | None
) -> str:
    dates = (span[0], span[1]) if span else None
    stats = forget_export(owner_id, chat_name, bronze_key, dates)
    return f"Chat “{chat_name}”: {len(stats.dates)} days rewritten without the deleted export."
