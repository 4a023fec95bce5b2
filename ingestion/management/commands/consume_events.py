"""Long-poll SQS for S3 notifications and dispatch them.

A message is deleted only after its records are in the ledger and their tasks enqueued. A message
that cannot be read is left alone: after maxReceiveCount deliveries the queue's redrive policy
moves it to the dead-letter queue, so nothing is silently dropped. SIGTERM/SIGINT finish the
current batch and stop.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

import boto3
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingestion.dispatch import dispatch
from ingestion.events import MalformedEvent, parse_notification

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
        try:
            for record in records:
                dispatch(record)
        except Exception:
            log.exception(
                "dispatch failed; message %s will be redelivered", message.get("MessageId")
            )
            return False
        return True
