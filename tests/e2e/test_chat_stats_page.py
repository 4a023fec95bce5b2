"""A chat's statistics in a real browser at phone and desktop sizes: labels readable (11 px or
more), a legend for the heatmap, nothing wider than the screen, nothing serious for axe."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import SCREENSHOTS, Platform, axe_problems, sign_in
from tests.e2e.test_chat_pages import TRAVELLER, TRIP, seeded

pytestmark = pytest.mark.browser
__all__ = ["seeded"]  # the fixture, used by name below

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
LABELS = """() => [...document.querySelectorAll('svg.chart text')].map((t) => {
  const m = t.getScreenCTM(), r = t.getBoundingClientRect();
  return {px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b),
          right: r.right, text: t.textContent}; })"""


@pytest.mark.parametrize("size", SIZES)
def test_stats_are_readable_with_a_heatmap_legend(
    browser: Any, seeded: Platform, size: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    sign_in(page, seeded.url, *TRAVELLER)
    page.goto(f"{seeded.url}/chats/stats?chat={quote(TRIP)}")
    labels = page.evaluate(LABELS)
    assert len(labels) > 20
    smallest = min(labels, key=lambda label: label["px"])
    assert smallest["px"] >= 10.9, smallest
    assert max(label["px"] for label in labels) <= 18  # and bars not blown up on a desktop
    assert max(label["right"] for label in labels) <= width
    legend = page.locator("svg.legend")
    assert legend.is_visible()
    assert legend.locator("rect.swatch").count() == 5
    assert (legend.locator("text").last.text_content() or "").endswith("messages an hour")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_problems(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"chats-stats-{size}.png"), full_page=True)
    context.close()
