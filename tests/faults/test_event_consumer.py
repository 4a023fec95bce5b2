"""``consume_events`` under faults, against a real S3/SQS (moto's server mode) whose bucket
notifications really reach the queue, a real Celery worker and a real broker.

Self-contained and isolated: the moto server, the broker (a redis-server of its own on a free
port when the suite runs on Redis, else a filesystem broker in a directory of its own) and the
worker are this module's, so no other test's worker can take these tasks and a task is never
sent to a queue nobody reads. Every wait is on a condition, never a sleep.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings

from ingestion.models import Status, StoredObject
from ingestion.routing import ROUTES
from tests.notified_bucket import notified_bucket
from tests.services import free_port, reachable, unavailable
from tests.workers import database_url, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
RECEIVES_BEFORE_DLQ = 2


def sqs_wait(check: Any, what: str, timeout: float = 60) -> Any:
    return wait_for(check, timeout=timeout, what=what)


@pytest.fixture(scope="module")
def sqs_moto() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def sqs_broker() -> Iterator[dict[str, str]]:
    """Environment for a broker only this module's processes use."""
    data_dir = tempfile.mkdtemp(prefix="sqs-faults-")
    env = {"DATA_DIR": data_dir}
    process = None
    if settings.CELERY_BROKER_URL.startswith("redis"):
        if shutil.which("redis-server") is None:
            unavailable("redis-server", "not on PATH")
        port = free_port()
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        sqs_wait(lambda: reachable(url, port), "the test's own redis-server")
        env["REDIS_URL"] = url
    else:
        env["REDIS_URL"] = ""
    yield env
    if process is not None:
        process.terminate()
        process.wait(10)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def sqs_aws(sqs_moto: str, sqs_broker: dict[str, str]) -> dict[str, Any]:
    """A bucket whose notifications go to a queue with a dead-letter queue, and the
    environment of the app's processes for it."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    s3 = session.client("s3", endpoint_url=sqs_moto)
    sqs = session.client("sqs", endpoint_url=sqs_moto)
    # A short visibility timeout: a message not deleted comes back within a second.
    made = notified_bucket(s3, sqs, max_receives=RECEIVES_BEFORE_DLQ, visibility_timeout=1)
    bucket, queue, dlq = made.bucket, made.queue, made.dlq
    # Configuring the notification sent an s3:TestEvent; the tests send their own.
    sqs.purge_queue(QueueUrl=queue)
    env = {
        **os.environ,
        **sqs_broker,
        "DATABASE_URL": database_url(),
        "STORAGE_BUCKET": bucket,
        "AWS_S3_ENDPOINT_URL": sqs_moto,
        "SQS_QUEUE_URL": queue,
        "AWS_SQS_ENDPOINT_URL": sqs_moto,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env.pop("CI", None)  # the processes are app code, not tests
    if not env["REDIS_URL"]:
        env.pop("REDIS_URL")
    return {"s3": s3, "sqs": sqs, "bucket": bucket, "queue": queue, "dlq": dlq, "env": env}


class SqsProcess:
    """A process of the app (worker or consumer) whose output goes to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("ab")
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, marker: str) -> None:
        def seen() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"process exited early:\n{self.text()}")
            return marker in self.text()

        sqs_wait(seen, f"{marker!r} in {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.handle.close()


@pytest.fixture
def sqs_logs(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def sqs_worker(sqs_aws: dict[str, Any], sqs_logs: Path) -> Iterator[SqsProcess]:
    """A real worker on every queue the dispatch sends to, on this module's broker."""
    queues = ",".join(sorted({route.queue for route in ROUTES}))
    worker = SqsProcess(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "platform_site",
            "worker",
            "-Q",
            queues,
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
            "-n",
            f"sqs-faults-{uuid.uuid4().hex[:8]}@%h",
        ],
        sqs_aws["env"],
        sqs_logs / "worker.log",
    )
    worker.wait_for_output("ready.")
    yield worker
    worker.stop()


def start_consumer(env: dict[str, str], log: Path) -> SqsProcess:
    consumer = SqsProcess([sys.executable, "manage.py", "consume_events", "--wait", "1"], env, log)
    consumer.wait_for_output("consuming")
    return consumer


class DeleteHoldingProxy:
    """An HTTP proxy to the SQS endpoint that forwards everything but DeleteMessage, which it
    holds forever: a consumer behind it is provably between enqueue and delete."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.delete_seen = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target", "")
                if "DeleteMessage" in target or b"Action=DeleteMessage" in body:
                    proxy.delete_seen.set()
                    threading.Event().wait(120)  # held: the consumer is killed meanwhile
                    return
                upstream = http.client.HTTPConnection(proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request("POST", self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def queue_counts(sqs: Any, url: str) -> tuple[int, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def tasks_received(worker: SqsProcess, task: str = "datasets.profile_dataset") -> int:
    return sum(
        1 for line in worker.text().splitlines() if f"Task {task}[" in line and "received" in line
    )


def csv_body(rows: int = 3) -> bytes:
    return ("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(rows))).encode()


def test_consumer_killed_between_enqueue_and_delete_does_the_work_once(
    sqs_aws: dict[str, Any], sqs_worker: SqsProcess, sqs_logs: Path, owner: Any
) -> None:
    aws = sqs_aws
    proxy = DeleteHoldingProxy(aws["env"]["AWS_SQS_ENDPOINT_URL"])
    key = f"raw-csv/{owner.pk}/{uuid.uuid4()}/killed.csv"
    try:
        held = start_consumer(
            {**aws["env"], "AWS_SQS_ENDPOINT_URL": proxy.url}, sqs_logs / "consumer-1.log"
        )
        aws["s3"].put_object(Bucket=aws["bucket"], Key=key, Body=csv_body())
        sqs_wait(proxy.delete_seen.is_set, "the consumer to dispatch and try to delete")
        row = StoredObject.objects.get(key=key)
        assert row.enqueued_at is not None, "the task was enqueued before the delete"
        held.process.send_signal(signal.SIGKILL)
        held.process.wait(10)
        held.stop()
    finally:
        proxy.close()

    sqs_wait(
        lambda: StoredObject.objects.filter(key=key, status=Status.DONE).exists(),
        "the worker to profile the CSV",
    )
    received_before_restart = tasks_received(sqs_worker)
    assert queue_counts(aws["sqs"], aws["queue"]) != (0, 0), "the message was never deleted"

    restarted = start_consumer(aws["env"], sqs_logs / "consumer-2.log")
    try:
        sqs_wait(
            lambda: queue_counts(aws["sqs"], aws["queue"]) == (0, 0),
            "the redelivered message to be consumed and deleted",
        )
    finally:
        restarted.stop()

    rows = StoredObject.objects.filter(key=key)
    assert rows.count() == 1
    assert rows.get().status == Status.DONE
    assert rows.get().dataset is not None
    assert tasks_received(sqs_worker) == received_before_restart == 1, sqs_worker.text()
    assert queue_counts(aws["sqs"], aws["dlq"]) == (0, 0)


def test_poison_messages_neither_stop_nor_block_the_good_one(
    sqs_aws: dict[str, Any], sqs_worker: SqsProcess, sqs_logs: Path, owner: Any
) -> None:
    aws = sqs_aws
    s3, sqs, bucket, queue = aws["s3"], aws["sqs"], aws["bucket"], aws["queue"]
    run = uuid.uuid4()
    gone_key = f"raw-csv/{owner.pk}/{run}/gone.csv"
    s3.put_object(Bucket=bucket, Key=gone_key, Body=csv_body())
    s3.delete_object(Bucket=bucket, Key=gone_key)  # its notification is still queued
    other_bucket_key = f"raw-csv/{owner.pk}/{run}/elsewhere.csv"
    sqs.send_message(QueueUrl=queue, MessageBody="{not json")
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=json.dumps(
            {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "s3": {
                            "bucket": {"name": "someone-elses-bucket"},
                            "object": {"key": other_bucket_key, "size": 8, "eTag": "abc"},
                        },
                    }
                ]
            }
        ),
    )
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Event": "s3:TestEvent"}))
    good_key = f"raw-csv/{owner.pk}/{run}/fine.csv"
    s3.put_object(Bucket=bucket, Key=good_key, Body=csv_body())

    consumer = start_consumer(aws["env"], sqs_logs / "consumer.log")
    try:
        sqs_wait(
            lambda: StoredObject.objects.filter(key=good_key, status=Status.DONE).exists(),
            "the good object after the poison ones to be processed",
        )
        sqs_wait(
            lambda: queue_counts(sqs, aws["dlq"])[0] == 1,
            "the unreadable message to reach the dead-letter queue",
        )
        sqs_wait(lambda: queue_counts(sqs, queue) == (0, 0), "the queue to empty")
        assert consumer.process.poll() is None, "the consumer kept going"
    finally:
        consumer.stop()

    dead = sqs.receive_message(QueueUrl=aws["dlq"], MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dead] == ["{not json"]
    log = consumer.text()
    assert "left for the DLQ: not JSON" in log
    assert "is not this platform's" in log and other_bucket_key in log
    assert "the object is gone" in log and gone_key in log
    assert "no created objects" in log
    assert not StoredObject.objects.filter(key__in=[gone_key, other_bucket_key]).exists()
    assert StoredObject.objects.filter(key=good_key).count() == 1
