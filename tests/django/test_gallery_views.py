"""The gallery pages and JSON API: the owner's photos only, months, filters, pages, tags."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gallery.models import Photo, PhotoTag
from gallery.tasks import process_photo
from ingestion.models import StoredObject
from tests.factories.gallery import make_photo_rows, photo_bytes, upload_photo

pytestmark = pytest.mark.django_db


def processed(owner: Any, data: bytes | None = None, name: str = "photo.jpg") -> Photo:
    obj = upload_photo(owner, data or photo_bytes(seed=hash(name) % 97), name)
    process_photo(obj.pk)
    return Photo.objects.get(source=obj)


def photo_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-photo="(\d+)"', html)]


def test_gallery_needs_sign_in(client: Any) -> None:
    response = client.get("/photos/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_nav_shows_photos(owner_client: Any) -> None:
    html = owner_client.get(reverse("library")).content.decode()
    assert 'href="/photos/"' in html


def test_sort_by_upload_time(owner: Any, owner_client: Any) -> None:
    rows = make_photo_rows(owner, 3)
    Photo.objects.filter(pk=rows[2]).update(uploaded_at=datetime(2030, 1, 1, tzinfo=UTC))

    html = owner_client.get("/photos/?sort=uploaded").content.decode()

    assert photo_ids(html) == [rows[2], rows[0], rows[1]]
    assert "January 2030" in html


def test_stranger_sees_none_of_the_owners_photos(owner: Any, stranger: Any, client: Any) -> None:
    processed(owner)
    client.force_login(stranger)

    assert photo_ids(client.get("/photos/").content.decode()) == []
    assert client.get("/api/photos").json()["photos"] == []


def test_stranger_gets_404_for_photo(owner: Any, stranger: Any, client: Any) -> None:
    photo = processed(owner)
    client.force_login(stranger)

    assert client.get(f"/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/api/photos/{photo.pk}").status_code == 404
    assert client.post(f"/photos/{photo.pk}/tags", {"add": "mine"}).status_code == 404
    assert not PhotoTag.objects.filter(name="mine").exists()


def test_filters_by_tag_year_and_camera(owner: Any, owner_client: Any) -> None:
    ids = make_photo_rows(owner, 12, start=datetime(2024, 2, 1, tzinfo=UTC), step_hours=24 * 10)
    photos = {p.pk: p for p in Photo.objects.all()}

    by_tag = photo_ids(owner_client.get("/photos/?tag=gps").content.decode())
    by_year = photo_ids(owner_client.get("/photos/?year=2023").content.decode())
    by_camera = photo_ids(owner_client.get("/photos/?camera=Canon+EOS+R5").content.decode())

    assert by_tag == [i for i in ids if photos[i].latitude is not None]
    assert by_year == [i for i in ids if photos[i].taken_at.year == 2023]  # type: ignore[union-attr]
    assert by_camera == [i for i in ids if photos[i].camera == "Canon EOS R5"]
    assert by_tag and by_year and by_camera


def test_filter_choices_come_from_the_owners_photos(owner: Any, owner_client: Any) -> None:
    processed(owner, photo_bytes(make="Apple", model="iPhone 13", taken="2021:06:01 12:00:00"))

    html = owner_client.get("/photos/").content.decode()

    assert '<option value="Apple iPhone 13"' in html
    assert '<option value="2021"' in html
    assert '<option value="landscape"' in html


def test_api_pages_cover_every_photo_once(owner: Any, owner_client: Any) -> None:
    ids = make_photo_rows(owner, 25)
    seen: list[int] = []
    url: str | None = "/api/photos?limit=10"
    while url:
        body = owner_client.get(url).json()
        seen.extend(p["id"] for p in body["photos"])
        url = body["next"]

    assert seen == ids


def test_api_returns_photo_data_with_signed_urls(owner: Any, owner_client: Any) -> None:
    photo = processed(
        owner, photo_bytes(make="Canon", model="EOS R5", gps=(52.5, 13.4), flash=True)
    )
    PhotoTag.objects.create(photo=photo, name="berlin")

    body = owner_client.get("/api/photos?tag=berlin").json()

    (item,) = body["photos"]
    assert item["id"] == photo.pk and item["camera"] == "Canon EOS R5"
    assert {"name": "berlin", "kind": "user"} in item["tags"]
    assert item["map_url"].startswith("https://www.openstreetmap.org/?mlat=52.5")
    assert body["next_cursor"] is None
    thumb = owner_client.get(item["thumbnail_url"])
    assert thumb.status_code == 200
    assert thumb["Content-Disposition"].startswith("inline")
    original = owner_client.get(item["original_url"])
    assert original["Content-Disposition"].startswith("attachment")
    assert b"".join(original.streaming_content) == photo_bytes(
        make="Canon", model="EOS R5", gps=(52.5, 13.4), flash=True
    )


def test_api_needs_sign_in(client: Any) -> None:
    response = client.get("/api/photos")
    assert response.status_code == 401
    assert response.json() == {"error": "authentication required"}


def test_first_page_query_count_is_constant(
    owner: Any, owner_client: Any, django_assert_num_queries: Any
) -> None:
    def queries_for_first_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get("/photos/").status_code == 200
        return len(captured)

    make_photo_rows(owner, 10)
    with_ten = queries_for_first_page()
    make_photo_rows(owner, 190, start=datetime(2020, 1, 1, tzinfo=UTC))
    with_two_hundred = queries_for_first_page()

    assert with_ten == with_two_hundred
    # session, user, page, uploads being processed, the problems card; the filter bar: tags,
    # years and months (the scrubber's too), cameras, location and problem counts (the total)
    with django_assert_num_queries(9):
        owner_client.get("/photos/")


def test_api_query_count_is_constant(
    owner: Any, owner_client: Any, django_assert_num_queries: Any
) -> None:
    make_photo_rows(owner, 150)
    # session, user, page, tags of the page
    with django_assert_num_queries(4):
        assert len(owner_client.get("/api/photos?limit=100").json()["photos"]) == 100


def test_next_page_fragment_continues_the_timeline(owner: Any, owner_client: Any) -> None:
    ids = make_photo_rows(owner, 130)
    first = owner_client.get("/photos/").content.decode()
    (next_url,) = re.findall(r'data-next="([^"]+)"', first)

    fragment = owner_client.get("/photos/" + next_url.replace("&amp;", "&")).content.decode()

    assert photo_ids(first) + photo_ids(fragment) == ids
    assert "<html" not in fragment


def test_processing_photo_shows_a_placeholder_that_polls_to_a_tile(
    owner: Any, owner_client: Any
) -> None:
    obj = upload_photo(owner, photo_bytes(), "fresh.jpg")

    html = owner_client.get("/photos/").content.decode()
    assert f'data-object="{obj.pk}" data-status="received"' in html
    waiting = owner_client.get(f"/api/photos/pending?ids={obj.pk}").json()["objects"]
    assert waiting == [
        {**waiting[0], "id": obj.pk, "status": "received", "final": False, "photo": None}
    ]

    process_photo(obj.pk)

    (done,) = owner_client.get(f"/api/photos/pending?ids={obj.pk}").json()["objects"]
    assert done["status"] == "done"
    assert done["photo"]["id"] == Photo.objects.get(source=obj).pk
    assert owner_client.get(done["photo"]["thumbnail_url"]).status_code == 200


def test_rejected_photo_shows_why_in_gallery_and_library(owner: Any, owner_client: Any) -> None:
    obj = upload_photo(owner, b"not a photo at all", "notes.jpg")
    process_photo(obj.pk)

    gallery = owner_client.get("/photos/").content.decode()
    library = owner_client.get("/library/").content.decode()

    reason = "Not a usable photo: not an image Pillow/HEIF can read."
    assert reason in gallery and reason in library
    assert '<span class="badge rejected">Rejected</span>' in gallery


def test_pending_api_answers_only_for_own_objects(owner: Any, stranger: Any, client: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    client.force_login(stranger)

    assert client.get(f"/api/photos/pending?ids={obj.pk}").json() == {"objects": []}


@pytest.mark.parametrize("ids", ["1,two", ",".join(["1"] * 1001) + ",2" * 1000])
def test_pending_api_refuses_a_bad_list_of_ids(owner_client: Any, ids: str) -> None:
    response = owner_client.get(f"/api/photos/pending?ids={ids}")

    assert response.status_code == 400
    assert response.json()["error"].startswith("ids: ")


def test_lightbox_panel_shows_the_photo_facts(owner: Any, owner_client: Any) -> None:
    photo = processed(
        owner,
        photo_bytes(
            (800, 600), make="Apple", model="iPhone 13", taken="2024:03:01 10:10:10", gps=(1.5, 2.5)
        ),
        "trip.jpg",
    )

    html = owner_client.get(f"/photos/{photo.pk}/?fragment=1").content.decode()

    assert "<html" not in html
    assert "trip.jpg" in html and "Apple iPhone 13" in html
    assert "800 × 600" in html
    assert "Friday, 1 March 2024, 10:10" in html
    assert "https://www.openstreetmap.org/?mlat=1.500000&amp;mlon=2.500000" in html
    assert "Download original" in html


def test_user_adds_and_removes_own_tags(owner: Any, owner_client: Any) -> None:
    photo = processed(owner)
    url = f"/photos/{photo.pk}/tags"

    response = owner_client.post(url, {"add": "  Summer   Holiday ", "fragment": "1"})
    assert response.status_code == 200
    assert "summer holiday" in response.content.decode()
    owner_client.post(url, {"remove": "landscape"})  # automatic tags stay
    owner_client.post(url, {"remove": "summer holiday"})

    assert list(photo.tags.values_list("name", "kind")) == [("landscape", "auto")]


def test_bad_tag_is_refused_with_a_reason(owner: Any, owner_client: Any) -> None:
    photo = processed(owner)

    response = owner_client.post(f"/photos/{photo.pk}/tags", {"add": "<script>"})

    assert response.status_code == 400
    assert "Tags use letters" in response.content.decode()


def test_archived_original_is_not_offered_for_download(owner: Any, owner_client: Any) -> None:
    photo = processed(owner)
    StoredObject.objects.filter(pk=photo.source_id).update(storage_class="DEEP_ARCHIVE")

    body = owner_client.get(f"/api/photos/{photo.pk}").json()

    assert body["original_url"] is None
    assert body["thumbnail_url"]


def test_first_page_of_many_photos_shows_one_page_and_a_link_to_older(
    owner: Any, owner_client: Any
) -> None:
    make_photo_rows(owner, 1000)

    html = owner_client.get("/photos/").content.decode()

    assert len(photo_ids(html)) == 120
    assert 'class="more btn"' in html
    assert "1,000" in html  # the total in the heading
