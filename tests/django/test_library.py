import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ingestion import storage
from ingestion.models import StoredObject
from tests.factories.library import carry_out_deletions

pytestmark = pytest.mark.django_db


def upload(client: Any, name: str, data: bytes, **fields: str) -> StoredObject:
    body = client.post("/api/uploads", {"file": SimpleUploadedFile(name, data), **fields}).json()
    return StoredObject.objects.get(pk=body["id"])


@pytest.fixture
def stranger_client(stranger: Any) -> Client:
    client = Client()
    client.force_login(stranger)
    return client


def test_library_lists_own_objects_with_their_kinds(owner_client: Any) -> None:
    upload(owner_client, "a.csv", b"a\n1\n")
    upload(owner_client, "b.pdf", b"%PDF")
    page = owner_client.get("/library/").content.decode()
    assert "a.csv" in page and "b.pdf" in page
    assert "CSV datasets" in page and "Other files" in page


def test_stranger_can_neither_list_download_nor_delete(
    owner_client: Any, stranger_client: Client
) -> None:
    obj = upload(owner_client, "secret.pdf", b"%PDF secret")
    assert "secret.pdf" not in stranger_client.get("/library/").content.decode()
    assert stranger_client.get(f"/library/{obj.pk}/download").status_code == 404
    assert stranger_client.post(f"/library/{obj.pk}/delete").status_code == 404
    assert stranger_client.get(f"/api/uploads/{obj.pk}").status_code == 404
    assert stranger_client.get(f"/api/objects?ids={obj.pk}").json() == {"objects": []}
    assert StoredObject.objects.filter(pk=obj.pk).exists()
    assert storage.exists(obj.key)


def test_download_goes_through_a_signed_url_with_the_original_name(owner_client: Any) -> None:
    obj = upload(owner_client, "Report 2024.pdf", b"%PDF report")
    response = owner_client.get(f"/library/{obj.pk}/download")
    assert response.status_code == 302
    signed = response["Location"]
    assert obj.key not in signed  # never a public path
    anonymous = Client()
    file_response = anonymous.get(signed)
    assert file_response.status_code == 200
    assert b"".join(file_response.streaming_content) == b"%PDF report"  # type: ignore[attr-defined]
    assert 'filename="Report 2024.pdf"' in file_response["Content-Disposition"]


def test_signed_url_expires_and_cannot_be_forged(owner: Any, settings: Any) -> None:
    storage.save_bytes("misc/1/u/a.txt", b"x")
    url = storage.signed_url("misc/1/u/a.txt", filename="a.txt", seconds=1)
    client = Client()
    assert client.get(url).status_code == 200
    assert client.get(url[:-3] + "abc").status_code == 404
    time.sleep(2.1)
    assert client.get(url).status_code == 404


def test_delete_needs_confirmation_then_removes_file_and_row(owner_client: Any) -> None:
    obj = upload(owner_client, "old.pdf", b"%PDF")
    confirm = owner_client.get(f"/library/{obj.pk}/delete")
    assert b"cannot be undone" in confirm.content
    assert StoredObject.objects.filter(pk=obj.pk).exists()
    owner_client.post(f"/library/{obj.pk}/delete")
    assert not StoredObject.objects.owned_by(obj.owner).filter(pk=obj.pk).exists()
    assert carry_out_deletions() == [obj.pk]  # what the deletion task does
    assert not StoredObject.objects.filter(pk=obj.pk).exists()
    assert not storage.exists(obj.key)


def test_deep_archive_shows_restore_instead_of_download(owner_client: Any) -> None:
    obj = upload(owner_client, "cold.bin", b"cold", storage_class="DEEP_ARCHIVE")
    page = owner_client.get("/library/").content.decode()
    assert "archived" in page and "Restore" in page
    assert owner_client.get(f"/library/{obj.pk}/download").status_code == 302
    assert owner_client.get(f"/library/{obj.pk}/download")["Location"] == "/library/"
    owner_client.post(f"/library/{obj.pk}/restore")
    obj.refresh_from_db()
    assert obj.is_downloadable
    assert owner_client.get(f"/library/{obj.pk}/download")["Location"].startswith("/files/")


def test_library_paginates(owner_client: Any, owner: Any) -> None:
    for index in range(55):
        StoredObject.objects.create(
            owner=owner,
            bucket="local",
            key=f"misc/{owner.pk}/u/{index}",
            etag=str(index),
            kind="misc",
            original_name=f"f{index}.bin",
        )
    first = owner_client.get("/library/").content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in owner_client.get("/library/?page=2").content.decode()
