"""Deleting on a real worker: the library's delete answers at once, the worker carries it out
(ingestion.delete_object on the io queue), and nothing made of the upload is left anywhere."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from chats.models import ChatExport
from gallery.models import Photo
from ingestion import storage
from ingestion.models import StoredObject
from tests.factories.gallery import photo_bytes
from tests.integration.conftest import Worker, wait_for
from tests.integration.test_worker_pipeline import upload

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_worker_deletes_a_whatsapp_zip_with_everything_made_of_it(
    worker: Worker, owner_client: Client
) -> None:
    before = set(storage.list_keys(""))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_chat.txt", "01/03/2024, 10:00 - Bob: hi\n01/03/2024, 10:01 - Ana: yo\n")
        archive.writestr("IMG-20240302-WA0001.jpg", photo_bytes())
    zipped = upload(owner_client, "WhatsApp Chat with Bob.zip", buffer.getvalue())
    wait_for(
        lambda: (
            StoredObject.objects.count() == 3
            and all(o.is_final for o in StoredObject.objects.all())
        ),
        timeout=60,
        what="the zip and its members processed",
    )
    assert Photo.objects.exists() and ChatExport.objects.exists()

    response = owner_client.post(f"/library/{zipped.pk}/delete")
    assert response.status_code == 302

    wait_for(lambda: not StoredObject.objects.exists(), timeout=60, what="the worker's delete")
    assert not Photo.objects.exists() and not ChatExport.objects.exists()
    left = set(storage.list_keys("")) - before - {"silver/whatsapp/_generation"}
    assert left == set()
