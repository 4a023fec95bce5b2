"""The missing tokens of CSV datasets come from the DATASETS_MISSING_TOKENS setting."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Dataset
from datasets.pipeline import profile_dataset_object
from ingestion.jobs import run_claimed
from ingestion.models import StoredObject
from tests.broker import purge

pytestmark = pytest.mark.django_db(transaction=True)

CSV = b"id,score\n1,?\n2,N/A\n" + b"".join(b"%d,%d\n" % (n, n * 7) for n in range(3, 60))


def profile(client: Any) -> dict[str, Any]:
    purge("io", "cpu")
    response = client.post("/api/uploads", {"file": SimpleUploadedFile("scores.csv", CSV)})
    obj = StoredObject.objects.get(pk=response.json()["id"])
    assert obj.claim()
    run_claimed(obj, profile_dataset_object)
    score = next(c for c in Dataset.objects.get(source=obj).profile["columns"] if c["index"] == 1)
    return {"missing": score["missing"], "invalid": score["invalid"]}


def test_the_default_tokens_count_as_missing(owner_client: Any) -> None:
    assert profile(owner_client) == {"missing": 1, "invalid": 1}  # N/A missing, ? invalid


def test_the_setting_replaces_the_tokens(owner_client: Any, settings: Any) -> None:
    settings.DATASETS_MISSING_TOKENS = ["?"]
    assert profile(owner_client) == {"missing": 1, "invalid": 1}  # ? missing, N/A invalid
    dataset = Dataset.objects.get()
    assert dataset.profile["missing_tokens"] == ["?"]
