"""The timeline: one justified flow across months, each month labelled where it starts, pages
that continue it in both directions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories.gallery import photo_row

pytestmark = pytest.mark.django_db


def cells(html: str) -> list[tuple[int, str]]:
    """(photo id, the month label in its cell or "") in page order."""
    found = []
    for cell in re.findall(r'<div class="cell .*?</a>', html, re.S):
        label = re.search(r'<h2 class="month-label"[^>]*><span class="full">([^<]+)<', cell)
        photo = re.search(r'data-photo="(\d+)"', cell)
        assert photo
        found.append((int(photo.group(1)), label.group(1) if label else ""))
    return found


def fragment_url(html: str, attribute: str) -> str:
    (url,) = re.findall(rf'{attribute}="([^"]+)"', html)
    return "/photos/" + str(url).replace("&amp;", "&")


def test_months_share_one_grid_and_each_is_labelled_on_its_first_photo(
    owner: Any, owner_client: Any
) -> None:
    late_march = photo_row(owner, "2024-03-28 10:00")
    march = photo_row(owner, "2024-03-05 10:00")
    january = photo_row(owner, "2024-01-20 10:00")

    html = owner_client.get("/photos/").content.decode()

    assert html.count('<div class="tiles">') == 1  # rows run on from one month into the next
    assert cells(html) == [
        (late_march.pk, "March 2024"),
        (march.pk, ""),
        (january.pk, "January 2024"),
    ]


def test_a_page_that_continues_a_month_does_not_label_it_again(
    owner: Any, owner_client: Any
) -> None:
    march = [photo_row(owner, f"2024-03-{day:02d} 10:00") for day in (28, 20, 12)]
    february = photo_row(owner, "2024-02-10 10:00")

    first = owner_client.get("/photos/?limit=2").content.decode()
    second = owner_client.get(fragment_url(first, "data-next")).content.decode()

    assert cells(first) == [(march[0].pk, "March 2024"), (march[1].pk, "")]
    assert cells(second) == [(march[2].pk, ""), (february.pk, "February 2024")]
    assert "<html" not in second and 'class="more' not in second


def test_a_next_page_that_starts_a_month_labels_it(owner: Any, owner_client: Any) -> None:
    photo_row(owner, "2024-03-28 10:00")
    february = photo_row(owner, "2024-02-10 10:00")

    first = owner_client.get("/photos/?limit=1").content.decode()
    second = owner_client.get(fragment_url(first, "data-next")).content.decode()

    assert cells(second) == [(february.pk, "February 2024")]


def test_sorted_by_upload_the_months_are_the_upload_months(owner: Any, owner_client: Any) -> None:
    photo_row(owner, "2019-07-14 10:00", uploaded="2024-05-02 09:00")

    html = owner_client.get("/photos/?sort=uploaded").content.decode()

    assert [label for _, label in cells(html)] == ["May 2024"]


def test_a_jump_to_a_month_starts_there_with_newer_photos_above(
    owner: Any, owner_client: Any
) -> None:
    march = [photo_row(owner, f"2024-03-{day:02d} 10:00") for day in (20, 10)]
    february = photo_row(owner, "2024-02-10 10:00")
    january = photo_row(owner, "2024-01-10 10:00")

    page = owner_client.get("/photos/?at=2024-02&limit=1").content.decode()
    newer = owner_client.get(fragment_url(page, "data-newer")).content.decode()
    newest = owner_client.get(fragment_url(newer, "data-newer")).content.decode()

    assert cells(page) == [(february.pk, "February 2024")]
    assert 'class="more btn"' in page  # and January below
    assert cells(newer) == [(march[1].pk, "March 2024")]  # the client drops a repeated label
    assert cells(newest) == [(march[0].pk, "March 2024")]
    assert "data-newer" not in newest
    assert january.pk not in [pk for pk, _ in cells(page + newer + newest)]


def test_the_newest_page_offers_no_newer_photos(owner: Any, owner_client: Any) -> None:
    photo_row(owner, "2024-03-20 10:00")

    assert "data-newer" not in owner_client.get("/photos/?limit=1").content.decode()
