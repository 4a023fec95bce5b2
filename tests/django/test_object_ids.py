"""``?ids=`` is read by one form (ingestion.forms.ObjectIdsForm) for every API that takes it."""

from __future__ import annotations

from typing import Any

import pytest

from ingestion import storage
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated

pytestmark = pytest.mark.django_db

APIS = ["/api/objects", "/api/photos/pending"]
NOT_NUMBERS = "ids: Expected numbers separated by commas, e.g. ids=4,8,15."


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ("1,two,3", NOT_NUMBERS),
        ("1,-2", NOT_NUMBERS),
        ("1\x002", NOT_NUMBERS),
        (",".join(["7"] * 201), "ids: At most 200 ids at a time."),
    ],
)
def test_bad_ids_are_refused_in_words(owner_client: Any, api: str, ids: str, message: str) -> None:
    response = owner_client.get(api, {"ids": ids})

    assert response.status_code == 400
    assert response.json() == {"error": message}


@pytest.mark.parametrize("api", APIS)
def test_no_ids_ask_about_nothing(owner_client: Any, api: str) -> None:
    response = owner_client.get(api)

    assert response.status_code == 200
    assert response.json() == {"objects": []}


def test_ids_name_only_the_callers_objects(owner_client: Any, owner: Any, stranger: Any) -> None:
    mine = dispatch(ObjectCreated("local", f"misc/{owner.pk}/u/a.txt", 1, "e1"))
    theirs = dispatch(ObjectCreated("local", f"misc/{stranger.pk}/u/b.txt", 1, "e2"))
    assert mine is not None and theirs is not None
    storage.save_bytes(mine.key, b"a")

    response = owner_client.get("/api/objects", {"ids": f"{mine.pk}, {theirs.pk}"})

    assert [o["id"] for o in response.json()["objects"]] == [mine.pk]
