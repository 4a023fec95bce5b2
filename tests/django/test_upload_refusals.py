"""Bad uploads and broken services get a clear JSON answer, and nothing half-done is left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ingestion import storage
from ingestion.models import Status, StoredObject
from tests.broker import drain, purge
from tests.outages import broker_down, read_only_directory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def upload(client: Client, name: str, data: bytes, **fields: str) -> Any:
    return client.post("/api/uploads", {"file": SimpleUploadedFile(name, data), **fields})


def upload_raw(client: Client, name: str, data: bytes, **fields: str) -> Any:
    """A multipart body built by hand: the file name exactly as a browser would send it
    (the test client's own encoder shortens names to 255 characters)."""
    boundary = "b0undary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/api/uploads",
        data=b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_an_upload_just_over_the_limit_gets_a_json_413(csrf_client: Client, settings: Any) -> None:
    settings.UPLOAD_MAX_SIZE = 1000
    # Within the declared-length allowance, so the body is read (by the CSRF check, first).
    response = upload(csrf_client, "big.bin", b"x" * 1001)

    assert response.status_code == 413
    assert response.json() == {"error": "The file is larger than the upload limit of 1000 bytes."}
    assert not StoredObject.objects.exists()


def test_a_file_name_over_512_characters_gets_a_json_400(csrf_client: Client) -> None:
    response = upload_raw(csrf_client, "n" * 600 + ".txt", b"data")

    assert response.status_code == 400
    assert response.json()["error"] == "The file name is 604 characters long; the limit is 512."
    assert not StoredObject.objects.exists()


def test_a_long_name_in_a_wide_script_is_stored_and_kept_whole(csrf_client: Client) -> None:
    name = "夏休みの写真" * 50 + ".txt"  # 304 characters, 904 bytes in UTF-8

    response = upload_raw(csrf_client, name, b"data", raw_only="1")

    assert response.status_code == 201, response.content
    obj = StoredObject.objects.get()
    assert obj.original_name == name
    assert len(obj.key.rsplit("/", 1)[1].encode()) <= 200
    assert storage.read_bytes(obj.key) == b"data"


def test_a_read_only_storage_gives_a_clear_error_and_no_row(
    csrf_client: Client, settings: Any, tmp_path: Path
) -> None:
    with read_only_directory(tmp_path / "frozen") as frozen:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "ingestion.backends.local.LocalStorage",
                "OPTIONS": {"location": frozen},
            },
        }
        response = upload(csrf_client, "notes.pdf", b"%PDF-1.4")

    assert response.status_code == 503
    assert "could not be stored" in response.json()["error"]
    assert not StoredObject.objects.exists()


def test_with_the_broker_down_the_upload_succeeds_and_waits_for_the_sweep(
    csrf_client: Client,
) -> None:
    with broker_down():
        response = upload(csrf_client, "data.csv", b"a,b\n1,2\n")

    assert response.status_code == 201, response.content
    obj = StoredObject.objects.get()
    assert obj.status == Status.RECEIVED and obj.enqueued_at is None
    assert storage.read_bytes(obj.key) == b"a,b\n1,2\n"
    assert drain("cpu") == []


def test_a_repeated_event_after_the_broker_returns_enqueues_once(csrf_client: Client) -> None:
    from ingestion.dispatch import dispatch
    from ingestion.events import ObjectCreated

    with broker_down():
        upload(csrf_client, "data.csv", b"a,b\n1,2\n")
    obj = StoredObject.objects.get()

    dispatch(ObjectCreated(obj.bucket, obj.key, obj.size, obj.etag))  # e.g. S3's, redelivered

    assert StoredObject.objects.count() == 1
    assert drain("cpu") == [("datasets.profile_dataset", [obj.pk])]
