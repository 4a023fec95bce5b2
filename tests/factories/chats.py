"""Test helpers: sample exports and uploads that go through the real dispatch path."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ingestion import storage
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.keys import raw_key
from ingestion.models import StoredObject

ANDROID = (
    "13/03/2024, 09:05 - Messages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them.\n"
    "13/03/2024, 09:05 - Alice: good morning\nall of you\n"
    "13/03/2024, 09:05 - Alice: ok\n"
    "13/03/2024, 09:05 - Alice: ok\n"
    "13/03/2024, 09:06 - Alice added Bob\n"
    "14/03/2024, 23:59 - Bob: IMG-20240314-WA0001.jpg (file attached)\n"
    "15/03/2024, 07:30 - Bob: train is late again 🚆\n"
)
ANDROID_MORE = (
    "15/03/2024, 07:31 - Alice: ok\n"
    "02/04/2024, 18:00 - Bob: <Media omitted>\n"
    "02/04/2024, 18:01 - Alice: see you at the station\n"
)
IOS = (
    "[01/02/2024, 20:15:03] Carla: \u200eMessages and calls are end-to-end encrypted. No one "
    "outside of this chat, not even WhatsApp, can read or listen to them.\n"
    "[01/02/2024, 20:15:10] Carla: Hola!\n"
    "[01/02/2024, 20:16:00] Dan: \u200e<attached: 00000012-PHOTO-2024-02-01-20-16-00.jpg>\n"
    "[02/02/2024, 08:00:00] Dan: two\nlines\n"
)


def upload_chat(owner: Any, data: bytes | str, name: str = "WhatsApp Chat with Anna.txt") -> Any:
    """Store bytes under a fresh raw-whatsapp-uploads/ key and dispatch it, as an upload does."""
    raw = data.encode() if isinstance(data, str) else data
    key = raw_key("raw-whatsapp-uploads/", owner.pk, name)
    etag = storage.save_bytes(key, raw)
    obj = dispatch(
        ObjectCreated(settings.STORAGE_BUCKET_LABEL, key, len(raw), etag), original_name=name
    )
    assert isinstance(obj, StoredObject)
    return obj
