"""The gallery in a real browser, on a phone (390×844, touch) and a desktop (1440×900), with 35
photos over three years uploaded through the app: rows that run across months, pages that load
as you scroll, the scrubber, the lightbox and the photo page, and the problems card."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from gallery.exif import date_from_filename
from tests.e2e.conftest import SCREENSHOTS, Platform, axe_problems, sign_in, wait_until
from tests.e2e.gallery_album import MONTHS, NAMED, USER, Album, seed_album

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
SHOTS = SCREENSHOTS / "gallery"
# The album's months, newest first (the named photos are dated by their names).
ALBUM_MONTHS = sorted(
    {m for m, *_ in MONTHS} | {f"{date_from_filename(name):%Y-%m}" for name, *_ in NAMED},
    reverse=True,
)

# Each tile's box, month and label, in page order.
TILES = """() => [...document.querySelectorAll('#timeline .cell')].map((c) => {
  const r = c.querySelector('a.tile').getBoundingClientRect();
  const label = c.querySelector('.month-label');
  const l = label && label.getBoundingClientRect();
  return {month: c.dataset.month, top: Math.round(r.top + scrollY), left: r.left, right: r.right,
          label: label ? label.querySelector('.full').textContent : '',
          label_left: l ? l.left : null, label_bottom: l ? Math.round(l.bottom + scrollY) : null};
})"""


@pytest.fixture(scope="module")
def album(platform_app: Platform) -> Album:
    return seed_album(platform_app)


def open_page(browser: Any, album: Album, size: str) -> Any:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=size == "phone"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    page.size = size
    sign_in(page, album.url, *USER)
    return page


def browse(browser: Any, album: Album, size: str) -> Iterator[Any]:
    """A signed-in page at ``size``; the test fails if a script on it threw."""
    page = open_page(browser, album, size)
    yield page
    assert page.js_errors == []
    page.context.close()


@pytest.fixture(params=list(SIZES))
def gallery(request: pytest.FixtureRequest, browser: Any, album: Album) -> Iterator[Any]:
    yield from browse(browser, album, request.param)


@pytest.fixture
def desktop(browser: Any, album: Album) -> Iterator[Any]:
    yield from browse(browser, album, "desktop")


@pytest.fixture
def phone(browser: Any, album: Album) -> Iterator[Any]:
    yield from browse(browser, album, "phone")


def load_every_image(page: Any) -> None:
    page.evaluate(
        """() => Promise.all([...document.images].map((img) => {
          img.loading = 'eager';
          return img.complete ? null : new Promise((done) => { img.onload = img.onerror = done; });
        }))"""
    )


def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    load_every_image(page)
    page.screenshot(path=str(SHOTS / f"{page.size}-{name}.png"), full_page=full_page)


def rows_of(tiles: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    rows: dict[int, list[dict[str, Any]]] = {}
    for tile in tiles:
        rows.setdefault(tile["top"], []).append(tile)
    return list(rows.values())


def scroll_to_the_end(page: Any) -> None:
    while page.locator("#timeline .more").count():
        before = page.locator("#timeline .cell").count()
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        wait_until(
            page,
            f"document.querySelectorAll('#timeline .cell').length > {before}"
            " || !document.querySelector('#timeline .more')",
        )


OLDER_PAGES = re.compile(r".*/photos/\?.*cursor=.*fragment=1.*")


def hold_older_pages(page: Any) -> None:
    """The flow fetches older pages by itself while its end is near the screen (with 8 photos a
    page, at once): refuse those fetches, so that a test can see what happens beyond them."""
    page.route(OLDER_PAGES, lambda route: route.abort())


def release_older_pages(page: Any) -> None:
    page.unroute(OLDER_PAGES)


def month_at_the_top(page: Any, month: str) -> None:
    """Wait until the month's label is at the top of the screen."""
    wait_until(
        page,
        f"""() => {{
          const cell = document.querySelector('#timeline .cell[data-month="{month}"]');
          const label = cell && cell.querySelector('.month-label');
          const top = label && label.getBoundingClientRect().top;
          return Boolean(label) && top >= 0 && top < 100;
        }}""",
        timeout=45,
    )


