"""AWS mode with real bucket notifications: uploads keep every choice while ``consume_events``
races the app for each object's event, and resumable uploads go straight to the bucket."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ingestion.models import Status, StoredObject
from tests.integration.conftest import ROOT, Worker, database_url, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MB = 1024 * 1024


def aws_env(services: dict[str, Any]) -> dict[str, str]:
    return {
        "STORAGE_BUCKET": services["bucket"],
        "AWS_S3_ENDPOINT_URL": services["endpoint"],
        "SQS_QUEUE_URL": services["queue"],
        "AWS_SQS_ENDPOINT_URL": services["endpoint"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


@pytest.fixture
def consumer(bucket_storage: dict[str, Any]) -> Iterator[subprocess.Popen[bytes]]:
    """``manage.py consume_events`` running the whole time, as ``runplatform`` runs it."""
    env = {**os.environ, "DATABASE_URL": database_url(), **aws_env(bucket_storage)}
    env.pop("CI", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "consume_events", "--wait", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    while b"consuming" not in (line := process.stdout.readline()):
        assert line, "consume_events exited before it started consuming"
    yield process
    process.send_signal(signal.SIGTERM)
    process.wait(15)


def queue_empty(services: dict[str, Any]) -> bool:
    attributes = services["sqs"].get_queue_attributes(
        QueueUrl=services["queue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return set(attributes.values()) == {"0"}


UPLOADS = [
    ("tax return 2019.pdf", {"storage_class": "DEEP_ARCHIVE"}),
    ("Tagebuch März + April.txt", {"storage_class": "DEEP_ARCHIVE", "raw_only": "1"}),
    ("sales 2024.csv", {"storage_class": "INTELLIGENT_TIERING"}),
    ("IMG 0001.jpg", {"storage_class": "DEEP_ARCHIVE", "raw_only": "1"}),
    ("scan (1).png", {"storage_class": "INTELLIGENT_TIERING", "raw_only": "1"}),
    ("backup 50%.bin", {"storage_class": "DEEP_ARCHIVE"}),
    ("notes & ideas.md", {"storage_class": "INTELLIGENT_TIERING"}),
    ("plain.txt", {"storage_class": "DEEP_ARCHIVE", "raw_only": "1"}),
]


def test_eight_api_uploads_keep_their_class_and_name_while_the_consumer_races(
    bucket_storage: dict[str, Any], consumer: Any, s3_worker: Worker, owner_client: Client
) -> None:
    ids = []
    for name, fields in UPLOADS:
        data = b"a,b\n1,2\n" if name.endswith(".csv") else name.encode() * 100
        response = owner_client.post(
            "/api/uploads", {"file": SimpleUploadedFile(name, data), **fields}
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    wait_for(
        lambda: (
            queue_empty(bucket_storage)
            and StoredObject.objects.filter(pk__in=ids, status=Status.DONE).count() == len(ids)
        ),
        timeout=60,
        what="every event consumed and every upload processed",
    )

    rows = {row.pk: row for row in StoredObject.objects.all()}
    assert sorted(rows) == sorted(ids)  # one row per upload, none from the events
    kept = [(rows[i].original_name, rows[i].storage_class) for i in ids]
    assert kept == [(name, fields["storage_class"]) for name, fields in UPLOADS]
    s3 = bucket_storage["s3"]
    for i in ids:  # in the bucket too: at once if kept as is, once processed otherwise
        head = s3.head_object(Bucket=bucket_storage["bucket"], Key=rows[i].key)
        assert head.get("StorageClass", "STANDARD") == rows[i].storage_class


CHAT = "01/03/2024, 10:00 - Bob: hi\n01/03/2024, 10:01 - Ana: IMG-1.jpg (file attached)\n"


def test_an_unpacked_chat_keeps_its_zip_and_name_while_the_consumer_races(
    bucket_storage: dict[str, Any],
    consumer: Any,
    s3_worker: Worker,
    owner_client: Client,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("WhatsApp Chat with Bob.txt", CHAT)
        archive.writestr("IMG-1.jpg", b"\xff\xd8jpeg")
    response = owner_client.post(
        "/api/uploads",
        {
            "file": SimpleUploadedFile("WhatsApp Chat with Bob.zip", buffer.getvalue()),
            "storage_class": "DEEP_ARCHIVE",
        },
    )
    zipped = StoredObject.objects.get(pk=response.json()["id"])

    members = wait_for(
        lambda: (
            list(StoredObject.objects.exclude(pk=zipped.pk))
            if StoredObject.objects.filter(pk=zipped.pk, status=Status.DONE).exists()
            and queue_empty(bucket_storage)
            else None
        ),
        timeout=60,
        what="the zip to be unpacked and every member's event consumed",
    )
    by_kind = {m.kind: m for m in members}
    assert set(by_kind) == {"chat", "photo"} and len(members) == 2
    assert by_kind["chat"].original_name == "WhatsApp Chat with Bob.txt"
    assert all(m.source_id == zipped.pk and m.storage_class == "DEEP_ARCHIVE" for m in members)


def test_a_resumable_upload_goes_straight_to_the_bucket_and_survives_a_dropped_part(
    bucket_storage: dict[str, Any], consumer: Any, s3_worker: Worker, csrf_client: Client
) -> None:
    data = os.urandom(11 * MB)
    start = csrf_client.post(
        "/api/uploads/multipart",
        json.dumps(
            {
                "name": "Holiday video.mov",
                "size": len(data),
                "part_size": 5 * MB,
                "storage_class": "DEEP_ARCHIVE",
                "raw_only": True,
            }
        ),
        content_type="application/json",
    ).json()
    urls = csrf_client.get(f"/api/uploads/{start['id']}/parts?numbers=1,2,3").json()["urls"]
    assert all(url.startswith(bucket_storage["endpoint"]) for url in urls.values())

    def part(number: int) -> bytes:
        return data[(number - 1) * 5 * MB : number * 5 * MB]

    first = requests.put(urls["1"], data=part(1), timeout=30)
    assert first.status_code == 200

    def dropping() -> Iterator[bytes]:
        yield part(2)[: 2 * MB]
        raise ConnectionAbortedError("the train entered a tunnel")

    with pytest.raises(requests.RequestException):
        requests.put(
            urls["2"],
            data=dropping(),
            headers={"Content-Length": str(len(part(2)))},
            timeout=30,
        )

    resumed = csrf_client.get(start["status_url"]).json()
    assert [p["number"] for p in resumed["parts"]] == [1]
    etags = {1: first.headers["ETag"]}
    for number in (2, 3):
        etags[number] = requests.put(urls[str(number)], data=part(number), timeout=30).headers[
            "ETag"
        ]
    done = csrf_client.post(
        f"/api/uploads/{start['id']}/complete",
        json.dumps({"parts": [{"number": n, "etag": e} for n, e in etags.items()]}),
        content_type="application/json",
    )

    assert done.status_code == 200, done.content
    wait_for(
        lambda: queue_empty(bucket_storage) and StoredObject.objects.get().is_final,
        what="the event consumed and the object verified",
    )
    row = StoredObject.objects.get()
    assert (row.status, row.original_name, row.storage_class) == (
        Status.DONE,
        "Holiday video.mov",
        "DEEP_ARCHIVE",
    )
    s3, bucket = bucket_storage["s3"], bucket_storage["bucket"]
    head = s3.head_object(Bucket=bucket, Key=row.key)
    assert (head["StorageClass"], head["ContentLength"]) == ("DEEP_ARCHIVE", len(data))
    # Deep Archive cannot be read back; the ETag of the parts says the bytes are the ones sent.
    digests = b"".join(hashlib.md5(part(n), usedforsecurity=False).digest() for n in (1, 2, 3))
    expected = f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-3"
    assert row.etag == head["ETag"].strip('"') == expected
