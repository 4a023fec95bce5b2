from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingestion import storage
from ingestion.models import Status, StoredObject
from tests.broker import drain, purge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def upload(client: Any, name: str, data: bytes, **fields: str) -> Any:
    return client.post("/api/uploads", {"file": SimpleUploadedFile(name, data), **fields})


def test_upload_answers_201_with_status_url(owner_client: Any, owner: Any) -> None:
    response = upload(owner_client, "notes.pdf", b"%PDF-1.4 hello")
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "misc"
    assert body["status"] == "received"
    assert body["key"].startswith(f"misc/{owner.pk}/")
    assert body["key"].endswith("/notes.pdf")
    status = owner_client.get(body["status_url"]).json()
    assert status["id"] == body["id"]
    assert storage.read_bytes(body["key"]) == b"%PDF-1.4 hello"


def test_upload_records_one_ledger_row_and_enqueues_its_task(owner_client: Any) -> None:
    body = upload(owner_client, "data.csv", b"a,b\n1,2\n").json()
    obj = StoredObject.objects.get(pk=body["id"])
    assert (obj.kind, obj.status, obj.original_name) == ("csv", Status.RECEIVED, "data.csv")
    assert obj.etag and obj.size == 8
    assert drain("cpu") == [("datasets.profile_dataset", [obj.pk])]
    obj.refresh_from_db()
    assert obj.enqueued_at is not None


def test_two_uploads_with_the_same_name_never_overwrite(owner_client: Any) -> None:
    first = upload(owner_client, "a.txt", b"first").json()
    second = upload(owner_client, "a.txt", b"second").json()
    assert first["key"] != second["key"]
    assert storage.read_bytes(first["key"]) == b"first"
    assert storage.read_bytes(second["key"]) == b"second"


def test_hostile_names_are_made_safe_but_kept_for_display(owner_client: Any) -> None:
    body = upload(owner_client, "../../x\u202e\x07.pdf", b"x").json()
    obj = StoredObject.objects.get(pk=body["id"])
    assert ".." not in obj.key and "\u202e" not in obj.key and "\x07" not in obj.key
    assert obj.original_name.endswith(".pdf")


def test_raw_only_goes_to_raw_archive_with_the_chosen_storage_class(owner_client: Any) -> None:
    body = upload(owner_client, "p.jpg", b"jpeg", raw_only="1", storage_class="DEEP_ARCHIVE").json()
    obj = StoredObject.objects.get(pk=body["id"])
    assert obj.key.startswith("raw-archive/")
    assert obj.kind == "archive"
    assert obj.storage_class == "DEEP_ARCHIVE"


def test_empty_file_is_refused_with_a_clear_message(owner_client: Any) -> None:
    response = upload(owner_client, "empty.txt", b"")
    assert response.status_code == 400
    assert "empty" in response.json()["error"]
    assert not StoredObject.objects.exists()


def test_file_over_the_limit_gets_413(owner_client: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_SIZE = 1000
    response = upload(owner_client, "big.bin", b"x" * 5000)
    assert response.status_code == 413
    assert "limit" in response.json()["error"]
    assert not StoredObject.objects.exists()


def test_unknown_storage_class_is_refused(owner_client: Any) -> None:
    response = upload(owner_client, "a.txt", b"x", storage_class="GLACIER_IR")
    assert response.status_code == 400
    assert "storage class" in response.json()["error"]


def test_missing_file_field_is_refused(owner_client: Any) -> None:
    response = owner_client.post("/api/uploads", {"storage_class": "STANDARD"})
    assert response.status_code == 400


def test_api_answers_401_json_without_sign_in(client: Any) -> None:
    response = upload(client, "a.txt", b"x")
    assert response.status_code == 401
    assert response.json() == {"error": "authentication required"}


def test_session_upload_needs_the_csrf_token(owner: Any) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    response = upload(strict, "a.txt", b"x")
    assert response.status_code == 403
    assert not StoredObject.objects.exists()


def test_upload_page_has_no_inline_script_style_or_handler(owner_client: Any) -> None:
    """So it keeps working under a strict Content-Security-Policy."""
    import re

    page = owner_client.get("/upload/").content.decode()
    main = page[re.search(r"<main[^>]*>", page).start() :]  # type: ignore[union-attr]

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", main)
    assert not re.search(r"\sstyle=", main)
    assert not re.search(r"\son[a-z]+=", main)


def test_upload_page_offers_the_buckets_storage_classes(owner_client: Any, settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ingestion.backends.s3.BucketStorage",
            "OPTIONS": {"bucket_name": "b", "region_name": "us-east-1"},
        },
    }
    page = owner_client.get("/upload/").content.decode()

    assert "Glacier Deep Archive" in page and "Intelligent-Tiering" in page


def test_upload_page_offers_no_storage_class_for_files_on_disk(owner_client: Any) -> None:
    response = owner_client.get("/upload/")
    assert response.status_code == 200
    assert b"Store raw only" in response.content
    assert b"Glacier Deep Archive" not in response.content
    assert b"Intelligent-Tiering" not in response.content
