"""One silver writer per owner at a time, across processes (and, on PostgreSQL, machines).

A silver write reads each date file of the owner, merges and writes it back whole; two writers
of one owner at once lose each other's rows (two 100k-message imports over the same dates left
100,000 of 200,000 in silver). So every write of an owner's silver (an import, a rebuild, a
forgotten export) runs inside :func:`owner_lock`:

- PostgreSQL: a row lock (``SELECT … FOR UPDATE``) on the owner's :class:`chats.models.
  SilverOwner` row, in a transaction held for the whole write. Works whatever machines the
  workers run on; a worker that dies closes its connection and PostgreSQL releases the lock.
  The transaction also makes the end of a write atomic: the exports' "built" status is
  committed in the same instant the lock is released.
- SQLite (the embedded default, one machine): an exclusive ``flock`` on a file per owner
  under ``DATA_DIR/locks``. A SQLite write transaction held for a whole build would lock the
  entire database, so every upload and page write would wait out the build (and fail after
  SQLite's timeout); a lock row with a lease would need a heartbeat and an expiry that a slow
  build might outlive. The kernel drops a ``flock`` when its process dies, however it dies,
  and it excludes threads of one process as well (each takes its own open file).

The lock is re-entrant within a thread (an import that must undo itself rebuilds the chat
while it holds the lock). On AWS the Glue run is the writer; ``chats.lake.glue`` uses the same
lock to start at most one run per owner.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from chats.models import SilverOwner

__all__ = ["held", "owner_lock"]

_local = threading.local()


def _depths() -> dict[int, int]:
    depths: dict[int, int] | None = getattr(_local, "depths", None)
    if depths is None:
        depths = _local.depths = {}
    return depths


def held(owner_id: int) -> bool:
    """Whether this thread holds the owner's lock."""
    return _depths().get(owner_id, 0) > 0


@contextmanager
def owner_lock(owner_id: int) -> Iterator[None]:
    """Hold the owner's silver lock for the block; waits while another writer holds it."""
    depths = _depths()
    if depths.get(owner_id, 0) > 0:
        depths[owner_id] += 1
        try:
            yield
        finally:
            depths[owner_id] -= 1
        return
    lock = _row_lock if connection.vendor == "postgresql" else _file_lock
    with lock(owner_id):
        depths[owner_id] = 1
        try:
            yield
        finally:
            del depths[owner_id]


@contextmanager
def _row_lock(owner_id: int) -> Iterator[None]:
    SilverOwner.objects.get_or_create(owner_id=owner_id)
    with transaction.atomic():
        SilverOwner.objects.select_for_update().get(owner_id=owner_id)
        yield


def lock_path(owner_id: int) -> Path:
    return Path(settings.DATA_DIR) / "locks" / f"chats-silver-owner-{int(owner_id)}.lock"


@contextmanager
def _file_lock(owner_id: int) -> Iterator[None]:
    path = lock_path(owner_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
