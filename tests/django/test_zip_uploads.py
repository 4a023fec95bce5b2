import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chats.unpacking import unpack
from ingestion.jobs import run_object_job
from ingestion.models import Status, StoredObject
from tests.broker import drain, purge

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = (
    "01/03/2024, 10:00 - Bob: hi\n"
    "01/03/2024, 10:01 - Ana: IMG-20240301-WA0003.jpg (file attached)\n"
)


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(client: Any, name: str, data: bytes) -> StoredObject:
    body = client.post("/api/uploads", {"file": SimpleUploadedFile(name, data)}).json()
    return StoredObject.objects.get(pk=body["id"])


def run(obj: StoredObject) -> str:
    return run_object_job(None, obj.pk, unpack)


def test_whatsapp_export_zip_is_unpacked_into_chat_and_photos(owner_client: Any) -> None:
    data = zip_bytes(
        {
            "_chat.txt": CHAT.encode(),
            "IMG-20240301-WA0003.jpg": b"\xff\xd8jpeg",
            "PTT-20240301-WA0004.opus": b"voice",
        }
    )
    zipped = upload(owner_client, "WhatsApp Chat with Bob.zip", data)
    assert drain("io") == [("chats.unpack_zip", [zipped.pk])]
    assert run(zipped) == "done"
    zipped.refresh_from_db()
    assert zipped.status == Status.DONE and "the chat and 1 photo unpacked." in zipped.reason
    derived = {o.kind: o for o in StoredObject.objects.filter(source=zipped)}
    assert set(derived) == {"chat", "photo"}
    assert derived["chat"].original_name == "WhatsApp Chat with Bob.txt"
    assert derived["photo"].original_name == "IMG-20240301-WA0003.jpg"
    queued = sorted(drain("cpu"))
    assert queued == sorted(
        [
            ("chats.ingest_export", [derived["chat"].pk]),
            ("gallery.process_photo", [derived["photo"].pk]),
        ]
    )


@pytest.mark.parametrize(
    ("zip_name", "chat_file"),
    [
        ("WhatsApp-Chat mit Anna.zip", "WhatsApp-Chat mit Anna.txt"),
        ("Conversa do WhatsApp com Anna.zip", "Conversa do WhatsApp com Anna.txt"),
        ("Chat de WhatsApp con Anna.zip", "Chat de WhatsApp con Anna.txt"),
    ],
)
def test_a_localized_android_export_zip_is_unpacked_into_its_chat(
    owner_client: Any, zip_name: str, chat_file: str
) -> None:
    data = zip_bytes({chat_file: CHAT.encode(), "IMG-20240301-WA0003.jpg": b"\xff\xd8jpeg"})
    zipped = upload(owner_client, zip_name, data)
    assert run(zipped) == "done"
    chat = StoredObject.objects.get(source=zipped, kind="chat")
    assert chat.original_name == "WhatsApp Chat with Anna.txt"


def test_unpacking_again_adds_nothing(owner_client: Any) -> None:
    zipped = upload(
        owner_client,
        "WhatsApp Chat with Bob.zip",
        zip_bytes({"_chat.txt": CHAT.encode(), "IMG-1.jpg": b"j"}),
    )
    unpack(zipped)
    unpack(zipped)
    assert StoredObject.objects.filter(source=zipped).count() == 2


def test_other_zip_is_kept_and_listed(owner_client: Any) -> None:
    zipped = upload(owner_client, "photos-backup.zip", zip_bytes({"a.txt": b"a", "b/c.csv": b"c"}))
    assert run(zipped) == "done"
    zipped.refresh_from_db()
    assert "2 files" in zipped.reason
    assert [e["name"] for e in zipped.details["entries"]] == ["a.txt", "b/c.csv"]
    assert not StoredObject.objects.filter(source=zipped).exists()
    assert "b/c.csv" in owner_client.get("/library/?kind=zip").content.decode()


def test_corrupt_zip_is_rejected_with_reason_and_kept(owner_client: Any) -> None:
    zipped = upload(owner_client, "broken.zip", b"PK\x03\x04 not really")
    assert run(zipped) == "rejected"
    zipped.refresh_from_db()
    assert "Not a readable zip" in zipped.reason
    assert StoredObject.objects.filter(pk=zipped.pk).exists()


def test_zip_bomb_is_rejected(owner_client: Any) -> None:
    zipped = upload(owner_client, "bomb.zip", zip_bytes({"zeros": b"\0" * 5_000_000}))
    assert run(zipped) == "rejected"
    zipped.refresh_from_db()
    assert "zip bomb" in zipped.reason
