"""A zip uploaded as Glacier Deep Archive on S3 (moto, which refuses a GET of a Deep Archive
object with InvalidObjectState): its members land in Standard, are processed by the real
worker, and only then settle into the class chosen for the zip, as direct uploads do."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chats.models import ChatExport
from gallery.models import Photo
from ingestion.models import Status, StoredObject
from tests.factories.gallery import photo_bytes
from tests.integration.conftest import Worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CHAT = "01/03/2024, 10:00 - Bob: hi\n01/03/2024, 10:01 - Ana: IMG-1.jpg (file attached)\n"


def storage_class(services: dict[str, Any], key: str) -> str:
    head = services["s3"].head_object(Bucket=services["bucket"], Key=key)
    return str(head.get("StorageClass", "STANDARD"))


def test_moto_refuses_to_read_a_deep_archive_object(bucket_storage: dict[str, Any]) -> None:
    """The premise: what processing a member written straight into Deep Archive would meet."""
    from botocore.exceptions import ClientError

    s3, bucket = bucket_storage["s3"], bucket_storage["bucket"]
    s3.put_object(Bucket=bucket, Key="cold.txt", Body=b"x", StorageClass="DEEP_ARCHIVE")
    with pytest.raises(ClientError, match="InvalidObjectState"):
        s3.get_object(Bucket=bucket, Key="cold.txt")


def test_the_members_of_a_deep_archive_zip_are_processed_then_settle_into_deep_archive(
    bucket_storage: dict[str, Any], s3_worker: Worker, owner_client: Client
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("WhatsApp Chat with Bob.txt", CHAT)
        archive.writestr("IMG-1.jpg", photo_bytes())
    response = owner_client.post(
        "/api/uploads",
        {
            "file": SimpleUploadedFile("WhatsApp Chat with Bob.zip", buffer.getvalue()),
            "storage_class": "DEEP_ARCHIVE",
        },
    )
    assert response.status_code == 201, response.content
    zipped = StoredObject.objects.get(pk=response.json()["id"])

    def all_final() -> list[StoredObject] | None:
        rows = list(StoredObject.objects.all())
        return rows if len(rows) == 3 and all(r.is_final for r in rows) else None

    rows = wait_for(all_final, timeout=90, what="the zip and both members processed")

    assert {(r.kind, r.status, r.reason[:60]) for r in rows if r.status != Status.DONE} == set()
    members = [r for r in rows if r.pk != zipped.pk]
    assert {m.kind for m in members} == {"chat", "photo"}
    assert all(m.source_id == zipped.pk and m.storage_class == "DEEP_ARCHIVE" for m in members)
    assert Photo.objects.filter(source__in=members).exists()
    assert ChatExport.objects.get(source__in=members).message_count == 2
    for row in rows:  # in the bucket: settled into the chosen class right after it is done
        wait_for(
            lambda key=row.key: storage_class(bucket_storage, key) == "DEEP_ARCHIVE",
            what=f"{row.key} in Deep Archive",
        )
