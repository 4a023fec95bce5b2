"""The app run against the outputs of the Terraform applied to moto: an upload through the API
reaches the bucket, the bucket's notification reaches the queue, `consume_events` and a real
Celery worker finish it, and the user's storage class and file name stay as chosen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.core.management import call_command
from django.test import Client

from ingestion.events import parse_notification
from ingestion.models import Status, StoredObject
from tests.deploy.conftest import Applied
from tests.integration.conftest import ROOT, Worker, database_url, wait_for

pytestmark = [pytest.mark.services, pytest.mark.terraform, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aws_app(applied: Applied, settings: Any, _worker_manager: Worker) -> Iterator[dict[str, Any]]:
    """This process (the web app) and the worker configured from the Terraform outputs."""
    env = applied.outputs["environment"]
    endpoint = applied.endpoint
    settings.STORAGE_BUCKET = settings.STORAGE_BUCKET_LABEL = env["STORAGE_BUCKET"]
    settings.AWS_REGION = env["AWS_REGION"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ingestion.backends.s3.BucketStorage",
            "OPTIONS": {
                "bucket_name": env["STORAGE_BUCKET"],
                "endpoint_url": endpoint,
                "region_name": env["AWS_REGION"],
                "file_overwrite": True,
                "signature_version": "s3v4",
            },
        },
    }
    settings.SQS_QUEUE_URL = env["SQS_QUEUE_URL"]
    settings.AWS_SQS_ENDPOINT_URL = endpoint
    process_env = {
        "STORAGE_BUCKET": env["STORAGE_BUCKET"],
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_REGION": env["AWS_REGION"],
        "SQS_QUEUE_URL": env["SQS_QUEUE_URL"],
        "AWS_SQS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    _worker_manager.ensure(process_env)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=env["AWS_REGION"])
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=env["AWS_REGION"])
    yield {"s3": s3, "sqs": sqs, "env": env, "process_env": process_env}
    # The next tests expect their tasks to wait on the broker, not to be taken by this worker.
    _worker_manager.stop()


def upload(client: Client, name: str, body: bytes, storage_class: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/uploads",
        {"file": SimpleUploadedFile(name, body), "storage_class": storage_class},
    )
    assert response.status_code == 201, response.content
    answer: dict[str, Any] = response.json()
    return answer


def test_an_api_upload_travels_bucket_queue_consumer_worker_and_keeps_its_choices(
    aws_app: dict[str, Any], owner_client: Client
) -> None:
    s3, sqs, env = aws_app["s3"], aws_app["sqs"], aws_app["env"]
    answer = upload(owner_client, "Tax return 2019.pdf", b"%PDF-1.4 tax", "INTELLIGENT_TIERING")
    key = answer["key"]

    head = s3.head_object(Bucket=env["STORAGE_BUCKET"], Key=key)
    assert head["ContentLength"] == len(b"%PDF-1.4 tax")
    assert head["StorageClass"] == "INTELLIGENT_TIERING"

    def notification() -> Any:
        for message in sqs.receive_message(
            QueueUrl=env["SQS_QUEUE_URL"], WaitTimeSeconds=1, MaxNumberOfMessages=10
        ).get("Messages", []):
            sqs.change_message_visibility(
                QueueUrl=env["SQS_QUEUE_URL"],
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=0,
            )
            if key in [record.key for record in parse_notification(message["Body"])]:
                return message
        return None

    wait_for(notification, what="the bucket's notification in the queue")
    call_command("consume_events", "--once", "--wait", "1")
    obj = wait_for(
        lambda: StoredObject.objects.filter(key=key, status=Status.DONE).first(),
        what="the worker to finish the upload",
    )
    assert (obj.original_name, obj.storage_class) == ("Tax return 2019.pdf", "INTELLIGENT_TIERING")
    assert StoredObject.objects.filter(key=key).count() == 1
    depth = sqs.get_queue_attributes(
        QueueUrl=env["SQS_QUEUE_URL"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert depth == "0"


@pytest.fixture
def running_consumer(aws_app: dict[str, Any]) -> Iterator[subprocess.Popen[bytes]]:
    """`manage.py consume_events` running as on ECS, racing the app's own dispatch."""
    env = {**os.environ, "DATABASE_URL": database_url(), **aws_app["process_env"]}
    env.pop("CI", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "consume_events", "--wait", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    yield process
    process.send_signal(signal.SIGTERM)
    process.wait(20)


@pytest.fixture
def consumer_first(aws_app: dict[str, Any]) -> Iterator[None]:
    """The race as it happens on AWS when the notification is quick: the app's write to the
    bucket returns only once the running consumer has recorded the object (a botocore hook on
    the app's own S3 client; nothing is replaced)."""
    from django.core.files.storage import default_storage
    from django.db import connection

    storage: Any = default_storage
    events = storage.connection.meta.client.meta.events

    def remember_key(params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        context["test_key"] = params["Key"]

    def wait_for_consumer(context: dict[str, Any], **kwargs: Any) -> None:
        try:
            wait_for(
                lambda: StoredObject.objects.filter(key=context["test_key"]).exists(),
                timeout=20,
                what="the consumer to record the object",
            )
        finally:
            connection.close()  # this runs in the upload's transfer thread

    events.register("provide-client-params.s3.PutObject", remember_key)
    events.register("after-call.s3.PutObject", wait_for_consumer)
    yield
    events.unregister("provide-client-params.s3.PutObject", remember_key)
    events.unregister("after-call.s3.PutObject", wait_for_consumer)


def test_uploads_keep_their_choices_when_the_consumer_records_them_first(
    aws_app: dict[str, Any], running_consumer: Any, consumer_first: None, owner_client: Client
) -> None:
    chosen = {
        f"scan {n} {uuid.uuid4().hex[:6]}.bin": ("DEEP_ARCHIVE", "INTELLIGENT_TIERING")[n % 2]
        for n in range(4)
    }
    keys = {
        upload(owner_client, name, name.encode() * 100, storage_class)["key"]: (name, storage_class)
        for name, storage_class in chosen.items()
    }
    rows = wait_for(
        lambda: (
            list(StoredObject.objects.filter(key__in=keys, status=Status.DONE))
            if StoredObject.objects.filter(key__in=keys, status=Status.DONE).count() == len(keys)
            else None
        ),
        what="every upload done",
    )
    kept = {row.key: (row.original_name, row.storage_class) for row in rows}
    assert kept == keys
