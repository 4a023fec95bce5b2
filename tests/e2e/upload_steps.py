"""Steps the upload page's browser tests share: find a file's row, wait for its state, see
which parts the page sent."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

MB = 1024 * 1024


def item(page: Any, name: str) -> Any:
    return page.locator("#queue li", has_text=name)


def wait_state(page: Any, name: str, state: str, timeout: float = 30_000) -> None:
    item(page, name).locator(f"xpath=self::li[@data-state='{state}']").wait_for(timeout=timeout)


def part_number(url: str) -> int:
    return int(parse_qs(urlsplit(url.split(" ")[1] if " " in url else url).query)["partNumber"][0])


def stored_parts(page: Any) -> set[int]:
    """Parts the server answered 200 for, as the page sends them."""
    stored: set[int] = set()

    def finished(request: Any) -> None:
        response = request.response()
        if request.method == "PUT" and response is not None and response.status == 200:
            stored.add(part_number(request.url))

    page.on("requestfinished", finished)
    return stored


def wait_until(page: Any, check: Any, what: str, timeout: float = 30) -> None:
    """Wait while the page runs (Playwright delivers its events only inside its own calls)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(50)
