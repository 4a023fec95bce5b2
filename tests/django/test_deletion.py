"""Deleting really deletes (ingestion.deletion): recorded first and hidden at once, then carried
out by ``ingestion.delete_object`` on the real broker, taking every derived object of each kind
(storage listing and database), and completed by the sweep after a broker outage."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chats.models import ChatExport
from chats.search.backend import get_engine
from chats.search.query import MessageFilter
from chats.tasks import ingest_export, unpack_zip
from datasets.models import Dataset
from datasets.tasks import profile_dataset
from gallery.models import Photo, PhotoTag
from gallery.tasks import process_photo
from ingestion import deletion, storage
from ingestion.models import Status, StoredObject
from ingestion.tasks import delete_object
from tests.broker import drain, purge
from tests.factories.chats import ANDROID, upload_chat
from tests.factories.gallery import photo_bytes, upload_photo
from tests.factories.library import stored
from tests.outages import broker_down

pytestmark = pytest.mark.django_db(transaction=True)

# What may stay once a user's last chat is gone: the marker telling readers silver changed.
MARKERS = {"silver/whatsapp/_generation"}


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def stored_keys() -> set[str]:
    return set(storage.list_keys("")) - MARKERS


def delete_through_the_broker(obj: StoredObject) -> None:
    """Request the deletion, then run exactly what the broker was given."""
    deletion.request_delete(obj)
    sent = drain("io")
    assert sent == [("ingestion.delete_object", [obj.pk])]
    for _, args in sent:
        assert delete_object(*args) == "deleted"


def searchable(owner: Any, chat: str | None = None) -> int:
    found = get_engine().search(MessageFilter(owner=str(owner.pk), chat=chat, limit=100))
    return len(found.rows)


def test_a_deletion_is_recorded_and_hidden_before_it_is_carried_out(
    owner_client: Client, owner: Any
) -> None:
    obj = stored(owner, "going.pdf")
    deletion.request_delete(obj)
    obj.refresh_from_db()
    assert obj.deleted_at is not None and storage.exists(obj.key)  # recorded, not yet done
    assert drain("io") == [("ingestion.delete_object", [obj.pk])]
    assert "going.pdf" not in owner_client.get("/library/").content.decode()
    assert owner_client.get(f"/api/uploads/{obj.pk}").status_code == 404


def test_a_photo_leaves_its_thumbnail_preview_original_copy_tags_and_row(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    assert process_photo(obj.pk) == "done"
    photo = Photo.objects.get(source=obj)
    made = {photo.thumbnail_key, photo.preview_key, photo.original_key, obj.key}
    assert made <= stored_keys() and PhotoTag.objects.filter(photo=photo).exists()

    delete_through_the_broker(obj)

    assert stored_keys() == set()
    assert not StoredObject.objects.exists() and not Photo.objects.exists()
    assert not PhotoTag.objects.exists()


def test_a_chat_leaves_bronze_silver_and_search_at_once_and_for_good(
    owner_client: Client, owner: Any
) -> None:
    kept = upload_chat(owner, ANDROID, "WhatsApp Chat with Kept.txt")
    obj = upload_chat(owner, ANDROID, "WhatsApp Chat with Gone.txt")
    assert ingest_export(kept.pk) == ingest_export(obj.pk) == "done"
    drain("cpu")
    export = ChatExport.objects.get(source=obj)
    assert storage.exists(export.bronze_key) and searchable(owner, "Gone") > 0

    deletion.request_delete(obj)
    # Before the task has run: not in search, the API, the chat list or the conversation.
    assert searchable(owner, "Gone") == 0 and searchable(owner, "Kept") > 0
    api = owner_client.get("/api/chats", {"q": "station"}).json()["results"]
    assert all(row["chat"] != "Gone" for row in api)
    assert "Gone" not in owner_client.get("/chats/").content.decode()

    assert drain("io") == [("ingestion.delete_object", [obj.pk])]
    assert delete_object(obj.pk) == "deleted"

    kept_export = ChatExport.objects.get(source=kept)
    assert ChatExport.objects.get() == kept_export
    assert not storage.exists(export.bronze_key) and not storage.exists(obj.key)
    assert searchable(owner, "Gone") == 0
    assert searchable(owner) == searchable(owner, "Kept") == kept_export.message_count
    assert drain("cpu") == []  # the export's own clean-up is not sent a second time


def test_a_chat_alone_leaves_nothing_in_storage(owner: Any) -> None:
    obj = upload_chat(owner, ANDROID)
    assert ingest_export(obj.pk) == "done"
    delete_through_the_broker(obj)
    assert stored_keys() == set()
    assert not StoredObject.objects.exists() and not ChatExport.objects.exists()
    assert searchable(owner) == 0


CHAT = "01/03/2024, 10:00 - Bob: hi\n01/03/2024, 10:01 - Ana: IMG-1.jpg (file attached)\n"


def test_a_whatsapp_zip_leaves_its_members_and_all_they_made(
    owner_client: Client, owner: Any
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("WhatsApp Chat with Bob.txt", CHAT)
        archive.writestr("IMG-1.jpg", photo_bytes())
    body = owner_client.post(
        "/api/uploads",
        {"file": SimpleUploadedFile("WhatsApp Chat with Bob.zip", buffer.getvalue())},
    ).json()
    zipped = StoredObject.objects.get(pk=body["id"])
    assert unpack_zip(zipped.pk) == "done"
    members = {m.kind: m for m in StoredObject.objects.filter(source=zipped)}
    assert ingest_export(members["chat"].pk) == "done"
    assert process_photo(members["photo"].pk) == "done"
    assert searchable(owner, "Bob") == 2 and Photo.objects.exists()
    drain("io")

    deletion.request_delete(zipped)
    hidden = StoredObject.objects.filter(deleted_at__isnull=False).count()
    assert hidden == 3 and searchable(owner, "Bob") == 0  # the members are hidden at once too
    drain("cpu")
    assert drain("io") == [("ingestion.delete_object", [zipped.pk])]
    assert delete_object(zipped.pk) == "deleted"

    assert stored_keys() == set()
    assert not StoredObject.objects.exists()
    assert not Photo.objects.exists() and not ChatExport.objects.exists()
    assert searchable(owner) == 0


def test_a_csv_leaves_its_summary_json_and_dataset(owner_client: Client) -> None:
    body = owner_client.post(
        "/api/uploads", {"file": SimpleUploadedFile("people.csv", b"name,age\nAna,31\n")}
    ).json()
    obj = StoredObject.objects.get(pk=body["id"])
    drain("cpu")
    assert profile_dataset(obj.pk) == "done"
    dataset = Dataset.objects.get(source=obj)
    assert storage.exists(dataset.summary_key)

    delete_through_the_broker(obj)

    assert stored_keys() == set()
    assert not StoredObject.objects.exists() and not Dataset.objects.exists()


def test_a_plain_file_leaves_nothing(owner: Any) -> None:
    obj = stored(owner, "notes.pdf")
    delete_through_the_broker(obj)
    assert stored_keys() == set() and not StoredObject.objects.exists()


def test_running_a_deletion_again_does_no_harm(owner: Any) -> None:
    obj = stored(owner, "notes.pdf")
    deletion.request_delete(obj)
    assert delete_object(obj.pk) == "deleted"
    assert delete_object(obj.pk) == "gone already"


def test_an_object_nobody_asked_to_delete_is_left_alone(owner: Any) -> None:
    obj = stored(owner, "notes.pdf")
    assert delete_object(obj.pk) == "not requested"
    assert StoredObject.objects.filter(pk=obj.pk).exists() and storage.exists(obj.key)


def test_with_the_broker_down_the_delete_answers_and_the_sweep_completes_it(
    csrf_client: Client, owner: Any
) -> None:
    obj = upload_chat(owner, ANDROID)
    assert ingest_export(obj.pk) == "done"
    drain("cpu")

    with broker_down():
        response = csrf_client.post(f"/library/{obj.pk}/delete")
        assert response.status_code == 302
        assert deletion.sweep_deletions(older_than=timedelta(0)) == 0  # still down

    assert searchable(owner) == 0 and StoredObject.objects.filter(pk=obj.pk).exists()
    assert drain("io") == []
    assert deletion.sweep_deletions() == 0  # too recent to be called lost
    assert deletion.sweep_deletions(older_than=timedelta(0)) == 1
    assert drain("io") == [("ingestion.delete_object", [obj.pk])]
    assert delete_object(obj.pk) == "deleted"
    assert stored_keys() == set() and not StoredObject.objects.exists()


def test_the_bulk_api_delete_answers_with_the_broker_down(csrf_client: Client, owner: Any) -> None:
    objects = [stored(owner, f"{n}.pdf") for n in range(3)]
    with broker_down():
        response = csrf_client.post(
            "/library/bulk", {"action": "delete", "ids": [o.pk for o in objects], "confirm": "1"}
        )
    assert response.status_code == 302
    assert StoredObject.objects.filter(deleted_at__isnull=False).count() == 3


def test_the_sweep_is_listed_for_the_periodic_runner(settings: Any) -> None:
    assert "ingestion.deletion.sweep_deletions" in settings.PLATFORM_SWEEPS


def test_a_deletion_waits_while_a_worker_processes_the_object(owner: Any) -> None:
    obj = upload_chat(owner, ANDROID)
    assert obj.claim()  # a worker is importing it
    deletion.request_delete(obj)
    with pytest.raises(deletion.StillProcessing):
        deletion.carry_out(obj.pk)
    obj.mark(Status.DONE)
    assert deletion.carry_out(obj.pk) == "deleted"


def test_deleting_an_account_deletes_its_files_and_what_was_made_of_them(
    owner: Any, stranger: Any
) -> None:
    theirs = stored(stranger, "theirs.pdf")
    photo = upload_photo(owner, photo_bytes())
    chat = upload_chat(owner, ANDROID)
    stored(owner, "notes.pdf")
    assert process_photo(photo.pk) == ingest_export(chat.pk) == "done"

    owner.delete()

    assert stored_keys() == {theirs.key}
    assert list(StoredObject.objects.all()) == [theirs]
    assert not Photo.objects.exists() and not ChatExport.objects.exists()


def test_the_admin_deletes_an_object_through_the_same_clean_up(
    client: Client, make_user: Callable[..., Any], owner: Any
) -> None:
    staff = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    photo = upload_photo(owner, photo_bytes())
    assert process_photo(photo.pk) == "done"
    drain("cpu")
    response = client.post(
        "/admin/ingestion/storedobject/",
        {"action": "delete_selected", "_selected_action": [photo.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert StoredObject.objects.get(pk=photo.pk).deleted_at is not None
    sent = drain("io")
    assert sent == [("ingestion.delete_object", [photo.pk])]
    assert delete_object(photo.pk) == "deleted"
    assert stored_keys() == set() and not Photo.objects.exists()


def test_once_a_deletion_runs_no_worker_can_claim_the_object(owner: Any) -> None:
    obj = upload_chat(owner, ANDROID)
    deletion.request_delete(obj)
    hooks_ran: list[bool] = []

    def claim_meanwhile(target: StoredObject) -> None:
        hooks_ran.append(StoredObject.objects.get(pk=target.pk).claim())

    deletion.register("chat", claim_meanwhile)
    try:
        assert deletion.carry_out(obj.pk) == "deleted"
    finally:
        deletion._hooks["chat"].remove(claim_meanwhile)
    assert hooks_ran == [False]


def test_a_chat_deleted_while_its_import_writes_is_gone_once_both_have_run(owner: Any) -> None:
    """The import re-checks before it publishes (chats.lake.writer) and the deletion waits for
    it (the object is processing), then removes whatever is left: nothing stays searchable."""
    from tests.django.test_chat_silver_lock import Thread, big_upload, locked_elsewhere

    assert ingest_export(upload_chat(owner, ANDROID, "WhatsApp Chat with Kept.txt").pk) == "done"
    obj = big_upload(owner, "Gone")
    importing = Thread(lambda: ingest_export(obj.pk))
    importing.start()
    while not locked_elsewhere(owner.pk):  # the import is writing silver
        assert importing.is_alive(), importing.error
    deletion.request_delete(obj)
    assert searchable(owner, "Gone") == 0  # hidden while the import still writes
    with pytest.raises(deletion.StillProcessing):
        deletion.carry_out(obj.pk)
    importing.finish()

    assert delete_object(obj.pk) == "deleted"
    assert searchable(owner, "Gone") == 0 and searchable(owner, "Kept") > 0
    assert not ChatExport.objects.filter(chat_name="Gone").exists()
    bronze = [k for k in stored_keys() if k.startswith("bronze/")]
    assert len(bronze) == 1  # Kept's only
