"""The file library in a real browser, as a Nextcloud user would try it: names that open what
was made of the files, sorting, search and kind filters, multi-select with shift-click, one zip
for a selection, bulk delete, files uploaded twice, and the phone's cards. Screenshots at
390×844 and 1440×900 are saved under var/screenshots/library/."""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import SCREENSHOTS, Platform, axe_problems, sign_in
from tests.e2e.test_dataset_pages import sales_csv
from tests.e2e.test_every_page import PHOTOS, RITA, _session, family_export
from tests.factories.gallery import photo_bytes

pytestmark = pytest.mark.browser

USER = ("lena", "lena-pass-123")
SHOTS = SCREENSHOTS / "library"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
VIDEO = "Holiday in Lisbon.mp4"
ARCHIVED = "Tax return 2019.pdf"


@dataclass
class Library:
    url: str
    ids: dict[str, int] = field(default_factory=dict)


def _upload(session: requests.Session, url: str, name: str, data: bytes) -> int:
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": url}
    response = session.post(f"{url}/api/uploads", headers=headers, files={"file": (name, data)})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _whatsapp_zip() -> bytes:
    """An "export with media": the chat and two photos, unpacked into the chat and the gallery."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "WhatsApp Chat with Bruno.txt",
            "[03/05/2024, 09:12:00] Bruno: Morning! Photos from the hike\n"
            "[03/05/2024, 09:12:30] Bruno: <attached: 00000001-PHOTO-2024-05-03-09-12-30.jpg>\n"
            "[03/05/2024, 09:14:02] Me: Wow, the view from the top!\n",
        )
        z.writestr("00000001-PHOTO-2024-05-03-09-12-30.jpg", photo_bytes((480, 360), seed=40))
        z.writestr("00000002-PHOTO-2024-05-03-09-13-10.jpg", photo_bytes((360, 480), seed=41))
    return out.getvalue()


def _receipts_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("receipts/2023-11 boiler.txt", "Boiler service, paid in full.\n" * 20)
        z.writestr("receipts/2024-01 bike.txt", "Bike repair: chain and brakes.\n" * 20)
    return out.getvalue()


def _settled(session: requests.Session, url: str) -> bool:
    """True once nothing in the user's library is still waiting or being processed."""
    html = session.get(f"{url}/library/?sort=status").text
    return not re.search(r'class="badge (received|processing|uploading)"', html)


