"""The gallery's filters: read by one form, narrowing each other, with counts; bad ones → 400."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories.gallery import photo_row

pytestmark = pytest.mark.django_db


def photo_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-photo="(\d+)"', html)]


def options(html: str, name: str) -> dict[str, str]:
    """The choices of one select of the filter bar: value → text."""
    found = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert found, f"no {name} select"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1)))


@pytest.fixture
def album(owner: Any) -> dict[str, Any]:
    """Five photos over two years, two cameras, some with a location, one with a problem."""
    return {
        "paris": photo_row(
            owner, "2023-05-02 10:00", camera="Canon EOS R5", gps=True, tags=("trip",)
        ),
        "may": photo_row(owner, "2023-05-20 10:00", camera="Apple iPhone 13"),
        "june": photo_row(owner, "2023-06-11 10:00", camera="Apple iPhone 13", tags=("trip",)),
        "march": photo_row(owner, "2024-03-01 10:00", camera="Apple iPhone 13", gps=True),
        "failed": photo_row(
            owner, "2024-03-09 10:00", camera="Canon EOS R5", status="failed", reason="Disk full"
        ),
    }


def test_each_filter_narrows_the_photos(owner_client: Any, album: dict[str, Any]) -> None:
    def shown(query: str) -> set[str]:
        ids = set(photo_ids(owner_client.get(f"/photos/?{query}").content.decode()))
        return {name for name, photo in album.items() if photo.pk in ids}

    assert shown("year=2023") == {"paris", "may", "june"}
    assert shown("year=2023&month=5") == {"paris", "may"}
    assert shown("tag=trip") == {"paris", "june"}
    assert shown("camera=Canon+EOS+R5") == {"paris", "failed"}
    assert shown("gps=yes") == {"paris", "march"}
    assert shown("gps=no") == {"may", "june", "failed"}
    assert shown("problems=1") == {"failed"}
    assert shown("year=2023&camera=Apple+iPhone+13&tag=trip") == {"june"}


def test_choices_are_counted_under_the_other_filters(
    owner_client: Any, album: dict[str, Any]
) -> None:
    html = owner_client.get("/photos/?camera=Canon+EOS+R5").content.decode()

    # Years, tags and locations count only Canon photos ...
    assert options(html, "year") == {"": "All years", "2024": "2024 (1)", "2023": "2023 (1)"}
    assert options(html, "tag") == {"": "All tags", "trip": "trip (1)"}
    assert options(html, "gps")["yes"] == "With location (1)"
    assert options(html, "gps")["no"] == "Without location (1)"
    # ... while every camera stays in reach, counted under the other (no) filters.
    assert options(html, "camera") == {
        "": "All cameras",
        "Apple iPhone 13": "Apple iPhone 13 (3)",
        "Canon EOS R5": "Canon EOS R5 (2)",
    }
    assert "With problems (1)" in html
    assert re.search(r'<h1>Photos <span class="count">2</span>', html)


def test_months_of_the_chosen_year_are_offered_with_counts(
    owner_client: Any, album: dict[str, Any]
) -> None:
    assert '<select name="month">' not in owner_client.get("/photos/").content.decode()

    html = owner_client.get("/photos/?year=2023&month=6").content.decode()

    assert options(html, "month") == {"": "All of 2023", "6": "June (1)", "5": "May (2)"}
    assert re.search(r'<option value="6" selected>June', html)


def test_a_chosen_value_without_photos_stays_selected_with_a_count_of_zero(
    owner_client: Any, album: dict[str, Any]
) -> None:
    html = owner_client.get("/photos/?tag=nowhere&year=1999").content.decode()

    assert options(html, "tag")["nowhere"] == "nowhere (0)"
    assert options(html, "year")["1999"] == "1999 (0)"
    assert "No photos match these filters" in html


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("year=twenty", "year: Enter a whole number."),
        ("year=99999", "year: Ensure this value is less than or equal to 2200."),
        ("month=5", "month: Choose a year as well as a month."),
        ("year=2024&month=13", "month: Ensure this value is less than or equal to 12."),
        ("sort=random", "sort: Select a valid choice. random is not one of the available choices."),
        ("gps=maybe", "gps: Select a valid choice."),
        ("cursor=not-a-cursor", "cursor: This is not a cursor the gallery gave out."),
        ("at=March", "at: Give a month as YYYY-MM, such as 2024-03."),
        ("limit=many", "limit: Enter a whole number."),
        ("limit=0", "limit: Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_parameters_get_a_400_that_says_what_is_wrong(
    owner_client: Any, query: str, problem: str
) -> None:
    page = owner_client.get(f"/photos/?{query}")
    api = owner_client.get(f"/api/photos?{query}")

    assert page.status_code == 400 and api.status_code == 400
    assert problem.replace("&", "&amp;") in page.content.decode()
    assert "Show all photos" in page.content.decode()
    assert api["Content-Type"] == "application/json"
    assert api.json()["error"].startswith(problem)


def test_a_bigger_page_than_served_is_served_at_the_biggest_size(
    owner: Any, owner_client: Any
) -> None:
    for day in range(1, 4):
        photo_row(owner, f"2024-01-0{day} 10:00")

    body = owner_client.get("/api/photos?limit=100000").json()

    assert len(body["photos"]) == 3
