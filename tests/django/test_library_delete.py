"""Deleting from the library: one file or a selection, always through
``ingestion.deletion.request_delete``, only ever the signed-in owner's files."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ingestion import bulk, deletion, storage
from ingestion.models import StoredObject
from tests.factories.library import carry_out_deletions, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids handed to request_delete, which still does its work."""
    seen: list[int] = []
    real = deletion.request_delete

    def spy(obj: StoredObject) -> None:
        seen.append(obj.pk)
        real(obj)

    monkeypatch.setattr(deletion, "request_delete", spy)
    return seen


def test_bulk_delete_removes_the_owners_selection_and_nothing_else(
    owner: Any, stranger: Any, requested: list[int]
) -> None:
    a, b, kept = (stored(owner, n) for n in ("a.pdf", "b.pdf", "kept.pdf"))
    theirs = stored(stranger, "theirs.pdf")
    deleted = bulk.delete_objects(owner, [a.pk, b.pk, theirs.pk])
    assert sorted(d.id for d in deleted) == sorted([a.pk, b.pk])
    assert sorted(requested) == sorted([a.pk, b.pk])
    assert sorted(carry_out_deletions()) == sorted([a.pk, b.pk])
    assert set(StoredObject.objects.values_list("pk", flat=True)) == {kept.pk, theirs.pk}
    assert not storage.exists(a.key) and not storage.exists(b.key)
    assert storage.exists(kept.key) and storage.exists(theirs.key)


def test_request_delete_hides_the_object_before_it_is_gone(owner: Any) -> None:
    """deleted_at is recorded first (the row a broker outage leaves); the file goes later."""
    obj = stored(owner, "a.pdf")
    deletion.request_delete(obj)
    assert StoredObject.objects.get(pk=obj.pk).deleted_at is not None
    assert storage.exists(obj.key)
    assert not StoredObject.objects.owned_by(owner).exists()


def test_objects_with_a_recorded_delete_are_gone_for_their_owner(
    owner_client: Client, owner: Any
) -> None:
    """A delete that is recorded but not yet carried out (the task is queued) already hides
    the file: not listed, not downloadable, not selectable again."""
    obj = stored(owner, "going.pdf")
    StoredObject.objects.filter(pk=obj.pk).update(deleted_at=timezone.now())
    assert "going.pdf" not in owner_client.get("/library/").content.decode()
    assert owner_client.get(f"/library/{obj.pk}/download").status_code == 404
    assert owner_client.get(f"/library/{obj.pk}/delete").status_code == 404
    assert bulk.delete_objects(owner, [obj.pk]) == []


def test_single_delete_goes_through_request_delete(
    owner_client: Client, owner: Any, requested: list[int]
) -> None:
    obj = stored(owner, "old.pdf")
    response = owner_client.post(f"/library/{obj.pk}/delete")
    assert response.status_code == 302
    assert requested == [obj.pk]
    assert carry_out_deletions() == [obj.pk]
    assert not StoredObject.objects.filter(pk=obj.pk).exists()


def test_bulk_delete_asks_first_then_deletes_and_returns_to_the_same_view(
    owner_client: Client, owner: Any, requested: list[int]
) -> None:
    a, b = stored(owner, "a.pdf"), stored(owner, "b.csv", kind="csv")
    ask = owner_client.post(
        "/library/bulk", {"action": "delete", "ids": [a.pk, b.pk], "next": "/library/?sort=name"}
    )
    page = ask.content.decode()
    assert ask.status_code == 200
    assert "Delete 2 files?" in page and "a.pdf" in page and "b.csv" in page
    assert requested == []
    done = owner_client.post(
        "/library/bulk",
        {"action": "delete", "ids": [a.pk, b.pk], "confirm": "1", "next": "/library/?sort=name"},
    )
    assert done.status_code == 302 and done["Location"] == "/library/?sort=name"
    assert sorted(requested) == sorted([a.pk, b.pk])
    listing = owner_client.get("/library/?sort=name").content.decode()
    assert "Deleted 2 files." in listing


def test_bulk_delete_never_redirects_off_the_library(owner_client: Client, owner: Any) -> None:
    obj = stored(owner, "a.pdf")
    for target in ("https://evil.example/", "//evil.example/library/", "/admin/"):
        response = owner_client.post(
            "/library/bulk", {"action": "delete", "ids": [obj.pk], "confirm": "1", "next": target}
        )
        assert response["Location"] == "/library/", target
        obj = stored(owner, "a.pdf")


def test_bulk_delete_of_a_strangers_ids_deletes_nothing(
    client: Client, stranger: Any, owner: Any, requested: list[int]
) -> None:
    obj = stored(owner, "secret.pdf")
    client.force_login(stranger)
    response = client.post("/library/bulk", {"action": "delete", "ids": [obj.pk], "confirm": "1"})
    assert response.status_code == 302
    assert requested == []
    assert StoredObject.objects.filter(pk=obj.pk).exists()
    assert "Nothing was selected" in client.get("/library/").content.decode()