@pytest.fixture(scope="module")
def library(platform_app: Platform, tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A user's library with photos, two chats, CSVs, a WhatsApp zip (unpacked), a plain zip,
    PDFs, a 25 MB video, files uploaded twice and a file in Deep Archive."""
    username, password = USER
    platform_app.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model;"
        f"get_user_model().objects.filter(username={username!r}).exists() or "
        f"get_user_model().objects.create_user({username!r}, password={password!r})",
    )
    session = _session(platform_app.url, username, password)
    tmp = tmp_path_factory.mktemp("library")
    beach = photo_bytes(PHOTOS[0][1], taken=PHOTOS[0][2], make="Canon", model="EOS 80D", seed=0)
    lease = b"%PDF-1.4 tenancy " + b"t" * 180_000
    files: list[tuple[str, bytes]] = [
        (name, photo_bytes(size, taken=taken, make=cam[0], model=cam[1], seed=n))
        for n, (name, size, taken, cam) in enumerate(PHOTOS)
        if n
    ]
    files += [
        ("IMG_20190714_beach.jpg", beach),
        ("WhatsApp Chat with Family.txt", family_export().encode()),
        ("WhatsApp Chat with Rita.txt", RITA.encode()),
        ("sales 2024.csv", sales_csv(tmp / "sales.csv").read_bytes()),
        ("customers.csv", b"id,name,city\n1,Ana,Porto\n2,Ben,Leeds\n3,Chloe,Lyon\n"),
        ("WhatsApp Chat with Bruno.zip", _whatsapp_zip()),
        ("house receipts.zip", _receipts_zip()),
        ("Tenancy agreement.pdf", lease),
        (ARCHIVED, b"%PDF-1.4 tax " + b"r" * 60_000),
        (VIDEO, os.urandom(25 * 1024 * 1024)),
        ("IMG_20190714_beach (1).jpg", beach),  # the same photo again, from another phone
        ("Tenancy agreement (signed copy).pdf", lease),  # and the same PDF
    ]
    found = Library(platform_app.url)
    for name, data in files:
        found.ids[name] = _upload(session, platform_app.url, name, data)
    deadline = time.monotonic() + 180
    while not _settled(session, platform_app.url):
        assert time.monotonic() < deadline, "the library never settled"
        time.sleep(0.3)
    platform_app.manage(
        "shell",
        "-c",
        "from ingestion.models import StoredObject;"
        f"StoredObject.objects.filter(pk={found.ids[ARCHIVED]})"
        ".update(storage_class='DEEP_ARCHIVE')",
    )
    return found


@pytest.fixture
def desktop(browser: Any, library: Library) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, library.url, *USER)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any, library: Library) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, library.url, *USER)
    yield page
    context.close()


def shot(page: Any, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate(
        """() => Promise.all([...document.images].map((img) => { img.loading = 'eager';
          return img.complete ? null : new Promise((done) => { img.onload = img.onerror = done; });
        }))"""
    )
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def listed(page: Any) -> list[str]:
    return [n.strip() for n in page.locator("td.name .file-name").all_inner_texts()]


def row(page: Any, name: str) -> Any:
    return page.locator("tbody tr").filter(
        has=page.locator(".file-name", has_text=re.compile(rf"^{re.escape(name)}$"))
    )


def wide(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_the_library_at_both_sizes_fits_and_is_accessible(
    desktop: Any, phone: Any, library: Library
) -> None:
    for page, size in ((desktop, DESKTOP), (phone, PHONE)):
        page.goto(f"{library.url}/library/")
        assert wide(page) <= size["width"]
        assert page.locator("h1").all_inner_texts() == ["File library"]
        assert axe_problems(page) == []
    shot(desktop, "desktop")
    shot(phone, "phone")


def test_names_open_what_was_made_of_them(desktop: Any, library: Library) -> None:
    desktop.goto(f"{library.url}/library/")
    for name, opened in (
        ("lake at dawn.jpg", r"/photos/\d+/$"),
        ("WhatsApp Chat with Rita.txt", r"/chats/conversation\?chat=Rita$"),
        ("sales 2024.csv", r"/datasets/\d+/$"),
    ):
        row(desktop, name).get_by_role("link", name=name).click()
        desktop.wait_for_url(re.compile(opened))
        desktop.go_back()
    row(desktop, "WhatsApp Chat with Bruno.zip").get_by_role("link").first.click()
    desktop.wait_for_url(re.compile(r"/library/\?source=\d+$"))
    assert sorted(listed(desktop)) == [
        "00000001-PHOTO-2024-05-03-09-12-30.jpg",
        "00000002-PHOTO-2024-05-03-09-13-10.jpg",
        "WhatsApp Chat with Bruno.txt",
    ]
    assert "Files unpacked from WhatsApp Chat with Bruno.zip" in desktop.inner_text("main")


def test_photos_have_thumbnails_and_other_files_type_icons(desktop: Any, library: Library) -> None:
    desktop.goto(f"{library.url}/library/")
    thumb = row(desktop, "lake at dawn.jpg").locator("img.thumb")
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "/files/" in thumb.get_attribute("src")
    for name, icon in ((VIDEO, "video"), ("Tenancy agreement.pdf", "pdf"), ("customers.csv", "")):
        src = row(desktop, name).locator("img.thumb").get_attribute("src")
        assert src.endswith(f"/{icon or 'table'}.svg"), (name, src)


def test_columns_sort_both_ways_and_search_and_kinds_filter(desktop: Any, library: Library) -> None:
    desktop.goto(f"{library.url}/library/")
    desktop.get_by_role("link", name="Size").click()
    assert listed(desktop)[0] == VIDEO  # the biggest first
    assert desktop.locator("th[aria-sort=descending]").inner_text().strip() == "Size"
    desktop.get_by_role("link", name="Size").click()
    assert listed(desktop)[-1] == VIDEO
    desktop.get_by_role("link", name="Name").click()
    names = listed(desktop)
    assert names == sorted(names, key=str.casefold)
    desktop.fill("#library-q", "tenancy")
    desktop.press("#library-q", "Enter")
    assert listed(desktop) == ["Tenancy agreement.pdf"]  # one file, uploaded twice
    desktop.goto(f"{library.url}/library/")
    desktop.locator(".usage-legend a", has_text="CSV datasets").click()
    assert sorted(listed(desktop)) == ["customers.csv", "sales 2024.csv"]
    desktop.select_option("select[name=status]", "done")
    desktop.wait_for_url(re.compile(r"status=done"))
    assert "kind=csv" in desktop.url


def test_a_file_uploaded_twice_is_one_row_with_its_copies(desktop: Any, library: Library) -> None:
    desktop.goto(f"{library.url}/library/?sort=name")
    assert listed(desktop).count("IMG_20190714_beach.jpg") == 1
    assert "IMG_20190714_beach (1).jpg" not in listed(desktop)
    photo = row(desktop, "IMG_20190714_beach.jpg")
    photo.get_by_text("uploaded twice").click()
    copies = photo.locator(".copies li")
    assert copies.count() == 2
    assert "IMG_20190714_beach (1).jpg" in copies.nth(1).inner_text()
    assert copies.nth(1).get_by_role("link", name=re.compile("^Delete this copy")).is_visible()
    assert axe_problems(desktop) == []
    shot(desktop, "desktop-copies")


def test_shift_click_selects_a_range_and_the_header_box_the_page(
    desktop: Any, library: Library
) -> None:
    desktop.goto(f"{library.url}/library/?sort=name")
    boxes = desktop.locator("tbody input[name=ids]")
    total = boxes.count()
    download = desktop.get_by_role("button", name="Download zip")
    assert download.is_disabled()
    boxes.nth(1).click()
    boxes.nth(4).click(modifiers=["Shift"])
    assert [boxes.nth(i).is_checked() for i in range(6)] == [False, True, True, True, True, False]
    assert desktop.inner_text("[data-selection-count]").startswith("4 selected · ")
    assert download.is_enabled()
    header = desktop.locator("thead [data-select-all]")
    assert header.evaluate("box => box.indeterminate")
    shot(desktop, "desktop-selection", full=False)
    header.check()
    assert all(boxes.nth(i).is_checked() for i in range(total))
    assert desktop.inner_text("[data-selection-count]").startswith(f"{total} selected")
    header.uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(total))
    assert download.is_disabled()


def test_a_selection_downloads_as_one_zip(desktop: Any, library: Library, tmp_path: Path) -> None:
    desktop.goto(f"{library.url}/library/?sort=name")
    for name in ("customers.csv", "Tenancy agreement.pdf", ARCHIVED, "snow day.jpg"):
        row(desktop, name).locator("input[name=ids]").check()
    with desktop.expect_download() as info:
        desktop.get_by_role("button", name="Download zip").click()
    saved = tmp_path / "selection.zip"
    info.value.save_as(saved)
    assert info.value.suggested_filename.startswith("files-")
    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == [
            "Not included.txt",
            "Tenancy agreement.pdf",  # both copies selected, the content comes once
            "customers.csv",
            "snow day.jpg",
        ]
        assert archive.read("customers.csv").startswith(b"id,name,city")
        assert ARCHIVED in archive.read("Not included.txt").decode()


def test_a_selection_is_deleted_after_one_confirmation(
    desktop: Any, library: Library, platform_app: Platform
) -> None:
    session = _session(library.url, *USER)
    for name in ("old draft 1.txt", "old draft 2.txt", "old draft 3.txt"):
        _upload(session, library.url, name, f"{name} text".encode())
    desktop.goto(f"{library.url}/library/?q=old+draft&sort=name")
    desktop.wait_for_function("document.querySelectorAll('tbody tr').length === 3")
    boxes = desktop.locator("tbody input[name=ids]")
    boxes.nth(0).click()
    boxes.nth(1).click()
    desktop.get_by_role("button", name="Delete").first.click()
    assert desktop.locator("h1").inner_text() == "Delete 2 files?"
    assert axe_problems(desktop) == []
    shot(desktop, "desktop-confirm-delete")
    desktop.get_by_role("button", name="Delete 2 files").click()
    desktop.wait_for_url(re.compile(r"/library/\?q=old\+draft&sort=name$"))
    assert "Deleted 2 files." in desktop.inner_text(".messages")
    assert listed(desktop) == ["old draft 3.txt"]


def test_on_a_phone_each_file_is_a_card_with_one_menu_and_a_selection_bar(
    phone: Any, library: Library
) -> None:
    phone.goto(f"{library.url}/library/?sort=name")
    card = row(phone, "customers.csv")
    card.evaluate("row => row.scrollIntoView({block: 'center'})")
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    visible = [el for el in card.locator("a, button, summary, input").all() if el.is_visible()]
    labels = [el.get_attribute("aria-label") or el.inner_text().strip() for el in visible]
    assert labels == ["Select customers.csv", "customers.csv", "Actions for customers.csv"]
    card.locator("summary").click()
    items = card.locator(".menu-items a, .menu-items button")
    assert [i.inner_text().strip() for i in items.all() if i.is_visible()] == ["Download", "Delete"]
    for item in items.all():
        edge = item.bounding_box()
        assert edge["x"] + edge["width"] <= PHONE["width"]
    shot(phone, "phone-menu", full=False)
    phone.keyboard.press("Escape")

    phone.get_by_label("Select all", exact=True).check()
    bar = phone.locator("[data-selection]")
    edge = bar.bounding_box()
    assert edge["y"] + edge["height"] <= PHONE["height"]  # held at the bottom of the screen
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= PHONE["width"]
    for name in ("Download zip", "Delete"):
        button = bar.get_by_role("button", name=name)
        assert button.is_visible() and button.is_enabled()
    assert wide(phone) <= PHONE["width"]
    assert axe_problems(phone) == []
    shot(phone, "phone-selection", full=False)


def test_on_a_phone_copies_and_filters_fit(phone: Any, library: Library) -> None:
    phone.goto(f"{library.url}/library/?sort=name")
    row(phone, "Tenancy agreement.pdf").get_by_text("uploaded twice").click()
    assert wide(phone) <= PHONE["width"]
    phone.select_option("select[name=sort]", "-size")
    phone.wait_for_url(re.compile(r"sort=-size"))
    assert listed(phone)[0] == VIDEO
    assert wide(phone) <= PHONE["width"]
    assert axe_problems(phone) == []
    shot(phone, "phone-sorted")
