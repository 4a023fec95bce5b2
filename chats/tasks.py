"""Thin tasks: an object id in, chats.pipeline does the work (see ingestion.jobs)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task

from chats.lake import glue
from chats.lake.lock import owner_lock
from chats.pipeline import forget_export, ingest_export_object
from chats.unpacking import unpack
from ingestion.jobs import OBJECT_TASK, run_object_job


@shared_task(name="chats.ingest_export", **OBJECT_TASK)
def ingest_export(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, ingest_export_object)


@shared_task(name="chats.unpack_zip", **OBJECT_TASK)
def unpack_zip(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, unpack)


@shared_task(name="chats.forget_export", acks_late=True)
def forget_export_task(
    owner_id: int, chat_name: str, bronze_key: str, span: list[str] | None
) -> str:
    dates = (span[0], span[1]) if span else None
    stats = forget_export(owner_id, chat_name, bronze_key, dates)
    return f"Chat “{chat_name}”: {len(stats.dates)} days rewritten without the deleted export."


@shared_task(name="chats.check_glue_run", bind=True, acks_late=True, max_retries=None)
def check_glue_run(self: Any, run_pk: int) -> str:
    """Follow one Glue run until it ends (chats.lake.glue), checking again with backoff."""
    try:
        run = glue.check_run(run_pk)
    except (BotoCoreError, ClientError) as exc:
        raise self.retry(exc=exc, countdown=glue.poll_delay(self.request.retries)) from exc
    if run is None:
        return "gone"
    if run.finished_at is None:
        raise self.retry(countdown=glue.poll_delay(self.request.retries))
    return f"Glue run {run.job_run_id}: {run.state}"


@shared_task(name="chats.start_glue_run", bind=True, acks_late=True, max_retries=None)
def start_glue_run(self: Any, owner_id: int) -> str:
    """Start the owner's queued Glue work (after a start that may work later, e.g. throttled)."""
    with owner_lock(owner_id):
        run = glue.start_queued(owner_id)
    return f"Glue run {run.job_run_id} started" if run is not None else "nothing started"


@shared_task(name="chats.sweep_glue_runs", acks_late=True)
def sweep_glue_runs() -> str:
    """For a periodic schedule: runs whose polling was lost, queued work of idle owners."""
    return f"{glue.sweep()} Glue runs checked or started"
