"""AWS mode end to end: S3 bucket notifications → SQS → consume_events → ledger → Celery worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from typing import Any

import pytest
from django.core.management import call_command

from ingestion.models import Status, StoredObject
from tests.integration.conftest import ROOT, Worker, database_url, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def consume_until(predicate: Any, what: str) -> None:
    def step() -> Any:
        call_command("consume_events", "--once", "--wait", "1")
        return predicate()

    wait_for(step, timeout=30, what=what)


def test_upload_to_bucket_becomes_one_ledger_row_and_the_task_runs(
    bucket_storage: dict[str, Any], s3_worker: Worker, owner: Any
) -> None:
    aws = bucket_storage  # the consumer checks the object in the bucket it stores in
    key = f"misc/{owner.pk}/{uuid.uuid4()}/hello world.txt"
    aws["s3"].put_object(Bucket=aws["bucket"], Key=key, Body=b"hello from s3")
    consume_until(lambda: StoredObject.objects.filter(key=key).exists(), "the ledger row")
    obj = wait_for(
        lambda: StoredObject.objects.filter(key=key, status=Status.DONE).first(),
        what="the worker to verify the object",
    )
    assert obj.owner == owner
    assert obj.bucket == aws["bucket"]
    assert obj.size == len(b"hello from s3")
    assert StoredObject.objects.filter(key=key).count() == 1


def test_same_event_delivered_twice_makes_one_row(
    bucket_storage: dict[str, Any], s3_worker: Worker, owner: Any
) -> None:
    aws = bucket_storage  # the consumer checks the object in the bucket it stores in
    key = f"misc/{owner.pk}/{uuid.uuid4()}/twice.txt"
    aws["s3"].put_object(Bucket=aws["bucket"], Key=key, Body=b"twice")
    sqs, queue = aws["sqs"], aws["queue"]
    bodies: list[str] = []

    def read_event() -> bool:
        for message in sqs.receive_message(
            QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10
        ).get("Messages", []):
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            if "twice.txt" in message["Body"]:
                bodies.append(message["Body"])
        return bool(bodies)

    wait_for(read_event, what="the S3 notification")
    for _ in range(2):  # the same notification delivered twice
        sqs.send_message(QueueUrl=queue, MessageBody=bodies[0])
    consume_until(lambda: StoredObject.objects.filter(key=key).exists(), "the ledger row")
    call_command("consume_events", "--once", "--wait", "1")
    wait_for(lambda: StoredObject.objects.filter(key=key, status=Status.DONE).exists(), what="done")
    assert StoredObject.objects.filter(key=key).count() == 1
    assert (
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "0"
    )


def test_multipart_upload_events_make_one_row(
    bucket_storage: dict[str, Any], s3_worker: Worker, owner: Any
) -> None:
    aws = bucket_storage  # the consumer checks the object in the bucket it stores in
    s3, bucket = aws["s3"], aws["bucket"]
    key = f"misc/{owner.pk}/{uuid.uuid4()}/big part file.bin"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)
    parts = []
    for number in (1, 2):
        body = bytes([number]) * (5 * 1024 * 1024)
        etag = s3.upload_part(
            Bucket=bucket, Key=key, PartNumber=number, UploadId=upload["UploadId"], Body=body
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    consume_until(lambda: StoredObject.objects.filter(key=key).exists(), "the ledger row")
    for _ in range(2):
        call_command("consume_events", "--once", "--wait", "1")
    wait_for(lambda: StoredObject.objects.filter(key=key, status=Status.DONE).exists(), what="done")
    assert StoredObject.objects.filter(key=key).count() == 1


def test_consumer_stops_cleanly_on_sigterm(aws: dict[str, Any]) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SQS_QUEUE_URL": aws["queue"],
        "AWS_SQS_ENDPOINT_URL": aws["endpoint"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
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
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0
    assert b"stopped" in process.stdout.read()


def test_s3_storage_keeps_keys_classes_and_signs_urls(bucket_storage: dict[str, Any]) -> None:
    from ingestion import storage

    aws = bucket_storage
    key = "raw-csv/1/u/data set.csv"
    etag = storage.save_bytes(key, b"a,b\n1,2\n", storage_class="STANDARD")
    head = aws["s3"].head_object(Bucket=aws["bucket"], Key=key)
    assert head["ETag"].strip('"') == etag
    storage.change_storage_class(key, "DEEP_ARCHIVE")
    assert aws["s3"].head_object(Bucket=aws["bucket"], Key=key)["StorageClass"] == "DEEP_ARCHIVE"
    url = storage.signed_url(key, filename="data set.csv")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
    assert "response-content-disposition=" in url


def test_s3_storage_takes_parts_sent_through_the_app(bucket_storage: dict[str, Any]) -> None:
    """For API clients that cannot reach the bucket: the same verbs as the disk's storage."""
    import io

    from ingestion import storage
    from ingestion.backends.base import MultipartRefused

    key, part = "misc/1/u/through the app.bin", 5 * 1024 * 1024
    upload_id = storage.start_multipart(
        key, size=part + 3, part_size=part, storage_class="STANDARD", content_type=""
    )
    with pytest.raises(MultipartRefused, match="ended early"):
        storage.write_part(key, upload_id, 1, io.BytesIO(b"short"), part)
    stored = [
        storage.write_part(key, upload_id, 2, io.BytesIO(b"end"), 3),
        storage.write_part(key, upload_id, 1, io.BytesIO(b"a" * part), part),
    ]
    assert [p.number for p in storage.list_parts(key, upload_id)] == [1, 2]

    storage.complete_multipart(key, upload_id, stored)

    assert storage.read_bytes(key) == b"a" * part + b"end"
