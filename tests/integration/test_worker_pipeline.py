"""The embedded path end to end on a real worker: upload → ledger → Celery task → outputs."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chats.models import ChatExport
from gallery.models import Photo
from ingestion import storage
from ingestion.models import Status, StoredObject
from tests.integration.conftest import Worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def jpeg(color: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(client: Any, name: str, data: bytes) -> StoredObject:
    response = client.post("/api/uploads", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 201, response.content
    return StoredObject.objects.get(pk=response.json()["id"])


def finished(obj: StoredObject) -> StoredObject | None:
    obj.refresh_from_db()
    return obj if obj.is_final else None


def test_photo_upload_is_processed_by_the_worker(worker: Worker, owner_client: Any) -> None:
    obj = upload(owner_client, "IMG-20240301-WA0003.jpg", jpeg((200, 30, 30)))
    wait_for(lambda: finished(obj), what="the photo task")
    assert obj.status == Status.DONE, obj.reason
    photo = Photo.objects.get(source=obj)
    assert (photo.width, photo.height) == (640, 480)
    assert photo.taken_at is not None and photo.taken_at.date().isoformat() == "2024-03-01"
    assert storage.exists(photo.thumbnail_key) and storage.exists(photo.preview_key)


def test_bad_photo_is_rejected_by_the_worker_with_a_reason(
    worker: Worker, owner_client: Any
) -> None:
    obj = upload(owner_client, "notes.jpg", b"this is text, not a jpeg")
    wait_for(lambda: finished(obj), what="the photo task")
    assert obj.status == Status.REJECTED
    assert obj.reason
    assert storage.exists(obj.key)  # the original is kept


def test_whatsapp_zip_flows_through_unpacking_into_the_gallery(
    worker: Worker, owner_client: Any
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_chat.txt", "01/03/2024, 10:00 - Bob: hi\n01/03/2024, 10:01 - Ana: yo\n")
        archive.writestr("IMG-20240302-WA0001.jpg", jpeg((10, 120, 200)))
    zipped = upload(owner_client, "WhatsApp Chat with Bob.zip", buffer.getvalue())
    wait_for(lambda: finished(zipped), what="unpacking")
    assert zipped.status == Status.DONE, zipped.reason
    photo_obj = StoredObject.objects.get(source=zipped, kind="photo")
    wait_for(lambda: finished(photo_obj), what="the unpacked photo")
    taken_at = Photo.objects.get(source=photo_obj).taken_at
    assert taken_at is not None and taken_at.date().isoformat() == "2024-03-02"
    chat_obj = StoredObject.objects.get(source=zipped, kind="chat")
    wait_for(lambda: finished(chat_obj), what="the unpacked chat")
    assert chat_obj.status == Status.DONE, chat_obj.reason
    export = ChatExport.objects.get(source=chat_obj)
    assert (export.chat_name, export.message_count) == ("Bob", 2)
