"""Real services for the integration tests: the session's Celery worker process on the
configured broker (Redis in CI; tests/workers.py) and an S3/SQS server (moto's server mode).

One of each per session. The worker and the test process share DATA_DIR and the test database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.broker import purge
from tests.notified_bucket import notified_bucket
from tests.services import free_port
from tests.workers import ROOT, Worker, database_url, wait_for

__all__ = ["ROOT", "Worker", "database_url", "wait_for"]  # what tests import from here


@pytest.fixture
def worker(_worker_manager: Worker) -> Worker:
    """A worker on the embedded storage (files under DATA_DIR)."""
    _worker_manager.ensure({})
    return _worker_manager


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws(moto_server: str, settings: Any) -> dict[str, Any]:
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=moto_server, region_name="us-east-1")
    made = notified_bucket(s3, sqs, max_receives=3)
    bucket, queue = made.bucket, made.queue
    settings.SQS_QUEUE_URL = queue
    settings.AWS_SQS_ENDPOINT_URL = moto_server
    return {"s3": s3, "sqs": sqs, "bucket": bucket, "queue": queue, "endpoint": moto_server}


@pytest.fixture
def s3_worker(_worker_manager: Worker, aws: dict[str, Any]) -> Worker:
    _worker_manager.ensure(
        {
            "STORAGE_BUCKET": aws["bucket"],
            "AWS_S3_ENDPOINT_URL": aws["endpoint"],
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    return _worker_manager


@pytest.fixture
def bucket_storage(aws: dict[str, Any], settings: Any) -> dict[str, Any]:
    """This test process stores in the bucket, as the web app does in AWS mode."""
    settings.STORAGE_BUCKET = settings.STORAGE_BUCKET_LABEL = aws["bucket"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ingestion.backends.s3.BucketStorage",
            "OPTIONS": {
                "bucket_name": aws["bucket"],
                "endpoint_url": aws["endpoint"],
                "region_name": "us-east-1",
                "file_overwrite": True,
                "signature_version": "s3v4",
            },
        },
    }
    purge("io", "cpu")
    return aws
