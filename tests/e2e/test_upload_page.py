"""The upload page in a real browser, on the app as `make run` starts it (parts of 5 MB)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import Platform, api_session, screenshot
from tests.e2e.conftest import wait_until as page_wait
from tests.e2e.slow_network import SlowNetwork
from tests.e2e.upload_steps import (
    MB,
    item,
    part_number,
    stored_parts,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

PROCESSING = 90_000  # ms: the worker shares the machine with everything else the suite runs
DONE = "() => document.querySelectorAll('#queue li[data-state=done]').length === {}"


@pytest.fixture
def network(platform_app: Platform) -> Iterator[SlowNetwork]:
    """The browser reaches the app through a network the test slows down and cuts."""
    slow = SlowNetwork(int(urlsplit(platform_app.url).port or 80))
    yield slow
    slow.close()


def stored_names(platform: Platform) -> list[str]:
    """The original names in the ledger, read by the app's own shell."""
    out = platform.manage(
        "shell",
        "-c",
        "from ingestion.models import StoredObject as S; "
        "print('\\n'.join(S.objects.values_list('original_name', flat=True)))",
    )
    return out.splitlines()


def download(platform: Platform, name: str) -> bytes:
    session = api_session(platform)
    page = session.get(f"{platform.url}/library/").text
    marker = page.index(name)
    start = page.rindex('id="object-', 0, marker) + len('id="object-')
    object_id = page[start : page.index('"', start)]
    return session.get(f"{platform.url}/library/{object_id}/download").content


def test_several_files_show_progress_and_end_with_plain_words_and_links(
    page: Any, platform_app: Platform, tmp_path: Path
) -> None:
    notes = tmp_path / "meeting notes.pdf"
    notes.write_bytes(b"%PDF-1.4 " + b"x" * 300_000)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    archive = tmp_path / "tax 2019.bin"
    archive.write_bytes(b"old" * 1000)

    page.goto(f"{platform_app.url}/upload/")
    assert page.locator("#storage_class").count() == 0  # no storage classes on a local disk
    page.set_input_files("#files", [str(notes), str(empty)])
    page_wait(page, DONE.format(1), timeout=PROCESSING / 1000)
    assert item(page, "empty.txt").get_attribute("data-state") == "refused"
    assert "empty (0 bytes)" in item(page, "empty.txt").inner_text()
    open_link = item(page, "meeting notes.pdf").locator("a.upload-open")
    assert open_link.inner_text() == "Show in library"

    page.check("#raw_only")
    page.set_input_files("#files", [str(archive)])
    page_wait(page, DONE.format(2), timeout=PROCESSING / 1000)
    names = page.locator("#queue li .upload-name").all_inner_texts()
    assert names == ["tax 2019.bin", "empty.txt", "meeting notes.pdf"]  # newest at the top
    assert "Stored raw" in item(page, "tax 2019.bin").inner_text()
    assert page.inner_text("#summary-text").startswith("2 of 2 uploaded")
    assert "tax 2019.bin done." in page.inner_text("#announcer")  # read out by screen readers

    open_link.click()
    page.wait_for_url("**/library/?kind=misc*")
    assert "meeting notes.pdf" in page.inner_text("main")


def test_a_file_dropped_beside_the_zone_is_uploaded_not_opened(
    page: Any, platform_app: Platform
) -> None:
    page.goto(f"{platform_app.url}/upload/")
    prevented = page.evaluate(
        """() => {
          const data = new DataTransfer();
          data.items.add(new File(["dropped beside"], "beside.bin"));
          const target = document.querySelector("h1");  // not the drop zone
          for (const type of ["dragenter", "dragover"]) {
            target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,
                                                      dataTransfer: data}));
          }
          const overlayShown = !document.getElementById("drop-overlay").hidden;
          const drop = new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: data});
          return {overlayShown, opened: target.dispatchEvent(drop)};
        }"""
    )

    assert prevented == {"overlayShown": True, "opened": False}  # default (open) was prevented
    page_wait(page, DONE.format(1), timeout=PROCESSING / 1000)
    assert page.url.endswith("/upload/")
    assert page.locator("#drop-overlay").is_hidden()


def test_a_folder_is_uploaded_with_its_files(
    page: Any, platform_app: Platform, tmp_path: Path
) -> None:
    folder = tmp_path / "Trip to Lisbon"
    (folder / "day 2").mkdir(parents=True)
    (folder / "itinerary.md").write_text("Lisbon, three days")
    (folder / "day 2" / "receipts.md").write_text("coffee 1.20")

    page.goto(f"{platform_app.url}/upload/")
    page.set_input_files("#folder", str(folder))

    page_wait(page, DONE.format(2), timeout=PROCESSING / 1000)
    names = sorted(page.locator("#queue li .upload-name").all_inner_texts())
    assert names == ["Trip to Lisbon/day 2/receipts.md", "Trip to Lisbon/itinerary.md"]


