"""Exposure details: read at processing, stored, shown on the photo page, filled in for photos
processed before they were read (reprocess_photos)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from gallery.models import Photo
from gallery.tasks import process_photo
from ingestion.models import Status, StoredObject
from tests.factories.gallery import IPHONE_EXPOSURE, photo_bytes, upload_photo

pytestmark = pytest.mark.django_db

EXPOSURE_FIELDS = ("iso", "f_number", "exposure_time", "focal_length", "focal_length_35mm")


def iphone_photo(owner: Any) -> Photo:
    data = photo_bytes(make="Apple", model="iPhone 13", exposure=IPHONE_EXPOSURE)
    obj = upload_photo(owner, data, "IMG_0042.jpg")
    process_photo(obj.pk)
    return Photo.objects.get(source=obj)


def test_exposure_details_are_stored(owner: Any) -> None:
    photo = iphone_photo(owner)

    assert photo.iso == 50 and photo.focal_length_35mm == 26
    assert photo.f_number == pytest.approx(1.6)
    assert photo.exposure_time == pytest.approx(1 / 120)
    assert photo.focal_length == pytest.approx(5.1)
    assert photo.lens == "Apple iPhone 13 back dual wide camera 5.1mm f/1.6"


def test_the_photo_page_shows_exposure_focal_length_and_lens(owner: Any, owner_client: Any) -> None:
    photo = iphone_photo(owner)

    html = owner_client.get(f"/photos/{photo.pk}/").content.decode()

    assert "<dt>Exposure</dt><dd>ƒ/1.6 · 1/120 s · ISO 50</dd>" in html
    assert "<dt>Focal length</dt><dd>5.1 mm (26 mm in 35 mm terms)</dd>" in html
    assert "<dt>Lens</dt><dd>Apple iPhone 13 back dual wide camera 5.1mm f/1.6</dd>" in html


def test_the_api_gives_the_exposure_details(owner: Any, owner_client: Any) -> None:
    photo = iphone_photo(owner)

    body = owner_client.get(f"/api/photos/{photo.pk}").json()

    assert (body["iso"], body["f_number"], body["focal_length_35mm"]) == (50, 1.6, 26)
    assert body["exposure_time"] == pytest.approx(1 / 120)
    assert body["lens"].startswith("Apple iPhone 13")


def test_a_photo_without_exposure_details_shows_none(owner: Any, owner_client: Any) -> None:
    obj = upload_photo(owner, photo_bytes(), "plain.jpg")
    process_photo(obj.pk)

    html = owner_client.get(f"/photos/{Photo.objects.get(source=obj).pk}/").content.decode()

    assert "Exposure" not in html and "Lens" not in html


def test_reprocess_metadata_fills_details_in_for_photos_processed_before(owner: Any) -> None:
    photo = iphone_photo(owner)
    thumbnail = photo.thumbnail_key
    Photo.objects.filter(pk=photo.pk).update(**dict.fromkeys(EXPOSURE_FIELDS), lens="")
    out = StringIO()

    call_command("reprocess_photos", "--all", "--metadata", stdout=out)

    photo.refresh_from_db()
    assert photo.iso == 50 and photo.lens.startswith("Apple iPhone 13")
    assert photo.thumbnail_key == thumbnail
    assert StoredObject.objects.get(pk=photo.source_id).status == Status.DONE
    assert "1 photo" in out.getvalue()


def test_reprocess_with_force_fills_them_in_too(owner: Any) -> None:
    photo = iphone_photo(owner)
    Photo.objects.filter(pk=photo.pk).update(**dict.fromkeys(EXPOSURE_FIELDS), lens="")

    call_command("reprocess_photos", "--all", "--force", stdout=StringIO())

    photo.refresh_from_db()
    assert photo.iso == 50 and photo.f_number == pytest.approx(1.6)
