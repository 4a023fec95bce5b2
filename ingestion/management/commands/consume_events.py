"""Long-poll SQS for S3 notifications and dispatch them.

A message is deleted only after its records are in the ledger and their tasks enqueued. A message
that cannot be read is left alone: after maxReceiveCount deliveries the queue's redrive policy
moves it to the dead-letter queue, so nothing is silently dropped. A readable message whose
records cannot become work is deleted with a logged reason: a test event, a record naming
another bucket than STORAGE_BUCKET (the worker would read this bucket's object of that key), and
a record whose object is gone or was replaced since (its replacement's own event records it; a
row for the old version would claim an object that no longer exists). SIGTERM/SIGINT finish the
current batch and stop.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

import boto3
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingestion import storage
from ingestion.dispatch import dispatch
from ingestion.events import MalformedEvent, ObjectCreated, parse_notification
from ingestion.models import StoredObject

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Consume S3 ObjectCreated notifications from SQS_QUEUE_URL."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wait", type=int, default=20, help="long-poll seconds (0-20)")
        parser.add_argument("--once", action="store_true", help="one receive, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        queue_url = settings.SQS_QUEUE_URL
        if not queue_url:
            raise CommandError("SQS_QUEUE_URL is not set")
        sqs = boto3.client(
            "sqs",
            region_name=settings.AWS_REGION,
            endpoint_url=settings.AWS_SQS_ENDPOINT_URL or None,
        )
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.stdout.write(f"consuming {queue_url}")
        while not self.stopping:
            response = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=max(0, min(20, options["wait"])),
            )
            for message in response.get("Messages", []):
                if self.handle_message(dict(message)):
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            if options["once"]:
                break
        self.stdout.write("stopped")

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def handle_message(self, message: dict[str, Any]) -> bool:
        """Dispatch one message's records; True when it may be deleted."""
        try:
            records = parse_notification(message.get("Body", ""))
        except MalformedEvent as exc:
            log.error("unreadable message %s left for the DLQ: %s", message.get("MessageId"), exc)
            return False
        message_id = message.get("MessageId")
        if not records:
            log.info("message %s has no created objects (a test event?); deleted", message_id)
        try:
            for record in records:
                refusal = self.refusal(record)
                if refusal:
                    log.warning("message %s: %s not recorded: %s", message_id, record.key, refusal)
                    continue
                dispatch(record)
        except Exception:
            log.exception("dispatch failed; message %s will be redelivered", message_id)
            return False
        return True

    def refusal(self, record: ObjectCreated) -> str:
        """Why ``record`` cannot become work; "" when it can (storage errors propagate)."""
        bucket = settings.STORAGE_BUCKET
        if bucket and record.bucket != bucket:
            return f"bucket {record.bucket!r} is not this platform's ({bucket!r})"
        recorded = StoredObject.objects.filter(
            bucket=record.bucket, key=record.key, etag=record.etag
        )
        if recorded.exists():
            return ""  # dispatch finds it and does nothing twice
        if not storage.exists(record.key):
            return "the object is gone (deleted since the event)"
        current = storage.etag_of(record.key)
        if record.etag and current != record.etag:
            return f"the object was replaced since (ETag {current}, event {record.etag})"
        return ""
