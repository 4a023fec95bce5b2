"""The problems card: photo uploads that failed or were rejected, with their reasons, until the
owner dismisses them; a new problem brings the card back with only what is new."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ingestion.models import Status, StoredObject
from tests.factories.gallery import upload_photo

pytestmark = pytest.mark.django_db


def problem(owner: Any, name: str, status: str = Status.REJECTED, reason: str = "") -> Any:
    obj = upload_photo(owner, b"not a photo", name)
    obj.mark(status, reason or f"Not a usable photo: {name} is not an image.")
    return obj


def card(html: str) -> str:
    found = re.search(r'<section class="problems".*?</section>', html, re.S)
    return found.group(0) if found else ""


def dismiss(client: Any, html: str) -> Any:
    (until,) = re.findall(r'name="until" value="([^"]+)"', card(html))
    return client.post("/photos/problems/dismiss", {"until": until})


def test_failed_and_rejected_uploads_are_listed_with_their_reasons(
    owner: Any, owner_client: Any
) -> None:
    problem(owner, "notes.jpg")
    problem(owner, "big.heic", Status.FAILED, "The worker ran out of memory.")
    upload_photo(owner, b"still waiting", "fresh.jpg")

    shown = card(owner_client.get("/photos/").content.decode())

    assert "Problems with 2 photos" in shown
    assert "notes.jpg" in shown and "Not a usable photo: notes.jpg is not an image." in shown
    assert "big.heic" in shown and "The worker ran out of memory." in shown
    assert "fresh.jpg" not in shown  # still processing: a placeholder, not a problem


def test_no_problems_no_card(owner: Any, owner_client: Any) -> None:
    assert card(owner_client.get("/photos/").content.decode()) == ""


def test_dismissed_problems_stay_dismissed(owner: Any, owner_client: Any, client: Any) -> None:
    problem(owner, "notes.jpg")

    response = dismiss(owner_client, owner_client.get("/photos/").content.decode())

    assert response.status_code == 302 and response["Location"] == "/photos/"
    client.force_login(owner)  # another visit, another session
    assert card(client.get("/photos/").content.decode()) == ""


def test_a_new_problem_brings_the_card_back_with_only_what_is_new(
    owner: Any, owner_client: Any
) -> None:
    problem(owner, "notes.jpg")
    dismiss(owner_client, owner_client.get("/photos/").content.decode())
    later = problem(owner, "scan.jpg")
    StoredObject.objects.filter(pk=later.pk).update(
        updated_at=timezone.now() + timedelta(seconds=1)
    )

    shown = card(owner_client.get("/photos/").content.decode())

    assert "Problems with 1 photo" in shown
    assert "scan.jpg" in shown and "notes.jpg" not in shown


def test_a_problem_that_came_after_the_page_was_shown_is_not_dismissed_with_it(
    owner: Any, owner_client: Any
) -> None:
    first = problem(owner, "notes.jpg")
    page = owner_client.get("/photos/").content.decode()
    second = problem(owner, "scan.jpg")
    StoredObject.objects.filter(pk=second.pk).update(
        updated_at=first.updated_at + timedelta(seconds=5)
    )

    dismiss(owner_client, page)

    shown = card(owner_client.get("/photos/").content.decode())
    assert "scan.jpg" in shown and "notes.jpg" not in shown


def test_one_owners_dismissal_leaves_anothers_card(
    owner: Any, stranger: Any, owner_client: Any, client: Any
) -> None:
    problem(owner, "notes.jpg")
    problem(stranger, "theirs.jpg")
    dismiss(owner_client, owner_client.get("/photos/").content.decode())
    client.force_login(stranger)

    assert "theirs.jpg" in card(client.get("/photos/").content.decode())


def test_dismissing_from_the_page_script_answers_without_a_redirect(
    owner: Any, owner_client: Any
) -> None:
    problem(owner, "notes.jpg")
    html = owner_client.get("/photos/").content.decode()
    (until,) = re.findall(r'name="until" value="([^"]+)"', card(html))

    response = owner_client.post("/photos/problems/dismiss", {"until": until, "fragment": "1"})

    assert response.status_code == 204


def test_a_bad_dismissal_is_a_400(owner_client: Any) -> None:
    response = owner_client.post("/photos/problems/dismiss", {"until": "yesterday"})

    assert response.status_code == 400
