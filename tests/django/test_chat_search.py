"""The search page: accents and case ignored, a total, senders to choose from, one date range,
filters that fold, links that carry the words into the conversation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from tests.django.test_chat_pages import family_chat, msg, text_of, write_silver

pytestmark = pytest.mark.django_db

URL = reverse("chats:search")


def trip(owner: Any) -> list[dict[str, Any]]:
    return [
        msg(owner, "Trip", "2024-05-01 10:00", "João", "Bom dia! Café às 9?"),
        msg(owner, "Trip", "2024-05-01 10:05", "Zoë", "Joao, the CAFE is closed"),
        msg(owner, "Trip", "2024-05-01 10:07", "Ana", "cafe elsewhere then"),
    ]


def hits(body: str) -> list[str]:
    return re.findall(r'<li class="hit', body)


def test_words_ignore_accents_and_case(owner_client: Any, owner: Any) -> None:
    write_silver(trip(owner))
    body = owner_client.get(URL, {"q": "CAFE"}).content.decode()
    assert len(hits(body)) == 3
    assert "<mark>Café</mark>" in body and "<mark>CAFE</mark>" in body
    body = owner_client.get(URL, {"q": "café"}).content.decode()
    assert len(hits(body)) == 3


def test_senders_ignore_accents_and_case(owner_client: Any, owner: Any) -> None:
    write_silver(trip(owner))
    for name in ("joao", "JOÃO", "João"):
        body = owner_client.get(URL, {"sender": name}).content.decode()
        assert len(hits(body)) == 1 and "Bom dia!" in body
    assert len(hits(owner_client.get(URL, {"sender": "zoe"}).content.decode())) == 1


def test_the_first_page_says_how_many_of_all_matches(owner_client: Any, owner: Any) -> None:
    start = datetime(2024, 1, 1, 8, 0)
    write_silver(
        [msg(owner, "Log", start + timedelta(hours=i), "Bot", f"ping {i}") for i in range(183)]
    )
    body = owner_client.get(URL, {"q": "PING"}).content.decode()
    assert "50 of 183 matches" in " ".join(text_of_body(body).split())
    older = re.search(r'href="\?([^"]+)">Older matches', body)
    assert older is not None
    second = owner_client.get(URL + "?" + unescape(older.group(1))).content.decode()
    assert len(hits(second)) == 50
    assert "Matches 51–100 of 183" in " ".join(text_of_body(second).split())


def text_of_body(body: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", body))


def test_one_match_is_singular(owner_client: Any, owner: Any) -> None:
    write_silver(trip(owner))
    text = " ".join(text_of(owner_client.get(URL, {"q": "bom"})).split())
    assert "1 of 1 match," in text


def test_a_chats_senders_are_offered_in_a_select(owner_client: Any, owner: Any) -> None:
    write_silver([*trip(owner), *family_chat(owner)])
    body = owner_client.get(URL, {"chat": "Family"}).content.decode()
    select = re.search(r'<select id="id_sender" name="sender">(.*?)</select>', body, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"', select.group(1))
    assert options == ["", "Ana", "Bruno", "Carla"]  # anyone, then the most active first


def test_all_chats_offer_every_sender_as_suggestions(owner_client: Any, owner: Any) -> None:
    write_silver([*trip(owner), *family_chat(owner)])
    body = owner_client.get(URL, {"q": "x"}).content.decode()
    assert 'list="sender-names"' in body
    datalist = re.search(r'<datalist id="sender-names">(.*?)</datalist>', body, re.S)
    assert datalist is not None
    names = re.findall(r'<option value="([^"]*)"', datalist.group(1))
    assert names == ["Ana", "Bruno", "Carla", "João", "Zoë"]


def test_dates_are_one_range_and_a_single_day_fills_both_ends(
    owner_client: Any, owner: Any
) -> None:
    write_silver(family_chat(owner))
    body = owner_client.get(URL, {"date": "2024-03-02"}).content.decode()
    assert 'name="date"' not in body
    assert re.search(r'id="id_from" type="date" name="from" value="2024-03-02"', body)
    assert re.search(r'id="id_to" type="date" name="to" value="2024-03-02"', body)
    assert len(hits(body)) == 1


def test_filters_fold_and_say_how_many_are_on(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    body = owner_client.get(URL, {"chat": "Family", "sender": "Ana", "hide_system": "1"})
    html = body.content.decode()
    assert '<details class="filters" data-fold-narrow data-active>' in html
    assert '<span class="filter-count">3 on</span>' in html
    assert "<details" in owner_client.get(URL).content.decode()


def test_a_hit_opens_the_conversation_with_the_words(owner_client: Any, owner: Any) -> None:
    write_silver(trip(owner))
    body = owner_client.get(URL, {"q": "joao cafe"}).content.decode()
    link = re.search(r'class="hit-open" href="([^"]+)"', body)
    assert link is not None
    conversation = owner_client.get(unescape(link.group(1)).split("#")[0]).content.decode()
    assert "<mark>Joao</mark>" in conversation and "<mark>CAFE</mark>" in conversation


def test_a_total_over_the_count_limit_says_over(
    owner_client: Any, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chats.views.COUNT_LIMIT", 20)
    monkeypatch.setattr("chats.search.engines.count_messages", limited(20))
    start = datetime(2024, 1, 1, 8, 0)
    write_silver(
        [msg(owner, "Log", start + timedelta(hours=i), "Bot", f"ping {i}") for i in range(80)]
    )
    text = " ".join(text_of(owner_client.get(URL, {"q": "ping"})).split())
    assert "50 of over 20 matches" in text


def limited(at_most: int) -> Any:
    from chats.search import sql

    return lambda dialect, f: sql.count_messages(dialect, f, at_most=at_most)
