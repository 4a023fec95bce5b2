"""The conversation in a real browser: it opens at the newest message in a pane of its own,
older messages load in place without moving what you read, a date jumps, "me" is kept."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import SCREENSHOTS, Platform, axe_problems, sign_in, wait_until
from tests.e2e.test_chat_pages import TRAVELLER, TRIP, seeded, traveller_page

pytestmark = pytest.mark.browser
__all__ = ["seeded", "traveller_page"]  # the fixtures, used by name below

PANE = """() => { const p = document.getElementById('convo'), r = p.getBoundingClientRect();
  const msgs = [...p.querySelectorAll('.msg, .sys')];
  const last = msgs[msgs.length - 1].getBoundingClientRect();
  return {top: p.scrollTop, height: p.scrollHeight, client: p.clientHeight,
          paneTop: r.top, paneBottom: r.bottom, lastBottom: last.bottom, count: msgs.length,
          windowY: window.scrollY, docHeight: document.documentElement.scrollHeight,
          innerHeight: window.innerHeight}; }"""


def open_trip(page: Any, url: str, query: str = "") -> None:
    page.goto(f"{url}/chats/conversation?chat={quote(TRIP)}{query}")
    page.wait_for_load_state("load")
    wait_until(page, "document.getElementById('convo').style.height !== ''")


def test_opens_at_the_newest_message_in_a_pane_of_its_own(
    traveller_page: Any, seeded: Platform
) -> None:
    page = traveller_page
    open_trip(page, seeded.url)
    pane = page.evaluate(PANE)
    assert pane["top"] > 0 and pane["top"] + pane["client"] >= pane["height"] - 2
    assert pane["paneTop"] <= pane["lastBottom"] <= pane["paneBottom"] + 1  # newest in view
    assert pane["docHeight"] <= pane["innerHeight"] + 2  # the pane scrolls, not the page
    assert "<script>alert(1)</script> train" in page.locator(".msg").last.inner_text()


def test_older_messages_load_in_place_keeping_the_reading_position(
    traveller_page: Any, seeded: Platform
) -> None:
    page = traveller_page
    open_trip(page, seeded.url)
    before = page.evaluate(PANE)
    first = page.locator("#convo .msg").first
    first_id = first.get_attribute("id")
    page.evaluate("() => { document.getElementById('convo').scrollTop = 0; }")
    where = page.evaluate(
        "(id) => document.getElementById(id).getBoundingClientRect().top", first_id
    )
    wait_until(
        page, f"document.querySelectorAll('#convo .msg, #convo .sys').length > {before['count']}"
    )
    wait_until(page, "!document.querySelector('#convo a[aria-busy]')")
    after = page.evaluate(PANE)
    now = page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", first_id)
    assert abs(now - where) <= 2, (where, now)
    assert after["top"] > 0 and after["windowY"] == before["windowY"]
    # One chip per day, however the parts met.
    dates = page.eval_on_selector_all("#convo .convo-day", "els => els.map(e => e.dataset.date)")
    assert len(dates) == len(set(dates))
    # And on to the first message, part by part.
    for _ in range(10):
        if not page.locator("#convo a[data-load=older]").count():
            break
        page.evaluate("() => { document.getElementById('convo').scrollTop = 0; }")
        page.wait_for_timeout(300)
    assert page.locator("#convo .sys").first.inner_text().startswith("Ana Souza created group")


def test_a_date_jumps_to_that_day(traveller_page: Any, seeded: Platform) -> None:
    page = traveller_page
    open_trip(page, seeded.url)
    day = page.evaluate("() => document.querySelectorAll('#convo .convo-day')[1].dataset.date")
    page.fill("#id_date", "2024-01-20")
    page.click(".date-form button")
    page.wait_for_url("**date=2024-01-20**")
    wait_until(page, "document.getElementById('convo').style.height !== ''")
    anchor = page.locator("#convo .anchor")
    assert anchor.count() == 1
    section = anchor.locator("xpath=ancestor::section[1]").get_attribute("data-date")
    assert section >= "2024-01-20" and section != day
    box, pane = anchor.bounding_box(), page.locator("#convo").bounding_box()
    assert pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]
    # Scrolling down from there brings the newer messages, in place, once each.
    shown = page.locator("#convo .msg, #convo .sys").count()
    page.evaluate("() => { const p = document.getElementById('convo'); p.scrollTop = 1e9; }")
    wait_until(page, f"document.querySelectorAll('#convo .msg, #convo .sys').length > {shown}")
    ids = page.eval_on_selector_all("#convo [id^=m-]", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids))
    dates = page.eval_on_selector_all("#convo .convo-day", "els => els.map(e => e.dataset.date)")
    assert dates == sorted(set(dates))


def test_me_is_kept_for_the_chat(browser: Any, seeded: Platform) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    sign_in(page, seeded.url, *TRAVELLER)
    open_trip(page, seeded.url)
    with page.expect_navigation():  # the choice is posted, then the conversation shown again
        page.select_option("#id_me", "Bruno")
    open_trip(page, seeded.url)
    assert page.locator("#id_me").input_value() == "Bruno"
    mine = page.eval_on_selector_all(".msg.mine .bubble", "els => els.length")
    assert mine > 10
    page.goto(f"{seeded.url}/chats/conversation?chat=Mum")
    assert page.locator("#id_me").input_value() != "Bruno"
    context.close()


def test_a_search_hit_opens_with_its_words_marked(traveller_page: Any, seeded: Platform) -> None:
    page = traveller_page
    page.goto(f"{seeded.url}/chats/search?q=PASTEIS")  # case and accents ignored
    assert page.locator(".hit").count() > 0
    assert page.locator(".hit mark").first.inner_text() == "Pastéis"
    assert " of " in page.locator(".result-count").inner_text()
    page.locator(".hit-open").first.click()
    wait_until(page, "document.getElementById('convo').style.height !== ''")
    assert page.locator("#convo .anchor mark").inner_text() == "Pastéis"


@pytest.mark.parametrize(("size", "viewport"), [("phone", (390, 844)), ("desktop", (1440, 900))])
def test_conversation_fits_and_passes_axe(
    browser: Any, seeded: Platform, size: str, viewport: tuple[int, int]
) -> None:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    sign_in(page, seeded.url, *TRAVELLER)
    open_trip(page, seeded.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
    assert axe_problems(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"chats-conversation-{size}.png"))
    open_trip(page, seeded.url, "&date=2024-02-01&q=train")  # a date, words marked
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
    assert axe_problems(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"chats-conversation-date-{size}.png"))
    context.close()
