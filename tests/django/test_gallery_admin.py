"""The Photo admin: thumbnails, filters, search, read-only EXIF and the two actions."""

from __future__ import annotations

from typing import Any

import pytest

from gallery.models import Photo
from gallery.tasks import process_photo
from ingestion import storage
from tests.factories.gallery import photo_bytes, upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Any, make_user: Any) -> Any:
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def processed(owner: Any, **exif: Any) -> Photo:
    obj = upload_photo(owner, photo_bytes(**exif), "IMG_0042.jpg")
    process_photo(obj.pk)
    return Photo.objects.get(source=obj)


def test_list_shows_thumbnails_and_filters(owner: Any, staff_client: Any) -> None:
    processed(owner, make="Canon", model="EOS R5", gps=(1.0, 2.0), taken="2022:02:02 10:00:00")

    html = staff_client.get("/admin/gallery/photo/").content.decode()

    assert "<img src=" in html and "IMG_0042.jpg" in html
    for choice in ("?tag=gps", "?camera_make=Canon", "?year=2022", "?located=yes"):
        assert choice in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("tag=gps", True),
        ("tag=portrait", False),
        ("located=no", False),
        ("q=EOS", True),
        ("q=IMG_0042", True),
        ("q=Nikon", False),
    ],
)
def test_filters_and_search(owner: Any, staff_client: Any, query: str, found: bool) -> None:
    processed(owner, make="Canon", model="EOS R5", gps=(1.0, 2.0))

    html = staff_client.get(f"/admin/gallery/photo/?{query}").content.decode()

    assert ("IMG_0042.jpg" in html) is found


def test_form_shows_the_photo_and_exif_read_only(owner: Any, staff_client: Any) -> None:
    photo = processed(owner, make="Canon")

    html = staff_client.get(f"/admin/gallery/photo/{photo.pk}/change/").content.decode()

    assert "&quot;camera_make&quot;: &quot;Canon&quot;" in html
    assert 'name="exif"' not in html and 'name="camera_make"' not in html
    assert "<img src=" in html


def test_reprocess_action(owner: Any, staff_client: Any) -> None:
    photo = processed(owner)
    Photo.objects.filter(pk=photo.pk).update(camera="wrong")

    response = staff_client.post(
        "/admin/gallery/photo/",
        {"action": "reprocess", "_selected_action": [photo.pk]},
        follow=True,
    )

    assert "Reprocessed: done 1" in response.content.decode()
    assert Photo.objects.get().camera == ""


def test_regenerate_thumbnails_action(owner: Any, staff_client: Any) -> None:
    photo = processed(owner)
    storage.delete(photo.thumbnail_key)
    storage.delete(photo.preview_key)

    response = staff_client.post(
        "/admin/gallery/photo/",
        {"action": "regenerate_thumbnails", "_selected_action": [photo.pk]},
        follow=True,
    )

    assert "Thumbnails: regenerated 1" in response.content.decode()
    assert storage.exists(photo.thumbnail_key) and storage.exists(photo.preview_key)
