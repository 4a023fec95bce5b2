"""A chat export uploaded in the browser becomes searchable: upload → worker → silver → pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Platform, screenshot, wait_until

pytestmark = pytest.mark.browser

EXPORT = (
    "[05/01/2024, 09:15:02] Rita: Who is bringing the tent?\n"
    "[05/01/2024, 09:16:40] Joe: I can bring the tent\nand the stove\n"
    "[06/01/2024, 18:02:11] Rita: Great, see you at the lake 🏕\n"
)


def test_uploaded_export_becomes_searchable(
    page: Any, platform_app: Platform, tmp_path: Path
) -> None:
    export = tmp_path / "WhatsApp Chat with Camping Crew.txt"
    export.write_text(EXPORT, encoding="utf-8")
    page.goto(f"{platform_app.url}/upload/")
    page.set_input_files("#files", [str(export)])
    wait_until(
        page,
        "[...document.querySelectorAll('#queue li')]"
        ".some(li => li.textContent.includes('Camping') && li.querySelector('.badge.done'))",
    )
    item = page.locator("#queue li", has_text="Camping")
    # The note in plain words, plurals right.
    assert "3 messages added (2 days)." in item.inner_text()
    page.goto(f"{platform_app.url}/chats/")
    assert "Camping Crew" in page.inner_text("main")
    page.goto(f"{platform_app.url}/chats/search?q=tent")
    results = page.inner_text("main")
    assert "Who is bringing the tent?" in results
    assert "and the stove" in results  # the continuation line was kept
    assert page.locator("mark").count() >= 2
    screenshot(page, "chat-flow-search")
