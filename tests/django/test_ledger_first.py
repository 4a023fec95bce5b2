"""Ledger first: an upload's row, with every choice, exists before its object; whichever event
arrives first completes it and never replaces a choice with a default."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile

from chats.unpacking import unpack
from ingestion import ledger, storage, uploads
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.jobs import run_object_job
from ingestion.models import Status, StoredObject
from ingestion.routing import Kind
from tests.broker import drain, purge

pytestmark = pytest.mark.django_db(transaction=True)

TAKEN = datetime(2019, 7, 14, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def choices(name: str, **extra: Any) -> uploads.Choices:
    return uploads.Choices(
        name=name,
        storage_class=extra.pop("storage_class", "DEEP_ARCHIVE"),
        client_modified_at=TAKEN,
        **extra,
    )


def test_the_row_with_every_choice_exists_before_any_byte_is_stored(owner: Any) -> None:
    row = uploads.begin(owner, choices("Summer 2019.pdf"), size=5)

    assert row.status == Status.UPLOADING
    assert not storage.exists(row.key)
    assert (row.owner, row.original_name, row.kind) == (owner, "Summer 2019.pdf", Kind.MISC)
    assert (row.storage_class, row.client_modified_at, row.size) == ("DEEP_ARCHIVE", TAKEN, 5)
    assert row.key.startswith(f"misc/{owner.pk}/")


def test_the_bucket_event_arriving_first_keeps_the_users_choices(owner: Any) -> None:
    row = uploads.begin(owner, choices("Summer 2019.pdf"), size=5)
    etag = storage.save(row.key, ContentFile(b"hello", name="x"))

    # S3's notification (through SQS) knows only bucket, key, size and ETag.
    first = dispatch(ObjectCreated(row.bucket, row.key, 5, etag))
    second = uploads.finish(row, etag=etag, size=5)

    assert first is not None and first.pk == second.pk == row.pk
    assert StoredObject.objects.count() == 1
    kept = StoredObject.objects.get()
    assert kept.status == Status.RECEIVED and kept.etag == etag
    assert (kept.original_name, kept.storage_class) == ("Summer 2019.pdf", "DEEP_ARCHIVE")
    assert kept.client_modified_at == TAKEN
    assert drain("io") == [("ingestion.verify_object", [row.pk])]


def test_the_apps_own_event_arriving_first_is_not_undone_by_the_bucket_event(owner: Any) -> None:
    row = uploads.begin(owner, choices("notes.txt", raw_only=True), size=2)
    etag = storage.save(row.key, ContentFile(b"hi", name="x"))
    uploads.finish(row, etag=etag, size=2)

    again = dispatch(ObjectCreated(row.bucket, row.key, 2, etag))

    assert again is not None and again.pk == row.pk
    assert StoredObject.objects.get().original_name == "notes.txt"
    assert len(drain("io")) == 1


def test_an_object_written_by_other_means_gets_its_row_from_its_event(owner: Any) -> None:
    key = f"raw-csv/{owner.pk}/u/sales 2024.csv"
    etag = storage.save_bytes(key, b"a,b\n1,2\n")

    obj = dispatch(ObjectCreated("local", key, 8, etag))

    assert obj is not None and obj.owner == owner
    assert (obj.original_name, obj.kind, obj.status) == ("sales 2024.csv", Kind.CSV, "received")


def test_a_new_version_of_a_key_keeps_the_choices_of_the_first(owner: Any) -> None:
    row = uploads.begin(owner, choices("diary.txt", raw_only=True), size=3)
    uploads.finish(row, etag=storage.save_bytes(row.key, b"one"), size=3)

    newer = dispatch(ObjectCreated(row.bucket, row.key, 3, storage.save_bytes(row.key, b"two")))

    assert newer is not None and newer.pk != row.pk
    assert (newer.original_name, newer.storage_class) == ("diary.txt", "DEEP_ARCHIVE")


def test_a_write_that_fails_leaves_no_row_claiming_the_object(owner: Any) -> None:
    row = uploads.begin(owner, choices("lost.bin"), size=3)

    ledger.abandon(row)

    assert not StoredObject.objects.exists()


def test_abandon_never_removes_a_row_its_event_completed(owner: Any) -> None:
    row = uploads.begin(owner, choices("kept.bin"), size=3)
    uploads.finish(row, etag=storage.save_bytes(row.key, b"abc"), size=3)

    ledger.abandon(row)

    assert StoredObject.objects.filter(pk=row.pk, status=Status.RECEIVED).exists()


CHAT = "01/03/2024, 10:00 - Bob: hi\n01/03/2024, 10:01 - Ana: IMG-1.jpg (file attached)\n"


def test_unpacked_members_have_their_rows_before_their_bytes(owner: Any) -> None:
    """An unpacked chat keeps its zip and its name even when S3's event for it comes first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_chat.txt", CHAT)
        archive.writestr("IMG-1.jpg", b"\xff\xd8jpeg")
    row = uploads.begin(owner, choices("WhatsApp Chat with Bob.zip"), size=len(buffer.getvalue()))
    zipped = uploads.finish(row, etag=storage.save_bytes(row.key, buffer.getvalue()), size=0)
    seen: list[StoredObject] = []
    real_save = storage.save

    def save_and_look(key: str, content: Any, **kwargs: Any) -> str:
        seen.extend(StoredObject.objects.filter(key=key))  # what the ledger says before the write
        return real_save(key, content, **kwargs)

    storage_save = pytest.MonkeyPatch()
    storage_save.setattr("chats.unpacking.storage.save", save_and_look)
    try:
        assert run_object_job(None, zipped.pk, unpack) == "done"
    finally:
        storage_save.undo()

    assert {(o.kind, o.status) for o in seen} == {("chat", "uploading"), ("photo", "uploading")}
    chat = StoredObject.objects.get(source=zipped, kind=Kind.CHAT)
    assert chat.original_name == "WhatsApp Chat with Bob.txt"
    assert chat.status == Status.RECEIVED
    # Members land in Standard so their pipeline can read them; they settle once processed.
    assert storage.exists(chat.key) and chat.storage_class == "DEEP_ARCHIVE"


def test_backfill_completes_an_upload_whose_event_was_lost(owner: Any) -> None:
    from django.core.management import call_command

    row = uploads.begin(owner, choices("report.pdf"), size=4)
    storage.save(row.key, ContentFile(b"%PDF", name="x"))  # then the app died before its event

    call_command("backfill_objects", "--prefix", "misc/", stdout=io.StringIO())

    row.refresh_from_db()
    assert row.status == Status.RECEIVED and row.etag
    assert (row.original_name, row.storage_class) == ("report.pdf", "DEEP_ARCHIVE")
    assert StoredObject.objects.count() == 1


def test_backfill_leaves_an_upload_whose_bytes_are_not_there_yet(owner: Any) -> None:
    from django.core.management import call_command

    row = uploads.begin(owner, choices("later.pdf"), size=4)

    call_command("backfill_objects", "--prefix", "misc/", stdout=io.StringIO())

    row.refresh_from_db()
    assert row.status == Status.UPLOADING
