"""A WhatsApp export with media, uploaded as its zip: the photo it holds is shown in the
conversation as a thumbnail linking to the photo; other media get icons drawn in SVG."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS, Platform, api_session, axe_problems, wait_until
from tests.factories.gallery import photo_bytes

pytestmark = pytest.mark.browser

CHAT = (
    "[01/03/2024, 10:00:00] Bea: Look at the harbour!\n"
    "[01/03/2024, 10:00:30] Bea: <attached: 00000003-PHOTO-2024-03-01-10-00-30.jpg>\n"
    "[01/03/2024, 10:02:00] Tomás: <attached: 00000004-AUDIO-2024-03-01-10-02-00.opus>\n"
    "[01/03/2024, 10:03:00] Tomás: \u200evideo omitted\n"
    "[01/03/2024, 10:04:00] Bea: <attached: 00000005-Menu.pdf>\n"
    "[01/03/2024, 10:05:00] Tomás: Lovely, see you there\n"
)


def test_a_photo_of_the_export_shows_inline_and_media_have_icons(
    page: Any, platform_app: Platform
) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", CHAT)
        z.writestr("00000003-PHOTO-2024-03-01-10-00-30.jpg", photo_bytes((640, 480), seed=3))
        z.writestr("00000004-AUDIO-2024-03-01-10-02-00.opus", b"OggS voice")
    session = api_session(platform_app)
    response = session.post(
        f"{platform_app.url}/api/uploads",
        files={"file": ("WhatsApp Chat - Harbour Walk.zip", archive.getvalue())},
    )
    assert response.status_code == 201, response.text
    conversation = f"{platform_app.url}/chats/conversation?chat=Harbour%20Walk"
    deadline = time.monotonic() + 120
    while 'class="att-photo"' not in session.get(conversation).text:
        assert time.monotonic() < deadline, "the zip's chat and photo were not processed"
        time.sleep(0.5)

    zip_id = response.json()["id"]
    [zipped] = session.get(f"{platform_app.url}/api/objects?ids={zip_id}").json()["objects"]
    assert "the chat and 1 photo unpacked." in zipped["reason"]  # "1 photo", not "1 photos"

    page.goto(conversation)
    thumb = page.locator(".att-photo img")
    assert thumb.count() == 1
    thumb.scroll_into_view_if_needed()
    wait_until(page, "document.querySelector('.att-photo img').naturalWidth > 0")
    assert thumb.get_attribute("alt") == "Photo 00000003-PHOTO-2024-03-01-10-00-30.jpg"
    href = page.locator(".att-photo").get_attribute("href") or ""
    assert href.startswith("/photos/")
    icons = page.locator(".att svg.media-icon")
    assert icons.count() == 3  # the voice message, the video not included, the PDF
    assert "⎘" not in page.inner_text("main")
    assert "Video not included in the export" in page.inner_text("main")
    assert axe_problems(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "chats-media.png"))
    page.locator(".att-photo").click()
    page.wait_for_url(f"**{href}")
