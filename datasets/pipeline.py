"""CSV datasets: a raw-csv/ object is profiled into a summary JSON and a Dataset row.

``profile_dataset_object`` is the work of the ``datasets.profile_dataset`` task and of
``manage.py profile_csv``. Its outputs are keyed by the dataset (one per stored object), so a
re-run overwrites the same summary JSON and the same row. ``forget_dataset`` is the clean-up
hook the deletion task calls: it removes what profiling made of an object.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from datasets.models import Dataset
from datasets.profiling.issues import counted
from datasets.profiling.profile import CsvUnreadable, error_profile, profile_csv
from ingestion import storage
from ingestion.jobs import Rejected, pause_point, run_claimed
from ingestion.models import Status, StoredObject

# The page shows the preview; the summary JSON keeps every value whole.
PREVIEW_CELL_CHARS = 300


def summary_key_for(dataset: Dataset) -> str:
    return f"processed/csv/{dataset.owner_id}/{dataset.pk}_summary.json"


def dataset_for(obj: StoredObject) -> Dataset:
    """The object's Dataset row, made on first use."""
    dataset, _ = Dataset.objects.get_or_create(
        source=obj, defaults={"owner_id": obj.owner_id, "name": obj.original_name}
    )
    return dataset


def profile_dataset_object(obj: StoredObject) -> str:
    """Profile the CSV ``obj`` holds: summary JSON stored, Dataset row filled; returns a note.

    A file that cannot be read as CSV is recorded on the dataset as an error (with its summary
    JSON) and raises Rejected with the reason; the original stays in the library.
    """
    if obj.owner_id is None:
        raise Rejected("The object has no owner.")
    if not storage.exists(obj.key):
        raise Rejected("The object is not in storage (deleted before it was processed?).")
    dataset = dataset_for(obj)
    try:
        with storage.local_copy(obj.key, suffix=".csv") as path:
            pause_point("profile")  # fault tests kill the worker here
            profile = profile_csv(
                path,
                file_name=obj.original_name,
                upload_timestamp=obj.created_at,
                missing_tokens=settings.DATASETS_MISSING_TOKENS,
            )
    except CsvUnreadable as exc:
        message = str(exc)
        summary = error_profile(obj.original_name, message, upload_timestamp=obj.created_at)
        _publish(obj, dataset, summary)
        raise Rejected(message) from exc
    _publish(obj, dataset, profile)
    issues = len(profile["quality_issues"])
    return (
        f"{counted(profile['row_count'], 'row')} × {counted(profile['column_count'], 'column')}; "
        f"{counted(issues, 'quality issue')}."
    )


def _publish(obj: StoredObject, dataset: Dataset, summary: dict[str, Any]) -> None:
    """Store the summary and fill the row, unless the file was deleted in the meantime.

    The check holds the object's row lock until the summary is recorded: a deletion recorded
    after it waits, and its clean-up then finds the summary to remove; one recorded before it
    stops the publishing here.
    """
    with transaction.atomic():
        alive = (
            StoredObject.objects.select_for_update()
            .filter(pk=obj.pk, deleted_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not list(alive):
            raise Rejected("The file was deleted while it was being profiled; nothing was kept.")
        _record(dataset, summary)


def forget_dataset(obj: StoredObject) -> None:
    """The datasets clean-up hook: remove the summary JSON and the Dataset row made of ``obj``.

    Safe to run again; the stored object itself is the deletion task's to remove.
    """
    for dataset in Dataset.objects.filter(source_id=obj.pk):
        for key in {dataset.summary_key, summary_key_for(dataset)} - {""}:
            storage.delete(key)
        dataset.delete()


def _record(dataset: Dataset, summary: dict[str, Any]) -> None:
    key = summary_key_for(dataset)
    data = json.dumps(summary, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    storage.save_bytes(key, data, content_type="application/json")
    ok = summary["status"] == "success"
    dataset.name = summary["file_name"]
    dataset.status = Dataset.Outcome.SUCCESS if ok else Dataset.Outcome.ERROR
    dataset.error_message = "" if ok else str(summary.get("error_message") or "")
    dataset.row_count = summary["row_count"] if ok else None
    dataset.column_count = summary["column_count"] if ok else None
    dataset.issue_count = len(summary["quality_issues"]) if ok else None
    dataset.encoding = str(summary.get("encoding") or "")[:32]
    dataset.delimiter = str(summary.get("delimiter") or "")[:8]
    dataset.summary_key = key
    dataset.profile = _page_profile(summary)
    dataset.processed_at = timezone.now()
    dataset.save()


def _page_profile(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary as the page reads it: long preview cells cut, the rest as it is."""
    profile = dict(summary)
    profile["preview"] = [[_cut(cell) for cell in row] for row in summary.get("preview") or []]
    return profile


def _cut(cell: Any) -> Any:
    if isinstance(cell, str) and len(cell) > PREVIEW_CELL_CHARS:
        return cell[: PREVIEW_CELL_CHARS - 1] + "…"
    return cell


def reprofile(obj: StoredObject) -> str:
    """Run the task's work here and now, whatever the object's status: "done", "rejected",
    "failed" or "skipped" (when a worker took it in between)."""
    if obj.status != Status.RECEIVED:
        obj.mark(Status.RECEIVED)
    if not obj.claim():
        return "skipped"
    return run_claimed(obj, profile_dataset_object)
