"""Thin tasks: an object id in, datasets.pipeline does the work (see ingestion.jobs)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from datasets.pipeline import profile_dataset_object
from ingestion.jobs import OBJECT_TASK, run_object_job


@shared_task(name="datasets.profile_dataset", **OBJECT_TASK)
def profile_dataset(self: Any, object_id: int) -> str:
    return run_object_job(self, object_id, profile_dataset_object)
