"""A storage directory that refuses writes (really read-only: chmod, or a read-only bind mount
for root): every way in answers a clear JSON error, and no ledger row claims an object that
was never stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingestion.models import Status, StoredObject
from tests.outages import read_only_directory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def frozen_storage(settings: Any, tmp_path: Path) -> Any:
    with read_only_directory(tmp_path / "frozen") as frozen:
        settings.LOCAL_STORAGE_DIR = frozen
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "ingestion.backends.local.LocalStorage",
                "OPTIONS": {"location": frozen},
            },
        }
        yield frozen


def claimed_objects() -> int:
    return StoredObject.objects.exclude(status=Status.UPLOADING).count()


def test_a_one_request_upload_is_refused_clearly(frozen_storage: Path, owner_client: Any) -> None:
    response = owner_client.post(
        "/api/uploads", {"file": SimpleUploadedFile("scan.jpg", b"\xff\xd8 not much")}
    )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert "could not be stored" in response.json()["error"]
    assert str(frozen_storage) not in response.content.decode()  # no paths echoed
    assert StoredObject.objects.count() == 0


def test_a_resumable_upload_is_refused_clearly(frozen_storage: Path, owner_client: Any) -> None:
    response = owner_client.post(
        "/api/uploads/multipart",
        {"name": "film.mov", "size": 6 * 1024**2},
        content_type="application/json",
    )
    assert response["Content-Type"].startswith("application/json")
    if response.status_code == 201:  # started: its parts cannot be written, nothing is claimed
        body = response.json()
        urls = owner_client.get(f"/api/uploads/{body['id']}/parts?numbers=1").json()["urls"]
        put = owner_client.put(
            urls["1"], b"x" * 5 * 1024**2, content_type="application/octet-stream"
        )
        assert put.status_code == 503 and "error" in put.json()
    else:
        assert response.status_code == 503 and "error" in response.json()
    assert str(frozen_storage) not in response.content.decode()
    assert claimed_objects() == 0
