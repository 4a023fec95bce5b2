"""`GET /api/chats`: the signed-in owner's messages as JSON, keyset-paginated."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from chats.search.engines import Cursor
from tests.django.test_chat_pages import family_chat, msg, write_silver

pytestmark = pytest.mark.django_db

URL = "/api/chats"
START = datetime(2024, 1, 1, 6, 0)


def many(owner: Any, count: int, chat: str = "Log") -> list[dict[str, Any]]:
    # Three messages share each timestamp, so the message id has to break ties.
    return [
        msg(
            owner,
            chat,
            START + timedelta(hours=5 * (i // 3)),
            "Bot",
            f"ping {i}",
            message_id=f"id-{(i * 7919) % count:05d}",
        )
        for i in range(count)
    ]


def test_url_is_named() -> None:
    assert reverse("chats:api-messages") == URL


def test_results_have_the_documented_fields(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    response = owner_client.get(URL, {"chat": "Family", "sender": "Bruno", "q": "coffee"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["next_cursor"] is None
    [row] = data["results"]
    assert set(row) == {
        "message_id",
        "chat",
        "date",
        "time",
        "ts",
        "sender",
        "message",
        "word_count",
    }
    assert row["chat"] == "Family"
    assert row["date"] == "2024-03-01"
    assert row["time"] == "09:06:30"
    assert row["ts"] == "2024-03-01T09:06:30"
    assert row["sender"] == "Bruno"
    assert row["message"] == "Morning! Coffee at ten?"
    assert row["word_count"] == 4


def test_date_and_range_filters(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))

    def count(**params: str) -> int:
        response = owner_client.get(URL, params)
        assert response.status_code == 200, response.content
        return len(response.json()["results"])

    assert count() == 6
    assert count(date="2024-03-01") == 3
    assert count(**{"from": "2024-03-02"}) == 3
    assert count(**{"from": "2024-03-02", "to": "2024-03-03"}) == 2
    assert count(to="2024-03-01") == 3


def test_limit_defaults_to_200_and_is_at_most_1000(owner_client: Any, owner: Any) -> None:
    write_silver(many(owner, 1200))
    first = owner_client.get(URL).json()
    assert len(first["results"]) == 200
    assert first["next_cursor"]
    assert len(owner_client.get(URL, {"limit": "7"}).json()["results"]) == 7
    assert len(owner_client.get(URL, {"limit": "5000"}).json()["results"]) == 1000


def test_cursor_pagination_returns_every_row_once_in_order(owner_client: Any, owner: Any) -> None:
    rows = many(owner, 257)
    write_silver(rows)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
        data = owner_client.get(URL, params).json()
        seen.extend(r["message_id"] for r in data["results"])
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert pages == 6
    expected = [r["message_id"] for r in sorted(rows, key=lambda r: (r["ts"], r["message_id"]))]
    assert seen == expected


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"date": "2024-02-30"}, "date: not a date; use YYYY-MM-DD"),
        ({"from": "yesterday"}, "from: not a date; use YYYY-MM-DD"),
        ({"to": "2024/01/01"}, "to: not a date; use YYYY-MM-DD"),
        ({"from": "2024-02-01", "to": "2024-01-01"}, "from: must not be after to"),
        ({"limit": "ten"}, "limit: not a whole number"),
        ({"limit": "1e3"}, "limit: not a whole number"),
        ({"limit": "9" * 5000}, "limit: not a whole number"),
        ({"limit": "0"}, "limit: must be at least 1"),
        ({"limit": "-5"}, "limit: must be at least 1"),
        ({"chat": "Family\x00"}, "chat: Null characters are not allowed"),
        ({"q": "a\x00b"}, "q: Null characters are not allowed"),
        ({"chat": "x" * 201}, "chat: Ensure this value has at most 200 characters"),
        ({"cursor": "not-a-cursor"}, "cursor: Invalid cursor"),
        ({"cursor": Cursor("2024-01-01", "x", "id").encode()}, "cursor: Invalid cursor"),
        ({"q": " ".join(f"w{i}" for i in range(40))}, "q: search for at most 32 words"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_error(
    owner_client: Any, owner: Any, params: dict[str, str], fragment: str
) -> None:
    write_silver(family_chat(owner))
    response = owner_client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert fragment in error
    assert "Traceback" not in error and "Error" not in error  # a plain message


def test_signed_out_is_401_json(client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"error": "authentication required"}


def test_bearer_token_that_is_not_valid_is_401(client: Any) -> None:
    response = client.get(URL, HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401


def test_only_get(owner_client: Any) -> None:
    assert owner_client.post(URL).status_code == 405


def test_another_users_messages_never_appear(client: Any, owner: Any, stranger: Any) -> None:
    write_silver([*family_chat(owner), msg(stranger, "Mine", "2024-03-01 12:00", "Mal", "hi")])
    client.force_login(stranger)
    for params in (
        {},
        {"chat": "Family"},
        {"q": "morning"},
        {"sender": "Ana"},
        {"date": "2024-03-01"},
        {"owner": str(owner.pk)},  # not a parameter: the owner is always the signed-in user
        {"chat": "Family", "owner": str(owner.pk)},
    ):
        results = client.get(URL, params).json()["results"]
        assert all(r["chat"] == "Mine" for r in results), params
    client.force_login(owner)
    assert len(client.get(URL, {"chat": "Family"}).json()["results"]) == 6


def test_duckdb_with_a_bucket_is_a_503_with_the_reason(owner_client: Any, settings: Any) -> None:
    settings.STORAGE_BUCKET = "my-bucket"
    response = owner_client.get(URL)
    assert response.status_code == 503
    assert "CHATS_ENGINE=athena" in response.json()["error"]
