"""Downloading a selection as one zip: the owner's files only, streamed (never a whole file in
memory), Deep Archive files that are not restored left out with a note."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone

from ingestion import bulk
from ingestion.models import StorageClass
from tests.factories.library import stored

pytestmark = pytest.mark.django_db


def download(client: Client, *ids: int | str) -> Any:
    return client.post("/library/bulk", {"action": "download", "ids": list(ids)})


def unzip(response: Any) -> dict[str, bytes]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)  # type: ignore[arg-type]
    assert int(response["Content-Length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_selection_comes_as_one_zip_of_the_owners_files(
    owner_client: Client, owner: Any, stranger: Any
) -> None:
    a = stored(owner, "notes.txt", data=b"my notes")
    b = stored(owner, "Sales 2024.csv", kind="csv", data=b"a,b\n1,2\n")
    theirs = stored(stranger, "their secret.txt", data=b"not yours")
    response = download(owner_client, a.pk, b.pk, theirs.pk)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''files-")
    assert unzip(response) == {"notes.txt": b"my notes", "Sales 2024.csv": b"a,b\n1,2\n"}


def test_same_names_are_made_unique_and_the_same_content_comes_once(
    owner_client: Client, owner: Any
) -> None:
    first = stored(owner, "IMG_0001.jpg", kind="photo", data=b"first photo")
    other = stored(owner, "IMG_0001.jpg", kind="photo", data=b"another photo")
    again = stored(owner, "IMG_0001 copy.jpg", kind="photo", data=b"first photo")
    folder = stored(owner, "../../etc/passwd", data=b"just a name")
    files = unzip(download(owner_client, f"{first.pk},{again.pk}", other.pk, folder.pk))
    assert files == {
        "IMG_0001.jpg": b"first photo",
        "IMG_0001 (2).jpg": b"another photo",
        "_.._etc_passwd": b"just a name",
    }


def test_deep_archive_files_not_restored_are_left_out_with_a_note(
    owner_client: Client, owner: Any
) -> None:
    cold = stored(owner, "cold.mov", data=b"frozen", storage_class=StorageClass.DEEP_ARCHIVE)
    back = stored(
        owner,
        "thawed.mov",
        data=b"restored",
        storage_class=StorageClass.DEEP_ARCHIVE,
        restored_until=timezone.now() + timedelta(days=3),
    )
    warm = stored(owner, "warm.txt", data=b"warm")
    files = unzip(download(owner_client, cold.pk, back.pk, warm.pk))
    assert set(files) == {"thawed.mov", "warm.txt", "Not included.txt"}
    assert files["Not included.txt"].decode() == (
        "1 of the selected files are not in this zip:\n\n"
        "- cold.mov: in Glacier Deep Archive: restore it in the library first\n"
    )


def test_a_file_missing_from_storage_is_left_out_not_a_broken_zip(
    owner_client: Client, owner: Any
) -> None:
    gone = stored(owner, "gone.txt", write=False)
    here = stored(owner, "here.txt", data=b"here")
    files = unzip(download(owner_client, gone.pk, here.pk))
    assert files["here.txt"] == b"here"
    assert "- gone.txt: no longer in storage" in files["Not included.txt"].decode()


def test_nothing_to_download_says_why_instead_of_an_empty_zip(
    owner_client: Client, owner: Any
) -> None:
    cold = stored(owner, "cold.mov", storage_class=StorageClass.DEEP_ARCHIVE)
    response = download(owner_client, cold.pk)
    assert response.status_code == 302
    page = owner_client.get(response["Location"]).content.decode()
    assert "Nothing could be downloaded: cold.mov is in Glacier Deep Archive" in page


def test_a_large_file_is_streamed_in_chunks_not_held_in_memory(owner: Any) -> None:
    big = stored(owner, "video.mp4", data=bytes(range(256)) * (160 * 1024))  # 40 MB
    response = bulk.zip_response(bulk.plan_zip(owner, [big.pk]))
    tracemalloc.start()
    try:
        sent = peak = 0
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            sent += len(chunk)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    assert sent == int(response["Content-Length"]) > 40 * 1024 * 1024
    assert peak < 8 * 1024 * 1024, f"{peak / 1024**2:.1f} MB held while sending 40 MB"


def test_the_gallery_can_zip_its_selection(owner: Any, stranger: Any) -> None:
    """The interface the gallery's multi-select calls: object ids in, a named zip out."""
    mine = stored(owner, "a.jpg", kind="photo", data=b"a")
    theirs = stored(stranger, "b.jpg", kind="photo", data=b"b")
    plan = bulk.plan_zip(owner, [mine.pk, theirs.pk])
    assert [name for _, name in plan.files] == ["a.jpg"]
    response = bulk.zip_response(plan, name="photos")
    assert "filename*=UTF-8''photos-" in response["Content-Disposition"]
