"""The library's listing: search by name, sortable columns, filters read through one form,
pagination, and a clear message (never a 500) for a link it cannot use."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ingestion.models import Status, StorageClass
from tests.factories.library import stored

pytestmark = pytest.mark.django_db


def names(response: Any) -> list[str]:
    """The file names listed, in the order shown."""
    html = response.content.decode()
    return re.findall(r'class="file-name"[^>]*>([^<]+)<', html)


@pytest.fixture
def files(owner: Any) -> dict[str, Any]:
    """Five files uploaded one minute apart, in this order."""
    return {
        "b-report.pdf": stored(owner, "b-report.pdf", data=b"x" * 300),
        "Alpha.csv": stored(owner, "Alpha.csv", kind="csv", data=b"x" * 100),
        "c-holiday.mp4": stored(
            owner, "c-holiday.mp4", data=b"x" * 900, storage_class=StorageClass.DEEP_ARCHIVE
        ),
        "a-notes.txt": stored(owner, "a-notes.txt", data=b"n" * 100, status=Status.FAILED),
        "Beach.jpg": stored(owner, "Beach.jpg", kind="photo", data=b"y" * 500),
    }


def test_newest_first_by_default(owner_client: Client, files: Any) -> None:
    assert names(owner_client.get("/library/")) == [
        "Beach.jpg",
        "a-notes.txt",
        "c-holiday.mp4",
        "Alpha.csv",
        "b-report.pdf",
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["a-notes.txt", "Alpha.csv", "b-report.pdf", "Beach.jpg", "c-holiday.mp4"]),
        ("-name", ["c-holiday.mp4", "Beach.jpg", "b-report.pdf", "Alpha.csv", "a-notes.txt"]),
        ("-size", ["c-holiday.mp4", "Beach.jpg", "b-report.pdf", "a-notes.txt", "Alpha.csv"]),
        ("size", ["Alpha.csv", "a-notes.txt", "b-report.pdf", "Beach.jpg", "c-holiday.mp4"]),
        ("uploaded", ["b-report.pdf", "Alpha.csv", "c-holiday.mp4", "a-notes.txt", "Beach.jpg"]),
        # Kinds in the order of their labels (CSV datasets, Other files, Photos), then by name.
        ("kind", ["Alpha.csv", "a-notes.txt", "b-report.pdf", "c-holiday.mp4", "Beach.jpg"]),
        ("-kind", ["Beach.jpg", "c-holiday.mp4", "b-report.pdf", "a-notes.txt", "Alpha.csv"]),
        # Statuses by label: Done before Failed, then by name.
        ("status", ["Alpha.csv", "b-report.pdf", "Beach.jpg", "c-holiday.mp4", "a-notes.txt"]),
        ("-status", ["a-notes.txt", "c-holiday.mp4", "Beach.jpg", "b-report.pdf", "Alpha.csv"]),
    ],
)
def test_every_column_sorts_both_ways(
    owner_client: Client, files: Any, sort: str, expected: list[str]
) -> None:
    assert names(owner_client.get(f"/library/?sort={sort}")) == expected


def test_equal_sort_keys_keep_one_order_across_pages(owner_client: Client, owner: Any) -> None:
    """60 files of one size: the size order is the same on every load, and the two pages hold
    every file exactly once."""
    for n in range(60):
        stored(owner, f"same-{n:02}.bin", data=f"{n:04}".encode())
    first = names(owner_client.get("/library/?sort=size"))
    again = names(owner_client.get("/library/?sort=size"))
    second = names(owner_client.get("/library/?sort=size&page=2"))
    assert first == again
    assert len(first) == 50 and len(second) == 10
    assert sorted(first + second) == sorted(f"same-{n:02}.bin" for n in range(60))


def test_column_headers_link_to_their_sort_and_say_which_is_active(
    owner_client: Client, files: Any
) -> None:
    html = owner_client.get("/library/?sort=name&q=a").content.decode()
    active = 'aria-sort="ascending"><a class="sort ascending" href="?q=a&amp;sort=-name"'
    assert active in html
    assert 'href="?q=a&amp;sort=-size"' in html  # the biggest first on the first click
    assert html.count('aria-sort="none"') == 4


def test_search_by_name_ignores_case(owner_client: Client, files: Any) -> None:
    assert names(owner_client.get("/library/?q=BEACH")) == ["Beach.jpg"]
    assert names(owner_client.get("/library/?q=a-&sort=name")) == ["a-notes.txt"]
    page = owner_client.get("/library/?q=nothing-like-this").content.decode()
    assert "No file matches “nothing-like-this”" in page


def test_search_treats_wildcards_as_text(owner_client: Client, owner: Any, files: Any) -> None:
    stored(owner, "100% done.txt")
    assert names(owner_client.get("/library/?q=%25")) == ["100% done.txt"]
    assert names(owner_client.get("/library/?q=_")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=csv", ["Alpha.csv"]),
        ("kind=misc&sort=name", ["a-notes.txt", "b-report.pdf", "c-holiday.mp4"]),
        ("status=failed", ["a-notes.txt"]),
        ("storage=DEEP_ARCHIVE", ["c-holiday.mp4"]),
        ("kind=misc&status=done&storage=STANDARD", ["b-report.pdf"]),
    ],
)
def test_filters_narrow_each_other(
    owner_client: Client, files: Any, query: str, expected: list[str]
) -> None:
    assert names(owner_client.get(f"/library/?{query}")) == expected


def test_filters_keep_the_search_and_sort_in_their_links(owner_client: Client, files: Any) -> None:
    html = owner_client.get("/library/?q=a&sort=name&kind=misc").content.decode()
    assert '<input type="hidden" name="kind" value="misc">' in html
    assert 'name="q" value="a"' in html
    assert '<option value="name" selected>' in html
    assert 'href="?q=a&amp;sort=name">' in html  # "All files" keeps the search and the sort


def test_pages_keep_the_view(owner_client: Client, owner: Any) -> None:
    for n in range(55):
        stored(owner, f"doc-{n:02}.txt")
    html = owner_client.get("/library/?q=doc&sort=name").content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?q=doc&amp;sort=name&amp;page=2" rel="next"' in html
    assert names(owner_client.get("/library/?q=doc&sort=name&page=2"))[0] == "doc-50.txt"


def test_unpacked_files_are_listed_with_their_zip(owner_client: Client, owner: Any) -> None:
    archive = stored(owner, "export.zip", kind="zip")
    stored(owner, "WhatsApp Chat with Ana.txt", kind="chat", source=archive)
    stored(owner, "IMG-1.jpg", kind="photo", source=archive)
    stored(owner, "elsewhere.pdf")
    response = owner_client.get(f"/library/?source={archive.pk}&sort=name")
    assert names(response) == ["IMG-1.jpg", "WhatsApp Chat with Ana.txt"]
    assert "Files unpacked from <strong>export.zip</strong>" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "q=a%00b",
        "kind=csv%00",
        "status=%00",
        "storage=STANDARD%00",
        "sort=name%00",
        "source=1%00",
        "page=2%00",
        "q=" + "x" * 201,
        "kind=spreadsheet",
        "sort=colour",
        "page=0",
        "page=abc",
        "source=99999999999999999999999",
    ],
)
def test_a_link_it_cannot_use_gets_a_clear_message_not_an_error(
    owner_client: Client, files: Any, query: str
) -> None:
    """Each bad parameter is named and left out; the rest of the library is still shown (on
    PostgreSQL a NUL byte in a query is an error: none reaches it)."""
    response = owner_client.get(f"/library/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Part of this link could not be used" in html
    field = {"storage": "Storage class", "sort": "Sort by", "q": "Search by name"}
    name = query.split("=")[0]
    assert field.get(name, name.capitalize()) + ":" in html
    assert len(names(response)) == 5


def test_a_nul_byte_in_the_bulk_form_is_refused_before_the_database(
    owner_client: Client, files: Any
) -> None:
    response = owner_client.post(
        "/library/bulk", {"action": "delete", "ids": ["1\x00"], "next": "/library/\x00"}
    )
    assert response.status_code == 302 and response["Location"] == "/library/"
    assert "not a file" in owner_client.get("/library/").content.decode()


def test_files_being_deleted_are_not_counted_or_listed(
    owner_client: Client, owner: Any, files: Any
) -> None:
    files["Beach.jpg"].deleted_at = timezone.now()
    files["Beach.jpg"].save()
    response = owner_client.get("/library/")
    assert "Beach.jpg" not in names(response)
    assert "used by 4 files" in response.content.decode()
