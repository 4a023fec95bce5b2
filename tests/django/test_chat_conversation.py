"""The conversation page: parts added in place, a date to jump to, "me" remembered per chat,
media icons and photos from the same export, search words highlighted."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from chats.models import ChatExport, ChatReader
from chats.pipeline import rename_chat
from gallery.models import Photo
from ingestion.models import Status, StoredObject
from tests.django.test_chat_pages import bubbles_of, family_chat, make_photo, msg, write_silver

pytestmark = pytest.mark.django_db

URL = reverse("chats:conversation")


def long_chat(owner: Any, n: int = 320) -> list[dict[str, Any]]:
    start = datetime(2024, 1, 1, 8, 0)
    return [
        msg(
            owner,
            "Long",
            start + timedelta(minutes=37 * i),
            ["Ana", "Bruno", "Ana"][i % 3],
            f"line {i}",
            message_id=f"m{i:04d}",
        )
        for i in range(n)
    ]


def mine(html: str) -> set[str]:
    return set(re.findall(r'class="msg\b[^"]*\bmine\b[^"]*" id="m-([^"]+)"', html))


def test_a_part_holds_the_messages_and_the_next_link_only(owner_client: Any, owner: Any) -> None:
    write_silver(long_chat(owner))
    page = owner_client.get(URL, {"chat": "Long"}).content.decode()
    older = re.search(r'href="([^"]+)" data-load="older"', page)
    assert older is not None
    part = owner_client.get(older.group(1).replace("&amp;", "&") + "&part=1").content.decode()
    assert "<html" not in part and "<header" not in part
    assert bubbles_of(part) == [f"m{i:04d}" for i in range(20, 170)]
    assert 'data-load="older"' in part and 'data-load="newer"' not in part
    assert part.count('class="convo-day"') == len(set(re.findall(r'data-date="([^"]+)"', part)))


def test_a_date_opens_at_the_first_message_of_that_day(owner_client: Any, owner: Any) -> None:
    write_silver(long_chat(owner))
    html = owner_client.get(URL, {"chat": "Long", "date": "2024-01-03"}).content.decode()
    first_of_day = "m0065"  # 2024-01-03 00:05: 65 steps of 37 minutes after 1 January, 08:00
    assert re.search(rf'class="msg[^"]* anchor[^"]*" id="m-{first_of_day}"', html)
    assert f'data-anchor="m-{first_of_day}"' in html
    assert 'data-load="older"' in html and 'data-load="newer"' in html


def test_a_date_after_the_last_message_opens_at_the_last(owner_client: Any, owner: Any) -> None:
    write_silver(long_chat(owner))
    html = owner_client.get(URL, {"chat": "Long", "date": "2030-01-01"}).content.decode()
    assert 'data-anchor="m-m0319"' in html


def test_a_bad_date_says_so(owner_client: Any, owner: Any) -> None:
    write_silver(long_chat(owner))
    response = owner_client.get(URL, {"chat": "Long", "date": "3 March"})
    assert response.status_code == 400
    assert "not a date" in response.content.decode()


def test_me_is_guessed_as_the_most_active_sender(owner_client: Any, owner: Any) -> None:
    write_silver(long_chat(owner, 30))
    html = owner_client.get(URL, {"chat": "Long"}).content.decode()
    assert mine(html) == {f"m{i:04d}" for i in range(30) if i % 3 != 1}  # Ana's
    assert "a guess; choose to keep it" in html


def test_me_is_guessed_from_the_account_name(owner_client: Any, owner: Any) -> None:
    owner.first_name = "bruno"
    owner.save()
    write_silver(long_chat(owner, 30))
    html = owner_client.get(URL, {"chat": "Long"}).content.decode()
    assert mine(html) == {f"m{i:04d}" for i in range(30) if i % 3 == 1}  # Bruno's


def test_me_is_remembered_per_chat(owner_client: Any, owner: Any, stranger: Any) -> None:
    write_silver([*long_chat(owner, 30), *family_chat(owner)])
    response = owner_client.post(reverse("chats:reader"), {"chat": "Long", "me": "Bruno"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?chat=Long"
    html = owner_client.get(URL, {"chat": "Long"}).content.decode()
    assert mine(html) == {f"m{i:04d}" for i in range(30) if i % 3 == 1}
    assert "shown on the right" in html
    # Another chat keeps its own guess; "Nobody" is remembered too.
    assert mine(owner_client.get(URL, {"chat": "Family"}).content.decode())
    owner_client.post(reverse("chats:reader"), {"chat": "Family", "me": ""})
    assert not mine(owner_client.get(URL, {"chat": "Family"}).content.decode())
    assert mine(owner_client.get(URL, {"chat": "Long"}).content.decode())


def test_remembering_me_needs_a_post(owner_client: Any, owner: Any) -> None:
    assert owner_client.get(reverse("chats:reader"), {"chat": "Long", "me": "x"}).status_code == 405


def test_search_words_are_highlighted_in_the_conversation(owner_client: Any, owner: Any) -> None:
    write_silver(
        [
            msg(owner, "Trip", "2024-05-01 10:00", "Ana", "Meet João at the station"),
            msg(owner, "Trip", "2024-05-01 10:05", "Bruno", "OK", message_id="other"),
        ]
    )
    target = next(
        m
        for m in bubbles_of(owner_client.get(URL, {"chat": "Trip"}).content.decode())
        if m != "other"
    )
    html = owner_client.get(URL, {"chat": "Trip", "at": target, "q": "joao"}).content.decode()
    assert "<mark>João</mark>" in html


def test_media_get_icons_not_glyphs(owner_client: Any, owner: Any) -> None:
    write_silver(
        [
            msg(owner, "M", "2024-05-01 10:00", "Ana", "\u200eimage omitted", media=True),
            msg(owner, "M", "2024-05-01 10:01", "Ana", "<Media omitted>", media=True),
            msg(owner, "M", "2024-05-01 10:02", "Ana", "<attached: PTT-1.opus>", media=True),
            msg(owner, "M", "2024-05-01 10:03", "Ana", "<attached: plan.pdf>", media=True),
        ]
    )
    html = owner_client.get(URL, {"chat": "M"}).content.decode()
    assert "⎘" not in html and "▣" not in html
    assert html.count('<svg class="media-icon"') == 4
    assert "Photo not included in the export" in html
    assert "Media not included in the export" in html
    assert "PTT-1.opus" in html and "plan.pdf" in html


def test_a_photo_from_the_same_export_is_shown_as_its_thumbnail(
    owner_client: Any, owner: Any
) -> None:
    elsewhere = make_photo(owner, "IMG-20240302-WA0001.jpg")
    zipped = StoredObject.objects.create(
        owner=owner,
        bucket="local",
        key="uploads-landing/1/z/Family.zip",
        etag="z",
        kind="zip",
        original_name="WhatsApp Chat with Family.zip",
        status=Status.DONE,
    )
    chat_file = StoredObject.objects.create(
        owner=owner,
        bucket="local",
        key="raw-whatsapp-uploads/1/c/chat.txt",
        etag="c",
        kind="chat",
        original_name="WhatsApp Chat with Family.txt",
        status=Status.DONE,
        source=zipped,
    )
    ChatExport.objects.create(owner=owner, source=chat_file, chat_name="Family")
    member = StoredObject.objects.create(
        owner=owner,
        bucket="local",
        key="raw-photos/1/p/IMG-20240302-WA0001.jpg",
        etag="p",
        kind="photo",
        original_name="IMG-20240302-WA0001.jpg",
        status=Status.DONE,
        source=zipped,
    )
    same = Photo.objects.create(
        source=member,
        owner=owner,
        content_hash="same",
        thumbnail_key="t2.jpg",
        width=400,
        height=300,
    )
    write_silver(family_chat(owner))
    html = owner_client.get(URL, {"chat": "Family"}).content.decode()
    link = reverse("gallery:photo", args=[same.pk])
    found = re.search(rf'<a class="att-photo" href="{link}"[^>]*><img src="([^"]+)"[^>]*>', html)
    assert found is not None
    assert 'width="220" height="165"' in found.group(0)
    assert reverse("gallery:photo", args=[elsewhere.pk]) not in html


def test_a_renamed_chat_keeps_who_me_is(owner_client: Any, owner: Any) -> None:
    write_silver(long_chat(owner, 30))
    owner_client.post(reverse("chats:reader"), {"chat": "Long", "me": "Bruno"})
    rename_chat(owner.pk, "Long", "Longer")
    assert ChatReader.objects.get(owner=owner).chat == "Longer"
