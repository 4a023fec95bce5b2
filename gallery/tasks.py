"""Thin tasks: an object id in, gallery.pipeline does the work (see ingestion.jobs)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from gallery.pipeline import process_photo_object
from ingestion.jobs import OBJECT_TASK, run_object_job


@shared_task(name="gallery.process_photo", **OBJECT_TASK)
def process_photo(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, process_photo_object)
