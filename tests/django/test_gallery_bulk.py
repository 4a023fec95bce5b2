"""The grid's multi-select: the selected photos download as one zip, take a tag, or are deleted
after a confirmation, always only the signed-in owner's."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.contrib.messages import get_messages

from gallery.models import Photo, PhotoTag
from gallery.tasks import process_photo
from ingestion import storage
from ingestion.models import StoredObject
from tests.factories.gallery import photo_bytes, upload_photo
from tests.factories.library import carry_out_deletions

pytestmark = pytest.mark.django_db


def processed(owner: Any, name: str, seed: int) -> Photo:
    obj = upload_photo(owner, photo_bytes(seed=seed), name)
    process_photo(obj.pk)
    return Photo.objects.get(source=obj)


@pytest.fixture
def three(owner: Any) -> list[Photo]:
    return [processed(owner, f"beach {n}.jpg", n) for n in range(3)]


def ids(*photos: Photo) -> str:
    return ",".join(str(p.pk) for p in photos)


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_selected_photos_download_as_one_zip_of_their_originals(
    owner_client: Any, three: list[Photo], stranger: Any
) -> None:
    theirs = processed(stranger, "theirs.jpg", 9)

    response = owner_client.post(
        "/photos/bulk", {"ids": ids(three[0], three[2], theirs), "action": "download"}
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["beach 0.jpg", "beach 2.jpg"]
    assert archive.read("beach 0.jpg") == photo_bytes(seed=0)


def test_a_tag_is_added_to_every_selected_photo(owner_client: Any, three: list[Photo]) -> None:
    response = owner_client.post(
        "/photos/bulk?tag=beach&year=2024",
        {"ids": ids(*three[:2]), "action": "tag", "tag": " Sea "},
    )

    assert response.status_code == 302 and response["Location"] == "/photos/?tag=beach&year=2024"
    tagged = PhotoTag.objects.filter(name="sea", kind="user").values_list("photo_id", flat=True)
    assert sorted(tagged) == sorted(p.pk for p in three[:2])
    assert said(response) == ["Tagged 2 photos “sea”."]


def test_a_bad_tag_tags_nothing_and_says_why(owner_client: Any, three: list[Photo]) -> None:
    response = owner_client.post(
        "/photos/bulk", {"ids": ids(*three), "action": "tag", "tag": "<b>"}
    )

    assert response["Location"] == "/photos/"
    assert said(response) == ["Tags use letters, digits, spaces and - . & ' only."]
    assert not PhotoTag.objects.filter(kind="user").exists()


def test_delete_asks_first_then_removes_the_photos_and_their_files(
    owner_client: Any, three: list[Photo], django_capture_on_commit_callbacks: Any
) -> None:
    doomed = three[:2]
    keys = [k for p in doomed for k in (p.thumbnail_key, p.preview_key, p.original_key)]

    asked = owner_client.post("/photos/bulk?camera=x", {"ids": ids(*doomed), "action": "delete"})

    page = asked.content.decode()
    assert asked.status_code == 200 and "Delete 2 photos?" in page
    assert page.count('<li class="ar-') == 2
    assert Photo.objects.count() == 3
    (action,) = re.findall(r'<form method="post" action="([^"]+)" class="actions-row"', page)
    assert action.replace("&amp;", "&") == "/photos/bulk?camera=x"

    with django_capture_on_commit_callbacks(execute=True):
        done = owner_client.post(action, {"ids": ids(*doomed), "action": "delete", "confirm": "1"})

    assert done["Location"] == "/photos/?camera=x"
    assert said(done) == ["Deleted 2 photos."]
    assert list(Photo.objects.owned_by(three[2].owner).values_list("pk", flat=True)) == [
        three[2].pk
    ]
    assert sorted(carry_out_deletions()) == sorted(p.source_id for p in doomed)
    assert list(Photo.objects.values_list("pk", flat=True)) == [three[2].pk]
    assert not StoredObject.objects.filter(pk__in=[p.source_id for p in doomed]).exists()
    assert not any(storage.exists(k) for k in keys)


def test_another_owners_photos_are_never_touched(
    owner: Any, stranger: Any, client: Any, three: list[Photo]
) -> None:
    client.force_login(stranger)

    tag = client.post("/photos/bulk", {"ids": ids(*three), "action": "tag", "tag": "mine"})
    delete = client.post("/photos/bulk", {"ids": ids(*three), "action": "delete", "confirm": "1"})

    assert said(tag) == ["Nothing was selected (were the photos deleted already?)."]
    assert delete.status_code == 302
    assert Photo.objects.count() == 3 and not PhotoTag.objects.filter(name="mine").exists()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"action": "download"}, "Nothing was selected."),
        ({"ids": "1,x", "action": "download"}, "The selection holds something that is not a file."),
        (
            {"ids": "1", "action": "burn"},
            "Select a valid choice. burn is not one of the available choices.",
        ),
    ],
)
def test_a_bad_selection_is_refused_with_a_reason(
    owner_client: Any, data: dict[str, str], problem: str
) -> None:
    response = owner_client.post("/photos/bulk?year=nonsense", data)

    assert response["Location"] == "/photos/"  # a bad filter is not a place to go back to
    assert said(response) == [problem]
