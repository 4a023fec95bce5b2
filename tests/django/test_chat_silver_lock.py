"""One silver writer per owner (chats.lake.lock), and imports that re-check their upload under it.

Threads here stand for worker processes: each has its own database connection (PostgreSQL row
lock) or its own open lock file (SQLite's flock). The two-process test with real workers is
tests/integration/test_silver_writers.py.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from chats.lake.lock import lock_path, owner_lock
from chats.models import ChatExport, SilverOwner
from chats.pipeline import forget_export
from chats.search.duckdb_engine import DuckDBEngine
from chats.search.engines import MessageFilter
from chats.tasks import ingest_export
from ingestion import storage
from ingestion.models import Status, StoredObject
from tests.benchmarks.chat_export_gen import generate
from tests.factories.chats import ANDROID, upload_chat

pytestmark = pytest.mark.django_db(transaction=True)


class Thread(threading.Thread):
    """A thread that closes its database connection and keeps its exception for the test."""

    def __init__(self, target: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = target
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()

    def finish(self) -> None:
        self.join(60)
        assert not self.is_alive(), "the thread did not finish"
        if self.error is not None:
            raise self.error


def locked_elsewhere(owner_id: int) -> bool:
    """Whether another thread or process holds the owner's lock (probed without waiting)."""
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                SilverOwner.objects.select_for_update(nowait=True).filter(owner_id=owner_id).get()
        except (DatabaseError, SilverOwner.DoesNotExist):
            return True
        return False
    path = lock_path(owner_id)
    if not path.exists():
        return False
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


@contextmanager
def held_in_thread(owner_id: int) -> Iterator[None]:
    """The owner's lock held by another thread for the block."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with owner_lock(owner_id):
            taken.set()
            release.wait(60)

    thread = Thread(hold)
    thread.start()
    assert taken.wait(30)
    try:
        yield
    finally:
        release.set()
        thread.finish()


def test_a_second_writer_of_the_owner_waits_for_the_first(owner: Any) -> None:
    acquired = threading.Event()

    def second() -> None:
        with owner_lock(owner.pk):
            acquired.set()

    with held_in_thread(owner.pk):
        thread = Thread(second)
        thread.start()
        assert not acquired.wait(0.5)
    assert acquired.wait(30)
    thread.finish()


def test_writers_of_different_owners_do_not_wait(owner: Any, stranger: Any) -> None:
    with held_in_thread(owner.pk):
        thread = Thread(lambda: owner_lock(stranger.pk).__enter__())
        thread.start()
        thread.finish()


def test_the_lock_is_reentrant_in_one_thread(owner: Any) -> None:
    with owner_lock(owner.pk), owner_lock(owner.pk):
        assert locked_elsewhere(owner.pk) is (connection.vendor != "postgresql")
    assert not locked_elsewhere(owner.pk)


def silver_chats(owner: Any) -> set[str]:
    glob = str(Path(settings.LOCAL_STORAGE_DIR) / "silver/whatsapp/date=*/*.parquet")
    if not list(Path(settings.LOCAL_STORAGE_DIR).glob("silver/whatsapp/date=*/*.parquet")):
        return set()
    rows = duckdb.execute(
        "SELECT DISTINCT chat FROM read_parquet(?, hive_partitioning = true) WHERE owner = ?",
        [glob, str(owner.pk)],
    ).fetchall()
    return {chat for (chat,) in rows}


def mark_deleted(obj: StoredObject) -> None:
    """What the deletion mechanism records first: the upload is hidden and being deleted."""
    StoredObject.objects.filter(pk=obj.pk).update(deleted_at=timezone.now())


def searchable(owner: Any, chat: str) -> int:
    engine = DuckDBEngine.for_storage_root(settings.LOCAL_STORAGE_DIR)
    return len(engine.search(MessageFilter(owner=str(owner.pk), chat=chat, limit=10)).rows)


def test_an_upload_deleted_before_its_import_publishes_nothing(owner: Any) -> None:
    kept = upload_chat(owner, ANDROID, "WhatsApp Chat with Kept.txt")
    ingest_export(kept.pk)
    obj = upload_chat(owner, ANDROID, "WhatsApp Chat with Gone.txt")
    with held_in_thread(owner.pk):
        thread = Thread(lambda: ingest_export(obj.pk))
        thread.start()
        while not ChatExport.objects.filter(source=obj).exists():  # the import has begun ...
            assert thread.is_alive(), thread.error
        mark_deleted(obj)  # ... and waits for the lock while its upload is deleted
    thread.finish()
    assert silver_chats(owner) == {"Kept"}
    export = ChatExport.objects.get(source=obj)
    assert export.message_count == 0
    assert not storage.exists(export.bronze_key)
    obj.refresh_from_db()
    assert "deleted while importing" in obj.reason


def big_upload(owner: Any, name: str) -> Any:
    # Long enough that the deletion lands while the import is writing.
    return upload_chat(owner, generate(50_000, seed=5), f"WhatsApp Chat with {name}.txt")


def delete_while_importing(owner: Any, obj: StoredObject, *, hook: bool) -> None:
    """Run the import in a thread; once it holds the lock, delete its upload (and run the
    chat cleanup hook, which waits for the lock, when ``hook``)."""
    importing = Thread(lambda: ingest_export(obj.pk))
    importing.start()
    while not locked_elsewhere(owner.pk):
        assert importing.is_alive(), importing.error
    mark_deleted(obj)
    if hook:
        export = ChatExport.objects.get(source=obj)
        forget_export(owner.pk, export.chat_name, export.bronze_key, ("2019-01-01", "2030-12-31"))
        assert not storage.exists(export.bronze_key)
    importing.finish()


def test_a_chat_deleted_while_its_import_writes_leaves_none_of_its_messages(owner: Any) -> None:
    ingest_export(upload_chat(owner, ANDROID, "WhatsApp Chat with Kept.txt").pk)
    obj = big_upload(owner, "Gone")
    delete_while_importing(owner, obj, hook=False)
    assert silver_chats(owner) == {"Kept"}
    assert searchable(owner, "Gone") == 0 and searchable(owner, "Kept") > 0


def test_the_cleanup_hook_waits_for_a_running_import_then_removes_it(owner: Any) -> None:
    ingest_export(upload_chat(owner, ANDROID, "WhatsApp Chat with Kept.txt").pk)
    obj = big_upload(owner, "Gone")
    delete_while_importing(owner, obj, hook=True)
    assert silver_chats(owner) == {"Kept"}
    assert searchable(owner, "Gone") == 0
    obj.refresh_from_db()
    assert obj.status == Status.DONE and "deleted while importing" in obj.reason
