"""Ledger rows for library tests and benchmarks: a stored object with the facts asked for."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ingestion import storage
from ingestion.keys import raw_key
from ingestion.models import Status, StorageClass, StoredObject
from ingestion.routing import Kind, route_for_kind

_CLOCK = itertools.count()
BASE = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def stored(
    owner: Any,
    name: str,
    *,
    kind: Kind | str = Kind.MISC,
    data: bytes | None = None,
    size: int | None = None,
    status: str = Status.DONE,
    storage_class: str = StorageClass.STANDARD,
    created_at: datetime | None = None,
    source: StoredObject | None = None,
    write: bool = True,
    **extra: Any,
) -> StoredObject:
    """One object of ``owner`` in the ledger (and in storage when ``write``), as an upload leaves
    it. Each call is a minute later than the one before unless ``created_at`` says otherwise,
    so "uploaded" orders are predictable."""
    body = data if data is not None else f"contents of {name}".encode()
    key = raw_key(route_for_kind(kind).prefix, owner.pk, name, object_uuid=uuid.uuid4())
    if write:
        storage.save_bytes(key, body)
    return StoredObject.objects.create(
        owner=owner,
        bucket="local",
        key=key,
        etag=hashlib.md5(body, usedforsecurity=False).hexdigest(),
        size=len(body) if size is None else size,
        kind=kind,
        original_name=name,
        status=status,
        storage_class=storage_class,
        created_at=created_at or BASE + timedelta(minutes=next(_CLOCK)),
        source=source,
        **extra,
    )


def carry_out_deletions() -> list[int]:
    """Carry out every recorded deletion here and now, as ``ingestion.delete_object`` would
    (for tests whose transaction never commits, so nothing reaches the broker)."""
    from ingestion import deletion

    pending = StoredObject.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)
    return [pk for pk in list(pending) if deletion.carry_out(pk) == "deleted"]
