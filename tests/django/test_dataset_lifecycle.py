"""A dataset's life after profiling: nothing is published for a deleted file, the clean-up hook
removes the summary JSON, and the summary download answers API callers in JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from datasets.models import Dataset
from datasets.pipeline import forget_dataset, profile_dataset_object, summary_key_for
from datasets.profiling.profile import CsvUnreadable, profile_csv
from ingestion import storage
from ingestion.jobs import Rejected, run_claimed
from ingestion.models import StoredObject
from tests.broker import purge

pytestmark = pytest.mark.django_db(transaction=True)

CSV = b"id,name\n1,Ann\n2,Bob\n"


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def upload(client: Any, name: str = "people.csv", data: bytes = CSV) -> StoredObject:
    response = client.post("/api/uploads", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 201, response.content
    return StoredObject.objects.get(pk=response.json()["id"])


def profiled(client: Any) -> Dataset:
    obj = upload(client)
    assert obj.claim()
    run_claimed(obj, profile_dataset_object)
    return Dataset.objects.get(source=obj)


def delete_during_profiling(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Make the profiler's run end after the file was deleted (recorded, or its row gone)."""
    real = profile_csv

    def profile_then_delete(path: str | Path, **options: Any) -> dict[str, Any]:
        result = real(path, **options)
        rows = StoredObject.objects.all()
        if how == "recorded":
            rows.update(deleted_at=timezone.now())
        else:
            rows.delete()
        return result

    monkeypatch.setattr("datasets.pipeline.profile_csv", profile_then_delete)


@pytest.mark.parametrize("how", ["recorded", "row-gone"])
def test_a_file_deleted_while_it_is_profiled_publishes_no_summary(
    owner_client: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    obj = upload(owner_client)
    delete_during_profiling(monkeypatch, how)

    with pytest.raises(Rejected, match="deleted while it was being profiled"):
        profile_dataset_object(obj)

    assert list(storage.list_keys("processed/csv/")) == []
    assert not Dataset.objects.filter(status=Dataset.Outcome.SUCCESS).exists()


def test_an_unreadable_file_deleted_while_it_is_profiled_publishes_nothing(
    owner_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    obj = upload(owner_client, "broken.csv", b"\x00\x01binary\x00" * 20)

    def refuse_after_delete(path: str | Path, **options: Any) -> dict[str, Any]:
        StoredObject.objects.update(deleted_at=timezone.now())
        raise CsvUnreadable("The file is not text.")

    monkeypatch.setattr("datasets.pipeline.profile_csv", refuse_after_delete)

    with pytest.raises(Rejected, match="deleted while it was being profiled"):
        profile_dataset_object(obj)
    assert list(storage.list_keys("processed/csv/")) == []


def test_the_clean_up_hook_removes_the_summary_json_and_the_dataset(owner_client: Any) -> None:
    dataset = profiled(owner_client)
    key = dataset.summary_key
    assert key == summary_key_for(dataset) and storage.exists(key)

    forget_dataset(dataset.source)

    assert not storage.exists(key)
    assert not Dataset.objects.filter(pk=dataset.pk).exists()
    assert storage.exists(dataset.source.key)  # the original is the deletion task's to remove


def test_the_clean_up_hook_is_safe_to_run_twice_and_on_unprofiled_files(
    owner_client: Any,
) -> None:
    dataset = profiled(owner_client)
    forget_dataset(dataset.source)
    forget_dataset(dataset.source)
    forget_dataset(upload(owner_client, "later.csv"))
    assert list(storage.list_keys("processed/csv/")) == []


def test_summary_json_answers_an_anonymous_caller_401_json(owner_client: Any) -> None:
    dataset = profiled(owner_client)

    response = Client().get(f"/datasets/{dataset.pk}/summary.json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"error": "authentication required"}


def test_summary_json_of_another_users_dataset_is_404_json(
    owner_client: Any, stranger: Any
) -> None:
    dataset = profiled(owner_client)
    client = Client()
    client.force_login(stranger)

    response = client.get(f"/datasets/{dataset.pk}/summary.json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "error" in json.loads(response.content)


def test_summary_json_not_written_yet_is_404_json(owner_client: Any, owner: Any) -> None:
    obj = upload(owner_client)
    dataset = Dataset.objects.create(owner=owner, source=obj, name=obj.original_name)

    response = owner_client.get(f"/datasets/{dataset.pk}/summary.json")

    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "This dataset has no summary yet."}
