"""Real services for the integration tests: a Celery worker process on the configured broker
(Redis in CI), an S3/SQS server (moto's server mode) and an OIDC provider process.

One of each per session. The worker and the test process share DATA_DIR and the test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.db import connection

from ingestion.routing import ROUTES
from tests.broker import purge
from tests.services import free_port, in_ci, reachable, unavailable

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    cfg = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{cfg['NAME']}"
    user = cfg.get("USER") or ""
    auth = f"{user}:{cfg.get('PASSWORD')}@" if cfg.get("PASSWORD") else (f"{user}@" if user else "")
    host = f"{cfg.get('HOST') or '127.0.0.1'}:{cfg.get('PORT') or 5432}"
    return f"postgresql://{auth}{host}/{cfg['NAME']}"


class Worker:
    """A real ``celery worker`` process; one runs at a time so no other takes its tasks."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.env_key: tuple[tuple[str, str], ...] = ()
        self.log = Path(settings.DATA_DIR) / "worker.log"

    def ensure(self, extra_env: dict[str, str]) -> None:
        key = tuple(sorted(extra_env.items()))
        if self.process and self.process.poll() is None and key == self.env_key:
            return
        self.stop()
        env = {**os.environ, "DATABASE_URL": database_url(), **extra_env}
        env.pop("CI", None)  # the worker is app code, not a test
        self.log.write_bytes(b"")
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "platform_site",
                "worker",
                "-Q",
                "io,cpu",
                "--pool",
                "solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        self.env_key = key
        deadline = time.monotonic() + 60
        while b"ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("celery worker did not start:\n" + self.log.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@pytest.fixture(scope="session")
def _worker_manager(django_db_setup: Any) -> Iterator[Worker]:
    if in_ci() and not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("CI must run the integration tests on Redis (REDIS_URL)", pytrace=False)
    if settings.CELERY_BROKER_URL.startswith("redis") and not reachable(
        settings.CELERY_BROKER_URL, 6379
    ):
        unavailable("Redis", settings.CELERY_BROKER_URL)
    manager = Worker()
    yield manager
    manager.stop()


@pytest.fixture
def worker(_worker_manager: Worker) -> Worker:
    """A worker on the embedded storage (files under DATA_DIR)."""
    _worker_manager.ensure({})
    return _worker_manager


def wait_for(check: Any, timeout: float = 90, what: str = "condition") -> Any:
    """Poll ``check`` until truthy. The limit is generous: the worker shares two cores with
    everything else the suite runs, and a passing test never waits it out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


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


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[str]:
    """A real OpenID Connect provider process (PyPI's oidc-provider-mock)."""
    port = free_port()
    claims = '{"sub": "alice-sub-1", "email": "alice@example.org", "name": "Alice Liddell"}'
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--user-claims", claims],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not reachable(url, port):
        if process.poll() is not None or time.monotonic() > deadline:
            unavailable("the OIDC provider process", "python -m oidc_provider_mock did not start")
        time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def aws(moto_server: str, settings: Any) -> dict[str, Any]:
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=moto_server, region_name="us-east-1")
    bucket = f"bucket-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    dlq = sqs.create_queue(QueueName=f"{bucket}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName=f"{bucket}-events",
        Attributes={
            "RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "3"}}'
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": route.prefix}]}},
                }
                for route in ROUTES
            ]
        },
    )
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
