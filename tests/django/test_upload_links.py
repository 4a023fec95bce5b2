"""Each finished upload links to what was made of it: its photo, chat, dataset, or the library."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chats.pipeline import ingest_export_object
from datasets.pipeline import profile_dataset_object
from gallery.pipeline import process_photo_object
from ingestion.jobs import run_object_job
from ingestion.models import StoredObject
from tests.factories.chats import ANDROID, upload_chat
from tests.factories.gallery import photo_bytes, upload_photo

pytestmark = pytest.mark.django_db


def link_of(client: Any, obj: StoredObject) -> Any:
    (status,) = client.get("/api/objects", {"ids": str(obj.pk)}).json()["objects"]
    return status["link"]


def test_a_photo_links_to_its_page(owner_client: Any, owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    run_object_job(None, obj.pk, process_photo_object)

    assert link_of(owner_client, obj) == {
        "url": f"/photos/{obj.photo.pk}/",
        "label": "View photo",
    }


def test_a_chat_links_to_its_conversation(owner_client: Any, owner: Any) -> None:
    obj = upload_chat(owner, ANDROID, name="WhatsApp Chat with Bob.txt")
    assert run_object_job(None, obj.pk, ingest_export_object) == "done"

    assert link_of(owner_client, obj) == {
        "url": "/chats/conversation?chat=Bob",
        "label": "Open chat",
    }


def test_a_csv_links_to_its_dataset(owner_client: Any) -> None:
    body = owner_client.post(
        "/api/uploads", {"file": SimpleUploadedFile("sales.csv", b"a,b\n1,2\n3,4\n")}
    ).json()
    obj = StoredObject.objects.get(pk=body["id"])
    run_object_job(None, obj.pk, profile_dataset_object)

    assert link_of(owner_client, obj) == {
        "url": f"/datasets/{obj.dataset.pk}/",
        "label": "Open dataset",
    }


def test_a_file_kept_as_is_links_to_the_library(owner_client: Any) -> None:
    body = owner_client.post("/api/uploads", {"file": SimpleUploadedFile("a.pdf", b"%PDF")}).json()
    StoredObject.objects.filter(pk=body["id"]).update(status="done")

    assert link_of(owner_client, StoredObject.objects.get(pk=body["id"])) == {
        "url": f"/library/?kind=misc#object-{body['id']}",
        "label": "Show in library",
    }


def test_nothing_is_linked_before_processing_is_done(owner_client: Any) -> None:
    body = owner_client.post("/api/uploads", {"file": SimpleUploadedFile("a.pdf", b"%PDF")}).json()

    assert body["link"] is None
    assert link_of(owner_client, StoredObject.objects.get(pk=body["id"])) is None
