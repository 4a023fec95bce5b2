"""chats.forms: query strings become the pure MessageFilter; each rule is checked once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from chats.forms import ConversationForm, SearchForm, first_error, search_query
from chats.search.query import MAX_LIMIT, Cursor, MessageFilter


def search(query: str, **kwargs: object) -> SearchForm:
    form = SearchForm(QueryDict(query), owner="7", **kwargs)  # type: ignore[arg-type]
    form.is_valid()
    return form


def test_the_cleaned_query_is_the_message_filter() -> None:
    form = search(
        "chat=Family&sender=Ana&q=+coffee++ten+&date=2024-03-01&from=2024-02-01&to=2024-03-31"
        "&hide_system=on&only_media=1&limit=7"
    )
    assert form.message_filter == MessageFilter(
        owner="7",
        chat="Family",
        sender="Ana",
        q="coffee  ten",
        date=dt.date(2024, 3, 1),
        date_from=dt.date(2024, 2, 1),
        date_to=dt.date(2024, 3, 31),
        hide_system=True,
        only_media=True,
        limit=7,
    )
    assert form.message_filter.words == ("coffee", "ten")


@pytest.mark.parametrize(
    ("value", "on"),
    [
        ("1", True),
        ("on", True),
        ("TRUE", True),
        ("yes", True),
        ("0", False),
        ("no", False),
        ("", False),
        ("off", False),
    ],
)
def test_flags_are_on_only_for_the_words_that_say_so(value: str, on: bool) -> None:
    assert search(f"hide_system={value}").message_filter.hide_system is on


def test_no_limit_is_the_page_size_and_a_page_may_cap_it() -> None:
    assert search("").message_filter.limit == 200
    assert search("limit=5000").message_filter.limit == MAX_LIMIT
    assert search("", page_size=50).message_filter.limit == 50
    assert search("limit=500", page_size=50, page_size_is_max=True).message_filter.limit == 50


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=x", "limit: not a whole number"),
        ("limit=0", "limit: must be at least 1"),
        ("date=2024-13-01", "date: not a date; use YYYY-MM-DD"),
        ("from=2024-03-02&to=2024-03-01", "from: must not be after to"),
        ("q=" + "+".join("w" * 33), "q: search for at most 32 words"),
        ("cursor=abc", "cursor: Invalid cursor: not a cursor token"),
        ("sender=a%00b", "sender: Null characters are not allowed"),
    ],
)
def test_a_bad_parameter_is_named_with_the_reason(query: str, error: str) -> None:
    form = search(query)
    assert not form.is_valid()
    assert first_error(form) == error


def test_the_newest_first_order_is_the_pages_own() -> None:
    assert search("q=x", newest_first=True).message_filter.newest_first
    assert not search("q=x").message_filter.newest_first


@settings(max_examples=60, deadline=None)
@given(
    chat=st.text(max_size=20),
    q=st.text(max_size=30),
    day=st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    hide_system=st.booleans(),
)
def test_a_link_made_from_a_filter_reads_back_as_the_same_filter(
    chat: str, q: str, day: dt.date | None, hide_system: bool
) -> None:
    if "\x00" in chat + q:
        return  # refused (a test above)
    f = MessageFilter(
        owner="7",
        chat=chat.strip(),
        q=q.strip(),
        date=day,
        hide_system=hide_system,
        cursor=Cursor("2024-01-01", "2024-01-01T10:00:00", "m").encode(),
    )
    again = search(search_query(f))
    assert again.is_valid(), again.errors
    assert again.message_filter == f


def test_the_conversation_form_checks_its_cursor_and_direction() -> None:
    good = Cursor("2024-01-01", "2024-01-01T10:00:00", "m").encode()
    form = ConversationForm(QueryDict(f"chat=Family&cursor={good}&dir=newer"))
    assert form.is_valid()
    assert (form.cleaned_data["cursor"], form.cleaned_data["dir"]) == (good, "newer")
    assert ConversationForm(QueryDict("chat=Family")).is_valid()
    for bad in ("cursor=nope", "dir=sideways"):
        form = ConversationForm(QueryDict(f"chat=Family&{bad}"))
        assert not form.is_valid()
        assert form.cleaned_data["chat"] == "Family"
    assert "chat" in ConversationForm(QueryDict("")).errors
