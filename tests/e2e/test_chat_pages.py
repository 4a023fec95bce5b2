"""The chat pages in a real browser, on silver Parquet written for the signed-in owner."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from chats.lake.files import generation_key, generation_token
from tests.django.test_chat_pages import msg, write_silver
from tests.e2e.conftest import SCREENSHOTS, Platform, screenshot, sign_in, wait_until

pytestmark = pytest.mark.browser

TRIP = "Trip to Lisbon 🇵🇹"
PEOPLE = ("Ana Souza", "Bruno", "Carla M.", "Diego")
LINES = (
    "Has anyone booked the train yet?",
    "I found a flat near Alfama, photos below",
    "Pastéis de nata at 10, who's in?",
    "Running 5 minutes late, sorry!",
    "The tram 28 queue is huge 😅",
    "Let's meet at the miradouro for sunset",
    "Dinner at 8? I can reserve a table for four",
    "Don't forget sunscreen ☀️",
    "Sent you the museum tickets",
    "Who has the spare key?",
    "Can we split the taxi?",
    "Great day today, thank you all",
)


def trip_rows(owner_id: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows = [msg(owner_id, TRIP, "2024-01-05 19:02:00", None, 'Ana Souza created group "Trip"')]
    when = datetime(2024, 1, 5, 19, 5)
    for i in range(420):
        when += timedelta(minutes=rng.choice((1, 2, 3, 9, 40, 180, 600, 1300)))
        if when.hour < 7:
            when = when.replace(hour=rng.choice((8, 9, 12, 18, 20, 21)))
        sender = rng.choices(PEOPLE, weights=(5, 3, 4, 2))[0]
        if i % 37 == 5:
            rows.append(
                msg(
                    owner_id,
                    TRIP,
                    when,
                    sender,
                    f"IMG-{when:%Y%m%d}-WA{i:04d}.jpg (file attached)\nThe view from the castle!",
                    media=True,
                )
            )
        elif i % 53 == 11:
            rows.append(msg(owner_id, TRIP, when, sender, "<Media omitted>", media=True))
        else:
            rows.append(msg(owner_id, TRIP, when, sender, rng.choice(LINES)))
    rows.append(msg(owner_id, TRIP, when + timedelta(minutes=3), None, "Diego left"))
    rows.append(
        msg(owner_id, TRIP, when + timedelta(minutes=5), "Bruno", "<script>alert(1)</script> train")
    )
    return rows


def other_rows(owner_id: int) -> list[dict[str, Any]]:
    start = datetime(2023, 11, 2, 8, 15)
    return [
        msg(owner_id, "Mum", start + timedelta(days=i, minutes=i), sender, text)
        for i, (sender, text) in enumerate(
            [("Mum", "Did you get home safe?"), ("Me", "Yes! Train was on time"), ("Mum", "❤️")]
        )
    ]


TRAVELLER = ("traveller", "traveller-pass-1")


@pytest.fixture(scope="module")
def seeded(platform_app: Platform) -> Platform:
    """Silver rows for a user of their own, so other browser tests' uploads (the same session's
    platform) neither overwrite nor add to these chats; the generation marker is replaced, as
    the writer does, so a cached copy of older rows is not served."""
    username, password = TRAVELLER
    owner_id = int(
        platform_app.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model;"
            "User = get_user_model();"
            f"user = User.objects.filter(username={username!r}).first() or "
            f"User.objects.create_user({username!r}, password={password!r});"
            "print(user.pk)",
        ).split()[-1]
    )
    storage = platform_app.data_dir / "storage"
    write_silver([*trip_rows(owner_id), *other_rows(owner_id)], storage)
    (storage / generation_key()).write_bytes(generation_token())
    return platform_app


@pytest.fixture
def traveller_page(browser: Any, seeded: Platform) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, seeded.url, *TRAVELLER)
    yield page
    context.close()


def test_chat_list_search_conversation_and_stats(traveller_page: Any, seeded: Platform) -> None:
    page = traveller_page
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    page.goto(f"{seeded.url}/chats/")
    cards = page.locator(".chat-card")
    assert cards.count() == 2
    assert TRIP in cards.first.inner_text()
    assert "Ana Souza, Carla M., Bruno, Diego" in cards.first.inner_text()
    assert page.locator("header nav a.active").inner_text() == "Chats"
    screenshot(page, "chats-list")

    page.fill("#quick-q", "train")
    page.click(".quick-search button")
    page.wait_for_url("**/chats/search?q=train")
    marks = page.locator(".hit mark")
    assert marks.count() > 3
    assert all(m.lower() == "train" for m in marks.all_inner_texts())
    assert "<script>alert(1)</script>" in page.locator(".hit").first.inner_text()
    screenshot(page, "chats-search")

    page.locator(".hit-open").nth(1).click()
    anchor = page.locator(".msg.anchor, .sys.anchor")
    assert anchor.count() == 1
    assert anchor.is_visible()
    assert "train" in anchor.inner_text().lower()
    page.screenshot(path=str(SCREENSHOTS / "chats-context.png"))  # the anchor in view

    page.goto(f"{seeded.url}/chats/conversation?chat={quote(TRIP)}&me={quote('Ana Souza')}")
    assert page.locator(".msg").count() >= 100
    assert page.locator(".msg.mine").count() > 10
    assert page.locator(".sys").count() >= 1
    assert page.locator(".att").count() >= 1
    shown = page.locator(".msg").count()
    page.locator(".pager-link[rel=prev]").click()  # loaded in place, above
    wait_until(page, f"document.querySelectorAll('.msg').length > {shown}")
    assert page.locator(".pager-link[rel=next]").count() == 0
    page.goto(f"{seeded.url}/chats/conversation?chat={quote(TRIP)}&dir=newer&me=Bruno")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "chats-conversation.png"))  # the first screenful

    page.click(".chat-tabs a:has-text('Statistics')")
    assert page.locator("svg.chart").count() == 5
    assert page.locator("svg.chart rect.cell").count() == 7 * 24
    screenshot(page, "chats-stats")
    assert dialogs == []


def test_empty_chat_list_for_a_new_user(browser: Any, platform_app: Platform) -> None:
    platform_app.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model;"
        "get_user_model().objects.filter(username='newcomer').exists() or "
        "get_user_model().objects.create_user('newcomer', password='newcomer-pass-1')",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    sign_in(page, platform_app.url, "newcomer", "newcomer-pass-1")
    page.goto(f"{platform_app.url}/chats/")
    assert "No chats yet" in page.inner_text("main")
    assert TRIP not in page.inner_text("main")
    screenshot(page, "chats-empty")
    context.close()
