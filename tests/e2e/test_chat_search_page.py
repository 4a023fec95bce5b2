"""The chat search page in a real browser: filters fold on a phone, senders to choose from,
accents ignored, a total; no sideways scrolling and nothing serious for axe at both sizes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import SCREENSHOTS, Platform, axe_problems, sign_in
from tests.e2e.test_chat_pages import TRAVELLER, TRIP, seeded

pytestmark = pytest.mark.browser
__all__ = ["seeded"]  # the fixture, used by name below

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}


def open_page(browser: Any, platform: Platform, size: str, path: str) -> tuple[Any, Any]:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    sign_in(page, platform.url, *TRAVELLER)
    page.goto(platform.url + path)
    page.wait_for_load_state("load")
    return context, page


@pytest.mark.parametrize("size", SIZES)
def test_search_fits_folds_its_filters_on_a_phone_and_passes_axe(
    browser: Any, seeded: Platform, size: str
) -> None:
    path = f"/chats/search?q=pasteis&chat={quote(TRIP)}"
    context, page = open_page(browser, seeded, size, path)
    details = page.locator("details.filters")
    assert details.evaluate("d => d.open") == (size == "desktop")
    assert "1 on" in page.locator("details.filters summary").inner_text()
    count = page.locator(".result-count").inner_text()
    assert count.split()[1] == "of" and "matches" in count
    assert page.locator(".hit mark").first.inner_text() == "Pastéis"
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    assert axe_problems(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"chats-search-{size}.png"), full_page=True)
    if size == "phone":
        page.locator("details.filters summary").click()
        assert page.locator("#id_sender").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "chats-search-phone-filters.png"))
    context.close()


def test_the_sender_is_chosen_from_the_chats_senders(browser: Any, seeded: Platform) -> None:
    context, page = open_page(browser, seeded, "desktop", f"/chats/search?chat={quote(TRIP)}")
    options = page.eval_on_selector_all("#id_sender option", "os => os.map(o => o.value)")
    assert options == ["", "Ana Souza", "Carla M.", "Bruno", "Diego"]
    page.select_option("#id_sender", "Carla M.")
    page.fill("#id_from", "2024-01-10")
    page.fill("#id_to", "2024-02-20")
    page.click(".filters .actions button")
    page.wait_for_url("**sender=Carla**")
    senders = set(page.locator(".hit-sender").all_inner_texts())
    dates = page.eval_on_selector_all(".hit time", "ts => ts.map(t => t.dateTime.slice(0, 10))")
    assert senders == {"Carla M."} and dates
    assert all("2024-01-10" <= d <= "2024-02-20" for d in dates)
    context.close()
