"""The chat pages over small silver datasets, written with pyarrow as the silver job does."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.urls import reverse

from chats.lake.files import FILE_SCHEMA
from chats.presenters import sender_hues
from chats.search.backend import ChatsUnavailable, get_engine
from chats.search.duckdb_engine import DuckDBEngine
from chats.search.engines import AthenaEngine
from gallery.models import Photo
from ingestion.models import Status, StoredObject

pytestmark = pytest.mark.django_db


def msg(
    owner: Any,
    chat: str,
    ts: str | datetime,
    sender: str | None,
    text: str,
    *,
    media: bool = False,
    message_id: str | None = None,
) -> dict[str, Any]:
    """One silver row; `sender=None` makes a system message."""
    when = ts if isinstance(ts, datetime) else datetime.fromisoformat(ts)
    owner_id = str(owner.pk if hasattr(owner, "pk") else owner)
    return {
        "message_id": message_id
        or hashlib.sha256(f"{owner_id}|{chat}|{when}|{text}".encode()).hexdigest()[:32],
        "owner": owner_id,
        "chat": chat,
        "ts": when,
        "time": when.strftime("%H:%M:%S"),
        "sender": sender,
        "message": text,
        "word_count": len(text.split()),
        "is_system": sender is None,
        "has_media": media,
        "source_file": f"bronze/whatsapp/owner={owner_id}/export.txt",
    }


def write_silver(rows: Iterable[dict[str, Any]], storage_root: Path | None = None) -> None:
    """Write rows as `silver/whatsapp/date=YYYY-MM-DD/part-<owner>.parquet` under the storage."""
    root = Path(storage_root or settings.LOCAL_STORAGE_DIR) / "silver" / "whatsapp"
    parts: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        parts.setdefault((row["ts"].date().isoformat(), row["owner"]), []).append(row)
    for (day, owner_id), part in parts.items():
        folder = root / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(part, schema=FILE_SCHEMA)
        pq.write_table(table, folder / f"part-{owner_id}.parquet", compression="snappy")


def family_chat(owner: Any) -> list[dict[str, Any]]:
    return [
        msg(owner, "Family", "2024-03-01 09:00:00", None, 'Ana created group "Family"'),
        msg(owner, "Family", "2024-03-01 09:05:00", "Ana", "Good morning everyone!"),
        msg(owner, "Family", "2024-03-01 09:06:30", "Bruno", "Morning! Coffee at ten?"),
        msg(
            owner,
            "Family",
            "2024-03-02 18:45:00",
            "Ana",
            "IMG-20240302-WA0001.jpg (file attached)\nLook at this",
            media=True,
        ),
        msg(owner, "Family", "2024-03-03 21:10:00", "Bruno", "<Media omitted>", media=True),
        msg(owner, "Family", "2024-04-10 07:30:00", "Carla", "See you at the station"),
    ]


def text_of(response: Any) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_without_chats_the_list_explains_exporting_and_links_to_upload(owner_client: Any) -> None:
    response = owner_client.get(reverse("chats:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "No chats yet" in body
    assert "Export chat" in body and "Export Chat" in body  # Android and iPhone
    assert f'href="{reverse("upload")}"' in body


def test_nav_links_to_chats(owner_client: Any) -> None:
    response = owner_client.get(reverse("library"))
    assert f'href="{reverse("chats:index")}"' in response.content.decode()


def test_list_shows_participants_counts_and_date_span(owner_client: Any, owner: Any) -> None:
    write_silver(
        [*family_chat(owner), msg(owner, "Work", "2023-12-01 10:00", "Dora", "Report due")]
    )
    response = owner_client.get(reverse("chats:index"))
    assert response.status_code == 200
    text = text_of(response)
    assert text.index("Family") < text.index("Work")  # latest activity first
    assert "Ana, Bruno, Carla" in text
    assert "6 messages" in " ".join(text.split())
    assert "2024-03-01 → 2024-04-10" in text
    assert "10 Apr 2024, 07:30" in text


def test_list_shows_chat_uploads_still_processing(owner_client: Any, owner: Any) -> None:
    StoredObject.objects.create(
        owner=owner,
        bucket="local",
        key="raw-whatsapp-uploads/1/x/chat.txt",
        etag="e",
        kind="chat",
        original_name="WhatsApp Chat with Ana.txt",
        status=Status.REJECTED,
        reason="Not a WhatsApp chat export",
    )
    body = owner_client.get(reverse("chats:index")).content.decode()
    assert "WhatsApp Chat with Ana.txt" in body and "Not a WhatsApp chat export" in body


def test_search_groups_by_day_and_highlights_every_word(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    response = owner_client.get(reverse("chats:search"), {"q": "MORNING"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<mark>morning</mark>" in body and "<mark>Morning</mark>" in body
    assert "Friday, 1 March 2024" in body
    assert "station" not in body
    link = reverse("chats:conversation") + "?chat=Family&amp;at="
    assert body.count(link) == 2


def test_search_escapes_markup_before_highlighting(owner_client: Any, owner: Any) -> None:
    write_silver(
        [
            msg(owner, "Family", "2024-03-01 10:00", "Eve", "<script>alert('x')</script> hello"),
            msg(owner, "Family", "2024-03-01 10:01", "Eve", "fish & chips, amp it up <b>lt</b>"),
        ]
    )
    body = owner_client.get(reverse("chats:search"), {"q": "hello"}).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>hello</mark>" in body
    # Words that also occur in entity names never cut into an entity.
    body = owner_client.get(reverse("chats:search"), {"q": "amp lt"}).content.decode()
    assert "fish &amp; chips, <mark>amp</mark> it up &lt;b&gt;<mark>lt</mark>&lt;/b&gt;" in body
    assert "<b>lt</b>" not in body


def test_search_filters_sender_dates_system_and_media(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    url = reverse("chats:search")

    def hits(**params: str) -> int:
        response = owner_client.get(url, params)
        assert response.status_code == 200
        body: str = response.content.decode()
        return body.count('<li class="hit')

    assert hits(sender="Ana") == 2
    assert hits(chat="Family", date="2024-03-01") == 3
    assert hits(chat="Family", date="2024-03-01", hide_system="1") == 2
    assert hits(**{"from": "2024-03-02", "to": "2024-03-31"}) == 2
    assert hits(only_media="1") == 2
    assert hits(q="nothing-like-this") == 0


def test_search_shows_attachments_and_omitted_media(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    body = owner_client.get(reverse("chats:search"), {"only_media": "1"}).content.decode()
    assert "IMG-20240302-WA0001.jpg" in body and "Look at this" in body
    assert "(file attached)" not in body
    assert "Media not included in the export" in body


def test_search_refuses_a_bad_date_with_a_message(owner_client: Any) -> None:
    response = owner_client.get(reverse("chats:search"), {"date": "2024-13-45"})
    assert response.status_code == 400
    assert "date: not a date; use YYYY-MM-DD" in text_of(response)


def test_search_without_filters_shows_only_the_form(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    body = owner_client.get(reverse("chats:search")).content.decode()
    assert '<li class="hit' not in body
    assert '<option value="Family">Family</option>' in body


def test_search_pages_with_older_matches_link(owner_client: Any, owner: Any) -> None:
    start = datetime(2024, 1, 1, 8, 0)
    write_silver(
        [msg(owner, "Log", start + timedelta(hours=i), "Bot", f"ping {i}") for i in range(70)]
    )
    response = owner_client.get(reverse("chats:search"), {"q": "ping"})
    body = response.content.decode()
    assert body.count('<li class="hit') == 50
    assert "<mark>ping</mark> 69<" in body and "<mark>ping</mark> 19<" not in body
    older = re.search(r'href="\?([^"]+)">Older matches', body)
    assert older is not None
    second = owner_client.get(reverse("chats:search") + "?" + unescape(older.group(1)))
    assert second.content.decode().count('<li class="hit') == 20
    assert "Older matches" not in second.content.decode()


def bubbles_of(body: str) -> list[str]:
    return re.findall(r'id="m-([^"]+)"', body)


def test_conversation_starts_at_the_latest_page_and_pages_back(
    owner_client: Any, owner: Any
) -> None:
    start = datetime(2024, 1, 1, 8, 0)
    rows = [
        msg(
            owner,
            "Long",
            start + timedelta(minutes=17 * i),
            ["Ana", "Bruno"][i % 2],
            f"line {i}",
            message_id=f"m{i:04d}",
        )
        for i in range(320)
    ]
    write_silver(rows)
    url = reverse("chats:conversation")
    response = owner_client.get(url, {"chat": "Long"})
    assert response.status_code == 200
    body = response.content.decode()
    seen = bubbles_of(body)
    assert seen == [f"m{i:04d}" for i in range(170, 320)]
    assert "Newer messages" not in body
    pages = [seen]
    while (older := re.search(r'href="([^"]+)"[^>]*>↑ Older messages', body)) is not None:
        body = owner_client.get(unescape(older.group(1))).content.decode()
        pages.append(bubbles_of(body))
        assert "Newer messages" in body
    everything = [m for page in reversed(pages) for m in page]
    assert everything == [f"m{i:04d}" for i in range(320)]
    # And forward again from the first page.
    newer = re.search(r'href="([^"]+)"[^>]*>↓ Newer messages', body)
    assert newer is not None
    forward = bubbles_of(owner_client.get(unescape(newer.group(1))).content.decode())
    assert forward == [f"m{i:04d}" for i in range(20, 170)]


def test_conversation_bubbles_system_lines_and_me_on_the_right(
    owner_client: Any, owner: Any
) -> None:
    write_silver(family_chat(owner))
    body = owner_client.get(reverse("chats:conversation"), {"chat": "Family", "me": "Ana"})
    html = body.content.decode()
    assert 'class="sys' in html and "created group" in html
    assert len(re.findall(r'class="msg\b[^"]*\bmine\b', html)) == 2
    assert len(re.findall(r'class="msg[ "]', html)) == 5
    assert "Saturday, 2 March 2024" in html
    assert re.search(r'class="msg[^"]*\bmedia\b', html)
    assert re.search(r'class="msg[^"]* hue-\d+"', html)


def test_conversation_around_a_search_hit_marks_it(owner_client: Any, owner: Any) -> None:
    start = datetime(2024, 1, 1, 8, 0)
    write_silver(
        [
            msg(owner, "Long", start + timedelta(minutes=i), "Ana", f"{i}", message_id=f"m{i:04d}")
            for i in range(200)
        ]
    )
    html = owner_client.get(
        reverse("chats:conversation"), {"chat": "Long", "at": "m0100"}
    ).content.decode()
    ids = bubbles_of(html)
    assert ids[0] == "m0075" and ids[-1] == "m0125"
    assert re.search(r'class="msg[^"]* anchor[^"]*" id="m-m0100"', html)
    assert "Older messages" in html and "Newer messages" in html


def test_conversation_with_a_broken_cursor_says_so(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    response = owner_client.get(reverse("chats:conversation"), {"chat": "Family", "cursor": "bad"})
    assert response.status_code == 400
    assert "not valid" in text_of(response)


def make_photo(user: Any, name: str) -> Photo:
    source = StoredObject.objects.create(
        owner=user,
        bucket="local",
        key=f"raw-photos/{user.pk}/{name}-{Photo.objects.count()}",
        etag=name,
        kind="photo",
        original_name=name,
        status=Status.DONE,
    )
    return Photo.objects.create(
        source=source, owner=user, content_hash=f"{user.pk}-{name}", thumbnail_key="t.jpg"
    )


def test_attachment_links_to_the_owners_photo_of_that_name(
    owner_client: Any, owner: Any, stranger: Any
) -> None:
    mine = make_photo(owner, "IMG-20240302-WA0001.jpg")
    make_photo(stranger, "IMG-20240302-WA0002.jpg")
    write_silver(
        [
            *family_chat(owner),
            msg(
                owner,
                "Family",
                "2024-03-02 18:46",
                "Ana",
                "<attached: IMG-20240302-WA0002.jpg>",
                media=True,
            ),
        ]
    )
    html = owner_client.get(reverse("chats:conversation"), {"chat": "Family"}).content.decode()
    photo_url = reverse("gallery:photo", args=[mine.pk])
    assert f'<a class="att-photo" href="{photo_url}"' in html  # its thumbnail, inline
    # The stranger's photo of the second name is not linked; the name is still shown.
    assert "IMG-20240302-WA0002.jpg" in html
    assert html.count('class="att-photo"') == 1 and 'class="att linked"' not in html


def test_photo_links_cost_one_query_per_page(
    owner_client: Any, owner: Any, django_assert_num_queries: Any
) -> None:
    names = [f"IMG-2024-WA{i:04d}.jpg" for i in range(30)]
    for name in names[:10]:
        make_photo(owner, name)
    start = datetime(2024, 5, 1, 12, 0)
    write_silver(
        [
            msg(
                owner,
                "Pics",
                start + timedelta(minutes=i),
                "Ana",
                f"{n} (file attached)",
                media=True,
            )
            for i, n in enumerate(names)
        ]
    )
    owner_client.get(reverse("chats:conversation"), {"chat": "Pics"})  # session warm-up
    # session, user, who "me" is in the chat, the photos of the page, and the exports being
    # deleted (their rows hidden), asked once for each of the page's two statements
    with django_assert_num_queries(6):
        html = owner_client.get(reverse("chats:conversation"), {"chat": "Pics"}).content.decode()
    assert html.count('class="att-photo"') == 10


def test_stats_draws_the_charts(owner_client: Any, owner: Any) -> None:
    write_silver(family_chat(owner))
    response = owner_client.get(reverse("chats:stats"), {"chat": "Family"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart') == 5
    assert html.count('<svg class="chart bars"') == 3  # the shared bar chart, per sender
    assert html.count('<svg class="legend"') == 1  # what the heatmap's shades mean
    for title in (
        "Messages per sender",
        "Words per sender",
        "Messages per month",
        "Messages by weekday and hour",
        "Media per sender",
    ):
        assert f">{title}</title>" in html
    assert "Ana: 2 messages (" in html  # and her share
    assert "Mar 2024: 5 messages" in html
    assert "Fri 09:00–09:59: 2 messages" in html


def test_stats_of_an_unknown_chat_is_not_found(owner_client: Any) -> None:
    response = owner_client.get(reverse("chats:stats"), {"chat": "Nope"})
    assert response.status_code == 404


def test_another_users_chat_is_invisible_on_every_page(
    client: Any, owner: Any, stranger: Any
) -> None:
    secret = "the-secret-plan"
    write_silver(
        [
            msg(owner, "Family", "2024-03-01 10:00", "Ana", f"This is {secret}", message_id="a1"),
            msg(stranger, "Mallory's", "2024-03-01 11:00", "Mal", "hello", message_id="b1"),
        ]
    )
    client.force_login(stranger)
    pages = [
        client.get(reverse("chats:index")),
        client.get(reverse("chats:search"), {"q": secret}),
        client.get(reverse("chats:search"), {"chat": "Family"}),
        client.get(reverse("chats:conversation"), {"chat": "Family"}),
        client.get(reverse("chats:conversation"), {"chat": "Family", "at": "a1"}),
        client.get(reverse("chats:stats"), {"chat": "Family"}),
    ]
    for response in pages:
        assert f"This is {secret}" not in response.content.decode()
        assert "Ana" not in response.content.decode()
        assert 'id="m-a1"' not in response.content.decode()
    assert "Mallory" in pages[0].content.decode()
    assert pages[5].status_code == 404


def test_pages_need_sign_in(client: Any) -> None:
    for name in ("chats:index", "chats:search", "chats:conversation", "chats:stats"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_duckdb_with_a_bucket_shows_a_clear_message(owner_client: Any, settings: Any) -> None:
    settings.STORAGE_BUCKET = "my-bucket"
    settings.CHATS_ENGINE = "duckdb"
    with pytest.raises(ChatsUnavailable, match="CHATS_ENGINE=athena"):
        get_engine()
    response = owner_client.get(reverse("chats:index"))
    assert response.status_code == 503
    assert "CHATS_ENGINE=athena" in text_of(response)


def test_engine_follows_the_settings(settings: Any) -> None:
    engine = get_engine()
    assert isinstance(engine, DuckDBEngine)
    assert engine.silver_root == Path(settings.LOCAL_STORAGE_DIR) / "silver" / "whatsapp"
    assert get_engine() is engine
    settings.CHATS_ENGINE = "athena"
    settings.ATHENA_S3_STAGING_DIR = "s3://results/athena/"
    athena = get_engine()
    assert isinstance(athena, AthenaEngine)
    assert athena.s3_staging_dir == "s3://results/athena/"
    assert athena.dialect.table == settings.ATHENA_TABLE


def test_senders_shown_together_get_different_colours() -> None:
    names = ["Ana Souza", "Bruno", "Carla M.", "Diego", "Eve", "Fabio", "Gus", "Hana"]
    hues = sender_hues([*names, None, "Bruno"])
    assert set(hues) == set(names)
    assert len(set(hues.values())) == len(names)
    assert sender_hues(reversed(names)) == hues