def test_cancel_stops_the_upload_and_keeps_nothing_then_retry_uploads_it(
    page: Any, platform_app: Platform, network: SlowNetwork, tmp_path: Path
) -> None:
    big = tmp_path / "cancel me.bin"
    big.write_bytes(os.urandom(12 * MB))
    page.goto(f"{network.url}/upload/")
    network.rate = 2 * MB

    page.set_input_files("#files", str(big))
    page_wait(page, "() => document.querySelector('#queue li progress').value > 5")
    item(page, "cancel me.bin").get_by_role("button", name="Cancel").click()

    wait_state(page, "cancel me.bin", "cancelled")
    deadline = time.monotonic() + 10
    while "cancel me.bin" in stored_names(platform_app):  # the DELETE is on its way
        assert time.monotonic() < deadline, "the cancelled upload's row stayed"
        time.sleep(0.2)
    network.rate = 0
    item(page, "cancel me.bin").get_by_role("button", name="Retry").click()
    wait_state(page, "cancel me.bin", "done", timeout=PROCESSING)
    assert download(platform_app, "cancel me.bin") == big.read_bytes()


def test_a_dropped_connection_resumes_without_sending_stored_parts_again(
    page: Any, platform_app: Platform, network: SlowNetwork, tmp_path: Path
) -> None:
    video = tmp_path / "ferry ride.mov"
    video.write_bytes(os.urandom(11 * MB))  # parts of 5, 5 and 1 MB, sent side by side
    stored = stored_parts(page)
    page.goto(f"{network.url}/upload/")
    network.rate = 2 * MB

    page.set_input_files("#files", str(video))
    wait_until(page, lambda: stored == {3}, "the short part to be stored, the others under way")
    network.cut()  # parts 1 and 2 are cut off half sent
    network.rate = 0

    wait_state(page, "ferry ride.mov", "done", timeout=PROCESSING)
    assert download(platform_app, "ferry ride.mov") == video.read_bytes()
    puts = [(part_number(r.line), r.complete) for r in network.requests if r.line.startswith("PUT")]
    assert puts.count((3, True)) == 1 and (3, False) not in puts, puts  # never sent again
    for cut_off in (1, 2):  # sent again after the drop: whole, once
        assert (cut_off, False) in puts and puts.count((cut_off, True)) == 1, puts


def test_a_reload_carries_on_where_the_upload_stopped(
    page: Any, platform_app: Platform, network: SlowNetwork, tmp_path: Path
) -> None:
    video = tmp_path / "long interview.mov"
    video.write_bytes(os.urandom(11 * MB))
    stored = stored_parts(page)
    page.goto(f"{network.url}/upload/")
    network.rate = 2 * MB
    dialogs: list[str] = []

    def leave_anyway(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave_anyway)

    page.set_input_files("#files", str(video))
    wait_until(page, lambda: stored == {3}, "one part to be stored")
    network.cut()  # the laptop sleeps: what was half sent stays half sent
    page.reload()  # asks first: the page warns before leaving mid-upload
    assert dialogs == ["beforeunload"]

    network.rate = 0
    page.set_input_files("#files", str(video))  # the same file chosen again
    wait_state(page, "long interview.mov", "done", timeout=PROCESSING)
    assert "carried on after 1.0 MB" in item(page, "long interview.mov").inner_text()
    done = [
        part_number(r.line) for r in network.requests if r.line.startswith("PUT") and r.complete
    ]
    assert sorted(done) == [1, 2, 3], done  # each part reached the app whole once
    assert download(platform_app, "long interview.mov") == video.read_bytes()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1440, 900)])
def test_the_page_fits_phones_and_desktops(
    browser: Any,
    platform_app: Platform,
    network: SlowNetwork,
    tmp_path: Path,
    width: int,
    height: int,
) -> None:
    from tests.e2e.conftest import sign_in

    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, platform_app.url, platform_app.username, platform_app.password)
    files = []
    for name, data in [
        ("Quarterly figures with a rather long file name 2024.pdf", b"%PDF" + b"q" * 5000),
        ("WhatsApp Chat with Ana.txt", b"01/03/2024, 10:00 - Ana: hello\n" * 3),
        ("empty.txt", b""),
        ("not a chat.txt", b"just some words"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        files.append(str(path))
    big = tmp_path / "Video from the wedding, first dance.mp4"
    big.write_bytes(os.urandom(40 * MB))
    page.goto(f"{network.url}/upload/")
    network.rate = 4 * MB
    page.set_input_files("#files", files)
    page_wait(
        page,
        "() => [...document.querySelectorAll('#queue li')]"
        ".every(li => ['done', 'rejected', 'refused'].includes(li.dataset.state))",
        timeout=PROCESSING / 1000,
    )
    page.set_input_files("#files", str(big))
    page_wait(page, "() => document.querySelector('#queue li progress').value >= 20")
    page.wait_for_timeout(1500)  # a speed and a time left to show
    assert "left" in page.inner_text("#summary-text")
    overflow = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
        ".map(e => e.className || e.tagName)"
    )
    screenshot(page, f"upload-{width}x{height}")
    page.get_by_role("button", name="Cancel").click()
    context.close()
    assert overflow == []  # (the header is the shell's, restyled elsewhere)
