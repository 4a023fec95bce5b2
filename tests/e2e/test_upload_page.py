"""The upload page and file library in a real browser, on the app as `make run` starts it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Platform, screenshot, wait_until

pytestmark = pytest.mark.browser


def test_upload_several_files_shows_progress_and_final_status(
    page: Any, platform_app: Platform, tmp_path: Path
) -> None:
    notes = tmp_path / "meeting notes.pdf"
    notes.write_bytes(b"%PDF-1.4 " + b"x" * 300_000)
    archive = tmp_path / "tax 2019.bin"
    archive.write_bytes(b"old" * 1000)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")

    page.goto(f"{platform_app.url}/upload/")
    page.set_input_files("#files", [str(notes), str(empty)])
    rows = page.locator("#queue li")
    wait_until(page, "document.querySelectorAll('#queue li .badge.done').length === 1")
    assert rows.count() == 2
    assert (
        page.locator("#queue li", has_text="meeting notes.pdf")
        .locator("progress")
        .get_attribute("value")
        == "100"
    )
    assert "empty" in page.locator("#queue li", has_text="empty.txt").inner_text()

    page.check("#raw_only")
    page.select_option("#storage_class", "DEEP_ARCHIVE")
    page.set_input_files("#files", [str(archive)])
    wait_until(page, "document.querySelectorAll('#queue li .badge.done').length === 2")
    assert "Stored raw" in page.locator("#queue li", has_text="tax 2019.bin").inner_text()
    screenshot(page, "upload")

    page.goto(f"{platform_app.url}/library/")
    text = page.inner_text("main")
    assert "meeting notes.pdf" in text and "tax 2019.bin" in text
    assert "archived" in text
    screenshot(page, "library")


def test_download_from_the_library_returns_the_original_bytes(
    page: Any, platform_app: Platform, tmp_path: Path
) -> None:
    original = tmp_path / "recipe.txt.gz"
    original.write_bytes(bytes(range(256)) * 40)
    page.goto(f"{platform_app.url}/upload/")
    page.set_input_files("#files", [str(original)])
    wait_until(
        page,
        "[...document.querySelectorAll('#queue li')]"
        ".some(li => li.textContent.includes('recipe') && li.querySelector('.badge.done'))",
    )
    page.goto(f"{platform_app.url}/library/")
    with page.expect_download() as info:
        page.locator("tr", has_text="recipe.txt.gz").get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "recipe.txt.gz"
    assert Path(download.path()).read_bytes() == original.read_bytes()


def test_time_from_upload_to_ledger_row_and_done(platform_app: Platform) -> None:
    """Prints the embedded default's timings (a figure for the notes, not a timed assertion)."""
    session = requests.Session()
    login = session.get(f"{platform_app.url}/accounts/login/")
    session.post(
        f"{platform_app.url}/accounts/login/",
        data={
            "username": platform_app.username,
            "password": platform_app.password,
            "csrfmiddlewaretoken": login.cookies["csrftoken"],
        },
        headers={"Referer": login.url},
    )
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": platform_app.url}
    started = time.monotonic()
    response = session.post(
        f"{platform_app.url}/api/uploads",
        headers=headers,
        files={"file": ("timing.bin", b"t" * 100_000)},
    )
    row_at = time.monotonic()
    assert response.status_code == 201
    status_url = platform_app.url + response.json()["status_url"]
    while (status := session.get(status_url).json())["status"] != "done":
        assert not status["final"], status
        assert time.monotonic() - started < 60
        time.sleep(0.05)
    done_at = time.monotonic()
    print(
        f"\nembedded default: upload→ledger row {1000 * (row_at - started):.0f} ms, "
        f"upload→done {1000 * (done_at - started):.0f} ms"
    )