def touch_drag(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A finger pressed, moved in steps and lifted, through the browser's own touch input."""
    cdp = page.context.new_cdp_session(page)
    (x0, y0), (x1, y1) = start, end
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for i in range(1, 9):
        point = {"x": x0 + (x1 - x0) * i / 8, "y": y0 + (y1 - y0) * i / 8}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_the_album_is_in_the_gallery(album: Album) -> None:
    assert album.photos == 35


def test_pages_look_right_and_pass_axe(gallery: Any, album: Album) -> None:
    """Screenshots of the grid, the lightbox and the photo page; no page scrolls sideways, one h1,
    nothing serious for axe-core."""
    found: dict[str, Any] = {}
    gallery.goto(f"{album.url}/photos/")
    shoot(gallery, "grid")
    found["grid"] = (
        gallery.evaluate("document.documentElement.scrollWidth"),
        axe_problems(gallery),
    )
    gallery.locator("a.tile").nth(3).click()
    wait_until(
        gallery,
        "document.querySelector('#lightbox .lb-media img') &&"
        " !document.querySelector('#lightbox').classList.contains('lb-loading')",
    )
    shoot(gallery, "lightbox", full_page=False)
    found["lightbox"] = (0, axe_problems(gallery))
    gallery.keyboard.press("Escape")
    iphone = gallery.locator("a.tile[title='IMG_0008.jpg']").get_attribute("href")
    gallery.goto(album.url + iphone)
    shoot(gallery, "photo")
    found["photo"] = (
        gallery.evaluate("document.documentElement.scrollWidth"),
        axe_problems(gallery),
    )
    assert gallery.locator("h1").count() == 1
    assert "ƒ/1.6 · 1/120 s · ISO 50" in gallery.inner_text(".facts")

    width = SIZES[gallery.size][0]
    assert {k: v for k, v in found.items() if v[0] > width or v[1]} == {}


def test_rows_run_across_months_and_fill_the_width(gallery: Any, album: Album) -> None:
    gallery.goto(f"{album.url}/photos/")
    tiles = gallery.evaluate(TILES)
    grid = gallery.locator("#timeline .tiles").bounding_box()
    rows = rows_of(tiles)

    assert len(tiles) == 35 and gallery.locator("#timeline .tiles").count() == 1
    # Every row but the last is justified to the grid's width ...
    for row in rows[:-1]:
        assert abs(row[-1]["right"] - (grid["x"] + grid["width"])) < 2, row
        assert abs(row[0]["left"] - grid["x"]) < 2, row
    # ... and rows hold photos of more than one month, each month labelled over its first photo.
    assert any(len({t["month"] for t in row}) > 1 for row in rows)
    labelled = [t for t in tiles if t["label"]]
    assert [t["month"] for t in labelled] == ALBUM_MONTHS
    for tile in labelled:
        assert abs(tile["label_left"] - tile["left"]) < 2 and tile["label_bottom"] <= tile["top"]
    # 35 photos over 14 months: a few screens, not a row per month.
    height = gallery.evaluate("document.documentElement.scrollHeight")
    assert height < {"phone": 3600, "desktop": 2600}[gallery.size], height


def test_older_pages_load_on_scroll_into_the_same_rows(gallery: Any, album: Album) -> None:
    fetched: list[str] = []
    gallery.on("request", lambda r: fetched.append(r.url) if OLDER_PAGES.match(r.url) else None)
    gallery.goto(f"{album.url}/photos/?limit=8")

    scroll_to_the_end(gallery)

    assert len(fetched) == 4  # 35 photos, 8 a page
    tiles = gallery.evaluate(TILES)
    assert len(tiles) == 35 and gallery.locator("#timeline .tiles").count() == 1
    assert [t["month"] for t in tiles if t["label"]] == ALBUM_MONTHS  # one label a month
    grid = gallery.locator("#timeline .tiles").bounding_box()
    for row in rows_of(tiles)[:-1]:
        assert abs(row[-1]["right"] - (grid["x"] + grid["width"])) < 2, row


def test_the_scrubber_jumps_to_a_month_and_newer_photos_load_above(
    desktop: Any, album: Album
) -> None:
    hold_older_pages(desktop)
    desktop.goto(f"{album.url}/photos/?limit=8")
    years = desktop.locator(".scrubber .sc-year").all_inner_texts()
    assert years == ["2024", "2023", "2022"]

    desktop.locator('.scrubber li[data-month="2022-08"] a').click()

    wait_until(desktop, "location.search.includes('at=2022-08')")
    first = desktop.locator("#timeline .cell").first
    assert first.get_attribute("data-month") == "2022-08"
    assert first.locator(".month-label").inner_text() == "August 2022"
    month_at_the_top(desktop, "2022-08")
    assert desktop.locator(".scrubber li.current").get_attribute("data-month") == "2022-08"

    desktop.locator("#timeline .newer").click()
    wait_until(desktop, "document.querySelectorAll('#timeline .cell').length > 8")
    months = [t["month"] for t in desktop.evaluate(TILES) if t["label"]]
    assert months[-2:] == ["2022-08", "2022-04"] and len(months) == len(set(months))


def test_the_scrubber_is_dragged_with_a_finger_on_a_phone(phone: Any, album: Album) -> None:
    phone.goto(f"{album.url}/photos/?limit=8")
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    rail = phone.locator(".scrubber ol").bounding_box()
    x = rail["x"] + rail["width"] / 2

    # Press at the top and drag to the last month: the bubble follows, letting go jumps.
    cdp_start, cdp_end = (x, rail["y"] + 4), (x, rail["y"] + rail["height"] - 2)
    touch_drag(phone, cdp_start, cdp_end)

    wait_until(phone, "location.search.includes('at=2022-04')")
    assert phone.locator("#timeline .cell").first.get_attribute("data-month") == "2022-04"
    assert phone.locator(".sc-bubble").is_hidden()
    shoot(phone, "after-scrubbing")


def test_the_scrubber_marks_the_month_on_screen(desktop: Any, album: Album) -> None:
    desktop.goto(f"{album.url}/photos/")
    desktop.evaluate(
        "window.scrollBy(0, document.getElementById('m-2023-07').getBoundingClientRect().top - 40)"
    )

    wait_until(
        desktop, "document.querySelector('.scrubber li.current')?.dataset.month === '2023-07'"
    )


def test_the_scrubber_is_one_tab_stop_moved_with_the_arrow_keys(desktop: Any, album: Album) -> None:
    desktop.goto(f"{album.url}/photos/?limit=8")
    links = desktop.locator(".scrubber a")
    assert [links.nth(i).get_attribute("tabindex") for i in range(3)] == [None, "-1", "-1"]
    links.first.focus()

    for _ in range(4):
        desktop.keyboard.press("ArrowDown")
    assert desktop.locator(".sc-bubble").inner_text() == "December 2023"
    desktop.keyboard.press("Enter")

    month_at_the_top(desktop, "2023-12")


def test_the_lightbox_keeps_focus_inside_and_gives_it_back(gallery: Any, album: Album) -> None:
    gallery.goto(f"{album.url}/photos/")
    tile = gallery.locator("a.tile").nth(4)
    tile.focus()
    gallery.keyboard.press("Enter")
    gallery.wait_for_selector("#lightbox[open] .lb-media img")
    inside = "document.getElementById('lightbox').contains(document.activeElement)"

    assert gallery.evaluate(inside)
    for key in ["Tab"] * 14 + ["Shift+Tab"] * 5:
        gallery.keyboard.press(key)
        assert gallery.evaluate(inside), key
    gallery.keyboard.press("Escape")

    assert not gallery.evaluate("document.getElementById('lightbox').open")
    wait_until(
        gallery, f"document.activeElement.dataset.photo === '{tile.get_attribute('data-photo')}'"
    )


def test_the_lightbox_goes_on_with_arrow_keys_and_gives_back_the_last_photo(
    desktop: Any, album: Album
) -> None:
    hold_older_pages(desktop)
    desktop.goto(f"{album.url}/photos/?limit=8")
    ids = desktop.locator("a.tile").evaluate_all("els => els.map(e => e.dataset.photo)")
    assert len(ids) == 8
    desktop.locator("a.tile").nth(6).click()
    desktop.wait_for_selector("#lightbox[open] .lb-media img")

    desktop.keyboard.press("ArrowRight")
    wait_until(desktop, f"location.hash === '#photo-{ids[7]}'")
    release_older_pages(desktop)
    desktop.keyboard.press("ArrowRight")  # past the loaded page: the next one is fetched
    wait_until(desktop, "document.querySelectorAll('#timeline .cell').length > 8")
    wait_until(desktop, f"location.hash !== '#photo-{ids[7]}'")
    shown = desktop.evaluate("location.hash.slice(7)")
    desktop.keyboard.press("ArrowLeft")
    wait_until(desktop, f"location.hash === '#photo-{ids[7]}'")
    desktop.locator("#lightbox .lb-close").click()

    wait_until(desktop, f"document.activeElement.dataset.photo === '{ids[7]}'")
    assert shown not in ids


def test_a_swipe_goes_to_the_next_and_previous_photo(phone: Any, album: Album) -> None:
    phone.goto(f"{album.url}/photos/")
    ids = phone.locator("a.tile").evaluate_all("els => els.map(e => e.dataset.photo)")
    phone.locator("a.tile").nth(2).click()
    middle = (195, 250)
    shown = "!document.querySelector('#lightbox').classList.contains('lb-loading')"
    wait_until(phone, f"document.querySelector('#lightbox[open] .lb-media img') && {shown}")

    touch_drag(phone, middle, (40, 260))  # to the left: the next photo
    wait_until(phone, f"location.hash === '#photo-{ids[3]}'")
    wait_until(phone, shown)
    touch_drag(phone, middle, (350, 240))  # to the right: back
    wait_until(phone, f"location.hash === '#photo-{ids[2]}'")
    touch_drag(phone, middle, (185, 600))  # down: a scroll, not a swipe
    phone.wait_for_timeout(300)

    assert phone.evaluate("location.hash") == f"#photo-{ids[2]}"


def test_the_photo_page_goes_on_with_the_arrow_keys_in_its_filter(
    desktop: Any, album: Album
) -> None:
    desktop.goto(f"{album.url}/photos/?camera=Apple+iPhone+13")
    ids = desktop.locator("a.tile").evaluate_all("els => els.map(e => e.dataset.photo)")
    desktop.goto(f"{album.url}/photos/{ids[1]}/?camera=Apple+iPhone+13")

    desktop.keyboard.press("ArrowRight")
    desktop.wait_for_url(f"**/photos/{ids[2]}/?camera=Apple+iPhone+13")
    desktop.keyboard.press("ArrowLeft")
    desktop.wait_for_url(f"**/photos/{ids[1]}/?camera=Apple+iPhone+13")


def test_filters_narrow_each_other_in_the_bar(desktop: Any, album: Album) -> None:
    desktop.goto(f"{album.url}/photos/")
    desktop.select_option("select[name=camera]", "Canon EOS R6")
    desktop.wait_for_url("**/photos/?camera=Canon+EOS+R6")

    years = desktop.locator("select[name=year] option").all_inner_texts()
    assert years == ["All years", "2024 (1)", "2023 (7)", "2022 (3)"]
    desktop.select_option("select[name=year]", "2023")
    desktop.wait_for_url("**/photos/?year=2023&camera=Canon+EOS+R6")
    months = desktop.locator("select[name=month] option").all_inner_texts()
    assert months == ["All of 2023", "October (2)", "July (5)"]
    assert desktop.locator("a.tile").count() == 7


def test_the_problems_card_says_why_and_stays_dismissed(gallery: Any, album: Album) -> None:
    gallery.goto(f"{album.url}/photos/")
    card = gallery.locator("section.problems")
    assert "Problems with 1 photo" in card.inner_text()
    assert "IMG_4032.jpg" in card.inner_text() and "Not a usable photo" in card.inner_text()
    if gallery.size == "phone":
        shoot(gallery, "problems", full_page=False)
        return  # the desktop run dismisses it

    card.locator("button", has_text="Dismiss").click()

    card.wait_for(state="detached")
    assert gallery.evaluate("location.pathname") == "/photos/"  # no reload
    gallery.reload()
    assert gallery.locator("section.problems").count() == 0
    assert NAMED  # the named photos are in the grid, dated by their names
    assert gallery.locator("a.tile[title='Screenshot 2024-03-02 at 14.22.01.png']").count() == 1


def test_a_shift_click_selects_a_range_that_downloads_as_one_zip(
    desktop: Any, album: Album, tmp_path: Any
) -> None:
    desktop.goto(f"{album.url}/photos/")
    tiles = desktop.locator("a.tile")
    names = [tiles.nth(i).get_attribute("title") for i in range(1, 6)]

    tiles.nth(1).hover()
    desktop.locator("input.pick").nth(1).click()
    desktop.locator("input.pick").nth(5).click(modifiers=["Shift"])

    assert desktop.inner_text(".sb-count") == "5 selected"
    assert desktop.locator(".cell.selected").count() == 5
    with desktop.expect_download() as download:
        desktop.locator(".select-bar button[value=download]").click()
    path = tmp_path / "photos.zip"
    download.value.save_as(path)
    assert sorted(zipfile.ZipFile(path).namelist()) == sorted(names)
    desktop.keyboard.press("Escape")  # done choosing
    assert desktop.locator(".cell.selected").count() == 0
    assert desktop.locator(".select-bar").is_hidden()


def test_a_long_press_starts_choosing_on_a_phone_and_taps_add_to_it(
    phone: Any, album: Album
) -> None:
    phone.goto(f"{album.url}/photos/")
    first, third = phone.locator("a.tile").nth(1), phone.locator("a.tile").nth(3)
    box = first.bounding_box()
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp = phone.context.new_cdp_session(phone)

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    phone.wait_for_timeout(700)  # a finger held down
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    wait_until(phone, "document.querySelector('.sb-count')?.textContent === '1 selected'")
    assert not phone.evaluate("document.getElementById('lightbox').open")
    third.tap()
    assert phone.inner_text(".sb-count") == "2 selected"
    assert not phone.evaluate("document.getElementById('lightbox').open")
    shoot(phone, "selecting", full_page=False)

    phone.fill(".select-bar input[name=tag]", "Beach days")
    phone.press(".select-bar input[name=tag]", "Enter")

    phone.wait_for_url(f"{album.url}/photos/")
    assert "Tagged 2 photos “beach days”." in phone.inner_text(".messages")
    phone.goto(f"{album.url}/photos/?tag=beach+days")
    assert phone.locator("a.tile").count() == 2


def test_deleting_a_selection_asks_first(desktop: Any, album: Album) -> None:
    desktop.goto(f"{album.url}/photos/?camera=Google+Pixel+7")
    before = desktop.locator("a.tile").count()
    doomed = desktop.locator("a.tile").nth(0).get_attribute("title")
    desktop.locator("a.tile").nth(0).click(modifiers=["Shift"])
    desktop.locator(".select-bar button[value=delete]").click()

    desktop.wait_for_url("**/photos/bulk?camera=Google+Pixel+7")
    assert desktop.locator("h1").inner_text() == "Delete 1 photo?"
    assert desktop.locator(".doomed-photos img").get_attribute("alt") == doomed
    assert axe_problems(desktop) == []
    desktop.click("button:has-text('Delete 1 photo')")

    desktop.wait_for_url(f"{album.url}/photos/?camera=Google+Pixel+7")
    assert "Deleted 1 photo." in desktop.inner_text(".messages")
    assert desktop.locator("a.tile").count() == before - 1
    assert desktop.locator(f"a.tile[title='{doomed}']").count() == 0
