"""The photo page: previous and next in the same filter (the timeline's order), a way back to
the same view, and the filter kept when a tag is added."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories.gallery import photo_row

pytestmark = pytest.mark.django_db


def link(html: str, rel: str) -> str | None:
    found = re.search(
        rf'<a [^>]*rel="{rel}"[^>]*href="([^"]+)"|<a [^>]*href="([^"]+)"[^>]*rel="{rel}"', html
    )
    return (found.group(1) or found.group(2)).replace("&amp;", "&") if found else None


@pytest.fixture
def trip(owner: Any) -> list[Any]:
    """Newest first: two of the four photos are tagged "trip"."""
    return [
        photo_row(owner, "2024-05-04 10:00", tags=("trip",)),
        photo_row(owner, "2024-05-03 10:00"),
        photo_row(owner, "2024-05-02 10:00", tags=("trip",)),
        photo_row(owner, "2024-05-01 10:00"),
    ]


def test_previous_and_next_follow_the_timeline(owner_client: Any, trip: list[Any]) -> None:
    html = owner_client.get(f"/photos/{trip[1].pk}/").content.decode()

    assert link(html, "prev") == f"/photos/{trip[0].pk}/"
    assert link(html, "next") == f"/photos/{trip[2].pk}/"


def test_previous_and_next_stay_in_the_filter(owner_client: Any, trip: list[Any]) -> None:
    first = owner_client.get(f"/photos/{trip[0].pk}/?tag=trip").content.decode()
    last = owner_client.get(f"/photos/{trip[2].pk}/?tag=trip").content.decode()

    assert link(first, "prev") is None
    assert link(first, "next") == f"/photos/{trip[2].pk}/?tag=trip"
    assert link(last, "prev") == f"/photos/{trip[0].pk}/?tag=trip"
    assert link(last, "next") is None


def test_the_way_back_keeps_the_filter(owner_client: Any, trip: list[Any]) -> None:
    html = owner_client.get(f"/photos/{trip[0].pk}/?tag=trip&sort=uploaded").content.decode()

    assert '<a href="/photos/?tag=trip&amp;sort=uploaded">← All photos</a>' in html


def test_adding_a_tag_on_the_page_comes_back_to_it_in_its_filter(
    owner_client: Any, trip: list[Any]
) -> None:
    html = owner_client.get(f"/photos/{trip[0].pk}/?tag=trip").content.decode()
    assert f'action="/photos/{trip[0].pk}/tags?tag=trip"' in html

    response = owner_client.post(f"/photos/{trip[0].pk}/tags?tag=trip", {"add": "sea"})

    assert response["Location"] == f"/photos/{trip[0].pk}/?tag=trip"


def test_the_lightbox_panel_opens_the_page_in_the_same_filter(
    owner_client: Any, trip: list[Any]
) -> None:
    html = owner_client.get(f"/photos/{trip[0].pk}/?tag=trip&fragment=1").content.decode()

    assert f'href="/photos/{trip[0].pk}/?tag=trip">Open page</a>' in html


def test_a_bad_filter_on_the_photo_page_is_a_400(owner_client: Any, trip: list[Any]) -> None:
    response = owner_client.get(f"/photos/{trip[0].pk}/?year=soon")

    assert response.status_code == 400
    assert "year: Enter a whole number." in response.content.decode()
