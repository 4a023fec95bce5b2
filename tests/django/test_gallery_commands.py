"""reprocess_photos and backfill_objects: the task's function, run from the command line."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gallery.models import Photo
from gallery.tasks import process_photo
from ingestion import storage
from ingestion.keys import raw_key
from ingestion.models import Status, StoredObject
from tests.broker import drain, purge
from tests.factories.gallery import photo_bytes, upload_photo

pytestmark = pytest.mark.django_db


def call(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_reprocess_runs_waiting_and_failed_photos_of_an_owner(owner: Any, stranger: Any) -> None:
    upload_photo(owner, photo_bytes(seed=1))
    failed = upload_photo(owner, photo_bytes(seed=2))
    failed.mark(Status.FAILED, "worker died")
    other = upload_photo(stranger, photo_bytes(seed=3))

    out = call("reprocess_photos", "--owner", owner.username)

    assert "photos [##############################] 2/2  done 2" in out
    assert Photo.objects.filter(owner=owner).count() == 2
    other.refresh_from_db()
    assert other.status == Status.RECEIVED


def test_reprocess_without_force_leaves_finished_photos(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    process_photo(obj.pk)

    assert "Reprocessed 0 photo upload(s): none" in call("reprocess_photos", "--all")


def test_reprocess_by_id_with_force_overwrites_outputs(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    process_photo(obj.pk)
    photo = Photo.objects.get()
    storage.delete(photo.thumbnail_key)

    out = call("reprocess_photos", "--id", str(photo.pk), "--force", "--batch-size", "1")

    assert "done 1" in out
    assert storage.exists(photo.thumbnail_key)
    assert Photo.objects.get().pk == photo.pk


def test_reprocess_with_force_rejects_again_with_the_reason(owner: Any) -> None:
    obj = upload_photo(owner, b"plain text", "a.jpg")
    process_photo(obj.pk)

    assert "rejected 1" in call("reprocess_photos", "--all", "--force")
    obj.refresh_from_db()
    assert obj.status == Status.REJECTED and "not an image" in obj.reason


def test_reprocess_needs_a_choice() -> None:
    with pytest.raises(CommandError, match="--all"):
        call("reprocess_photos")


def test_backfill_dispatches_objects_missing_from_the_ledger(
    owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    purge("cpu")
    known = upload_photo(owner, photo_bytes(seed=1))
    lost = raw_key("raw-photos/", owner.pk, "lost.jpg")
    storage.save_bytes(lost, photo_bytes(seed=2))
    storage.save_bytes(f"photos/thumbnails/{owner.pk}/1.jpg", b"derived")

    with django_capture_on_commit_callbacks(execute=True):
        out = call("backfill_objects", "--prefix", "raw-photos/")
        call("backfill_objects", "--prefix", "photos/")

    assert "2 object(s) under 'raw-photos/': 1 missing from the ledger, 1 dispatched" in out
    recovered = StoredObject.objects.get(key=lost)
    assert recovered.owner == owner
    assert recovered.etag == storage.etag_of(lost)
    assert recovered.size == storage.size_of(lost)
    assert StoredObject.objects.count() == 2 and known.pk != recovered.pk
    assert drain("cpu") == [("gallery.process_photo", [recovered.pk])]
    assert process_photo(recovered.pk) == "done"


def test_backfill_dry_run_only_lists(owner: Any) -> None:
    lost = raw_key("raw-photos/", owner.pk, "lost.jpg")
    storage.save_bytes(lost, photo_bytes())

    out = call("backfill_objects", "--prefix", "raw-photos/", "--dry-run")

    assert f"missing: {lost}" in out
    assert not StoredObject.objects.exists()
