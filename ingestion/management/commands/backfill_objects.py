"""Find stored objects the ledger never heard of and dispatch them as their events would have.

Recovers uploads whose events were lost while no consumer ran, and uploads whose row still
waits (``uploading``) although their bytes are stored (the app stopped between the two): the
event completes that row. Generic over prefixes: every raw prefix routes to its own task
through ingestion.dispatch; derived keys are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ingestion import storage
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.models import Status, StoredObject
from ingestion.routing import route_for_key


def batched(keys: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(islice(keys, size)):
        yield batch


class Command(BaseCommand):
    help = "Dispatch stored objects under a prefix that are missing from the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prefix", required=True, help='e.g. "raw-photos/"')
        parser.add_argument("--dry-run", action="store_true", help="only list what is missing")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        bucket = settings.STORAGE_BUCKET_LABEL
        seen = missing = dispatched = ignored = 0
        for batch in batched(storage.list_keys(options["prefix"]), options["batch_size"]):
            seen += len(batch)
            # (bucket, key) is the leading part of the ledger's unique index.
            known = set(
                StoredObject.objects.filter(bucket=bucket, key__in=batch)
                .exclude(status=Status.UPLOADING)
                .values_list("key", flat=True)
            )
            for key in batch:
                if key in known:
                    continue
                if route_for_key(key) is None:
                    ignored += 1
                    continue
                missing += 1
                if options["dry_run"]:
                    self.stdout.write(f"missing: {key}")
                    continue
                record = ObjectCreated(bucket, key, storage.size_of(key), storage.etag_of(key))
                if dispatch(record) is not None:
                    dispatched += 1
        self.stdout.write(
            f"{seen} object(s) under {options['prefix']!r}: {missing} missing from the ledger, "
            f"{dispatched} dispatched, {ignored} outside the raw prefixes left alone."
        )
