"""The resumable protocol on the files-on-disk storage: row first, parts in any order, resume by
asking which parts are stored, one completion, cancel. (Dropped connections against the real
server: tests/e2e/test_resumable_server.py; S3: tests/integration/test_s3_uploads.py.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from ingestion import storage
from ingestion.models import MultipartUpload, Status, StoredObject
from tests.broker import drain, purge

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
PART = 5 * MB
DATA = bytes(range(256)) * (12 * MB // 256) + b"tail"  # 12 MB + 4 bytes: parts of 5, 5, 2 MB


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def md5(data: bytes) -> Any:
    return hashlib.md5(data, usedforsecurity=False)


def start(csrf_client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "Holiday video.mov", "size": len(DATA), "part_size": PART, **fields}
    response = csrf_client.post(
        "/api/uploads/multipart", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    result: dict[str, Any] = response.json()
    return result


def part_urls(csrf_client: Client, upload: dict[str, Any], *numbers: int) -> dict[str, str]:
    query = ",".join(str(n) for n in numbers)
    response = csrf_client.get(f"/api/uploads/{upload['id']}/parts?numbers={query}")
    assert response.status_code == 200, response.content
    urls: dict[str, str] = response.json()["urls"]
    return urls


def put(url: str, number: int) -> Any:
    """A PUT to a part URL, as a browser sends it: no cookie, no CSRF token."""
    chunk = DATA[(number - 1) * PART : number * PART]
    split = urlsplit(url)
    return Client().put(f"{split.path}?{split.query}", chunk, content_type="")


def complete(csrf_client: Client, upload: dict[str, Any], etags: dict[int, str]) -> Any:
    parts = [{"number": n, "etag": e} for n, e in sorted(etags.items())]
    return csrf_client.post(
        f"/api/uploads/{upload['id']}/complete",
        json.dumps({"parts": parts}),
        content_type="application/json",
    )


def send(csrf_client: Client, upload: dict[str, Any], *numbers: int) -> dict[int, str]:
    urls = part_urls(csrf_client, upload, *numbers)
    etags = {}
    for number in numbers:
        response = put(urls[str(number)], number)
        assert response.status_code == 200, response.content
        etags[number] = response["ETag"].strip('"')
    return etags


def test_the_row_exists_before_the_first_part(csrf_client: Client, owner: Any) -> None:
    upload = start(csrf_client, storage_class="STANDARD", last_modified=1_563_096_600_000)

    row = StoredObject.objects.get(pk=upload["id"])
    assert row.status == Status.UPLOADING and row.owner == owner
    assert (row.original_name, row.size) == ("Holiday video.mov", len(DATA))
    assert row.client_modified_at is not None and row.client_modified_at.year == 2019
    assert (upload["part_size"], upload["part_count"], upload["parts"]) == (PART, 3, [])
    assert not storage.exists(row.key)


def test_parts_in_any_order_make_the_file_and_its_task_runs_once(csrf_client: Client) -> None:
    upload = start(csrf_client)
    etags = send(csrf_client, upload, 3, 1, 2)

    response = complete(csrf_client, upload, etags)

    assert response.status_code == 200, response.content
    row = StoredObject.objects.get(pk=upload["id"])
    assert row.status == Status.RECEIVED and row.size == len(DATA)
    assert storage.read_bytes(row.key) == DATA
    md5s = b"".join(md5(DATA[i : i + PART]).digest() for i in range(0, len(DATA), PART))
    assert row.etag == f"{md5(md5s).hexdigest()}-3"  # what S3 gives the same parts
    assert drain("io") == [("ingestion.verify_object", [row.pk])]
    assert not MultipartUpload.objects.exists()


def test_a_resumed_upload_is_told_which_parts_are_stored(csrf_client: Client) -> None:
    upload = start(csrf_client)
    send(csrf_client, upload, 1, 3)

    resumed = csrf_client.get(upload["status_url"]).json()

    assert resumed["status"] == "uploading"
    assert [p["number"] for p in resumed["parts"]] == [1, 3]
    assert resumed["received"] == PART + (len(DATA) - 2 * PART)
    etags = {p["number"]: p["etag"] for p in resumed["parts"]} | send(csrf_client, upload, 2)
    assert complete(csrf_client, upload, etags).status_code == 200
    assert storage.read_bytes(StoredObject.objects.get(pk=upload["id"]).key) == DATA


def test_completing_twice_answers_the_same_row(csrf_client: Client) -> None:
    upload = start(csrf_client)
    etags = send(csrf_client, upload, 1, 2, 3)

    first, again = complete(csrf_client, upload, etags), complete(csrf_client, upload, etags)

    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert StoredObject.objects.count() == 1
    assert len(drain("io")) == 1


def test_completing_with_a_part_missing_says_which(csrf_client: Client) -> None:
    upload = start(csrf_client)
    etags = send(csrf_client, upload, 1, 3)

    response = complete(csrf_client, upload, {**etags, 2: "0" * 32})

    assert response.status_code == 400
    assert response.json()["error"] == (
        f"The parts stored add up to {PART + 2 * MB + 4:,} bytes, not the {len(DATA):,} "
        "announced; send the missing parts."
    )
    assert StoredObject.objects.get(pk=upload["id"]).status == Status.UPLOADING


def test_a_part_of_the_wrong_size_is_refused(csrf_client: Client) -> None:
    upload = start(csrf_client)
    url = part_urls(csrf_client, upload, 1)["1"]
    split = urlsplit(url)

    response = Client().put(f"{split.path}?{split.query}", b"short", content_type="")

    assert response.status_code == 400
    assert response.json()["error"].startswith(f"Part 1 must be {PART} bytes")


def test_a_forged_part_url_is_refused(csrf_client: Client) -> None:
    start(csrf_client)

    response = Client().put("/api/uploads/parts/forged-token?partNumber=1", b"x")

    assert response.status_code == 403
    assert "invalid or has expired" in response.json()["error"]


def test_cancel_removes_the_parts_and_the_row(csrf_client: Client, settings: Any) -> None:
    upload = start(csrf_client)
    send(csrf_client, upload, 1)

    response = csrf_client.delete(upload["status_url"])

    assert response.status_code == 204
    assert not StoredObject.objects.exists()
    assert not any((Path(settings.LOCAL_STORAGE_DIR) / ".multipart").iterdir())


def test_a_stored_object_cannot_be_cancelled(csrf_client: Client) -> None:
    upload = start(csrf_client)
    complete(csrf_client, upload, send(csrf_client, upload, 1, 2, 3))

    response = csrf_client.delete(upload["status_url"])

    assert response.status_code == 409
    assert StoredObject.objects.filter(pk=upload["id"]).exists()


def test_another_users_upload_does_not_exist(csrf_client: Client, stranger: Any) -> None:
    upload = start(csrf_client)
    other = Client()
    other.force_login(stranger)

    assert other.get(upload["status_url"]).status_code == 404
    assert other.get(f"/api/uploads/{upload['id']}/parts?numbers=1").status_code == 404


def test_a_file_over_the_limit_is_refused_before_anything_is_recorded(
    csrf_client: Client, settings: Any
) -> None:
    settings.UPLOAD_MAX_SIZE = len(DATA) - 1
    response = csrf_client.post(
        "/api/uploads/multipart",
        json.dumps({"name": "big.mov", "size": len(DATA)}),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert "upload limit" in response.json()["error"]
    assert not StoredObject.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"size": 5}, "name: This field is required."),
        ({"name": "a.txt", "size": 0}, "size: Ensure this value is greater than or equal to 1."),
        ({"name": "a" * 600, "size": 5}, "name: The file name is 600 characters long"),
        ({"name": "a.txt", "size": 5, "storage_class": "GLACIER"}, "Unknown storage class"),
    ],
)
def test_a_bad_start_is_refused_in_words(
    csrf_client: Client, body: dict[str, Any], message: str
) -> None:
    response = csrf_client.post(
        "/api/uploads/multipart", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not StoredObject.objects.exists()


def test_uploads_nobody_finished_are_cancelled_after_a_week(csrf_client: Client) -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    old, fresh = start(csrf_client), start(csrf_client)
    send(csrf_client, old, 1)
    MultipartUpload.objects.filter(object_id=old["id"]).update(
        created_at=timezone.now() - timedelta(days=8)
    )

    call_command("expire_uploads")

    assert list(StoredObject.objects.values_list("pk", flat=True)) == [fresh["id"]]
