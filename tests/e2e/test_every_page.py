"""Every page, on a phone (390×844) and a desktop (1440×900), with realistic content.

One visit per page and size records what the page looks like (its width, headings, landmarks,
controls, chart labels, axe-core's findings) and saves a screenshot under var/screenshots/pages/;
each test below then states one rule over all the visits.
"""

from __future__ import annotations

import io
import random
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import SCREENSHOTS, Platform, axe_problems, sign_in, wait_until
from tests.e2e.test_dataset_pages import sales_csv
from tests.factories.gallery import photo_bytes

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
USER = ("rosa", "rosa-pass-123")
SHOTS = SCREENSHOTS / "pages"
PEOPLE = ("Mum", "Dad", "Sofia Almeida-Berg", "Me")
LINES = (
    "Are you coming for lunch on Sunday?",
    "I'll bring the cake 🎂",
    "The train is late again, sorry",
    "Look at the garden, the roses are out",
    "Can someone call grandma tonight?",
    "Booked the cottage for the first week of August!",
    "Don't forget your passport",
    "Miss you all ❤️",
    "Who has the spare key to the shed?",
    "That photo is lovely, send me the original please",
)


def family_export() -> str:
    """Fourteen months of a family group, with attachments, omitted media and a long name."""
    rng = random.Random(12)
    when = datetime(2023, 3, 4, 8, 30)
    lines = ["[04/03/2023, 08:29:00] Mum: \u200eMessages and calls are end-to-end encrypted."]
    for i in range(220):
        when += timedelta(minutes=rng.choice((2, 5, 30, 240, 2000, 6000, 9000)))
        sender = rng.choices(PEOPLE, weights=(5, 2, 3, 4))[0]
        stamp = f"[{when:%d/%m/%Y, %H:%M:%S}] {sender}:"
        if i % 29 == 7:
            lines.append(f"{stamp} <attached: {i:08d}-PHOTO-{when:%Y-%m-%d-%H-%M-%S}.jpg>")
        elif i % 41 == 3:
            lines.append(f"{stamp} \u200eimage omitted")
        else:
            lines.append(f"{stamp} {rng.choice(LINES)}")
    return "\n".join(lines) + "\n"


RITA = (
    "[02/02/2024, 19:01:10] Rita: Dinner on Friday?\n"
    "[02/02/2024, 19:03:41] Me: Yes! The new place near the river?\n"
    "[02/02/2024, 19:04:02] Rita: Perfect, 8 pm\n"
    "[09/02/2024, 22:15:00] Rita: That was fun, thanks for the book 📚\n"
)

# (file name, size, taken, camera) of the photos: several years, landscape and portrait.
PHOTOS = (
    ("IMG_20190714_beach.jpg", (640, 480), "2019:07:14 16:20:00", ("Canon", "EOS 80D")),
    ("lake at dawn.jpg", (480, 640), "2021:05:02 06:11:00", ("Google", "Pixel 5")),
    ("birthday-cake.jpg", (640, 427), "2023:11:19 18:45:00", ("Apple", "iPhone 13")),
    ("snow day.jpg", (640, 480), "2023:12:30 11:02:00", ("Apple", "iPhone 13")),
    ("IMG_20240212_market.jpg", (427, 640), "2024:02:12 10:31:00", ("Apple", "iPhone 15 Pro")),
    ("panorama harbour.jpg", (900, 300), "2024:06:08 20:05:00", ("Apple", "iPhone 15 Pro")),
)


@dataclass
class Site:
    url: str
    photo: str = ""
    dataset: str = ""
    delete: str = ""
    uploads: dict[str, int] = field(default_factory=dict)


def _session(url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{url}/accounts/login/")
    session.post(
        f"{url}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": login.cookies["csrftoken"],
        },
        headers={"Referer": login.url},
    )
    return session


@pytest.fixture(scope="module")
def site(platform_app: Platform, tmp_path_factory: pytest.TempPathFactory) -> Site:
    return seed(platform_app, tmp_path_factory.mktemp("every-page"))


def seed(platform_app: Platform, tmp: Path) -> Site:
    """A user of its own with photos over five years, two chats, a CSV, a zip and a PDF, all
    uploaded through the upload API and processed by the worker."""
    username, password = USER
    platform_app.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model;"
        f"get_user_model().objects.filter(username={username!r}).exists() or "
        f"get_user_model().objects.create_user({username!r}, password={password!r})",
    )
    session = _session(platform_app.url, username, password)
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": platform_app.url}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("receipts/2023-11 boiler.txt", "Boiler service, paid in full.\n" * 20)
        z.writestr("receipts/2024-01 bike.txt", "Bike repair: chain and brakes.\n" * 20)
        z.writestr("notes.md", "# House\n\nThings to fix before winter.\n")
    files: list[tuple[str, bytes]] = [
        (name, photo_bytes(size, taken=taken, make=cam[0], model=cam[1], seed=n))
        for n, (name, size, taken, cam) in enumerate(PHOTOS)
    ]
    files += [
        ("WhatsApp Chat with Family.txt", family_export().encode()),
        ("WhatsApp Chat with Rita.txt", RITA.encode()),
        ("sales 2024.csv", sales_csv(tmp / "sales.csv").read_bytes()),
        ("house papers.zip", archive.getvalue()),
        ("Tenancy agreement – signed copy 2024.pdf", b"%PDF-1.4 " + b"x" * 120_000),
    ]
    site = Site(platform_app.url)
    for name, data in files:
        response = session.post(
            f"{platform_app.url}/api/uploads", headers=headers, files={"file": (name, data)}
        )
        assert response.status_code == 201, response.text
        site.uploads[name] = response.json()["id"]
    ids = ",".join(str(i) for i in site.uploads.values())
    deadline = time.monotonic() + 120
    objects = _objects(session, site.url, ids)
    while not all(o["final"] for o in objects):
        assert time.monotonic() < deadline, [o for o in objects if not o["final"]]
        time.sleep(0.2)
        objects = _objects(session, site.url, ids)
    assert all(o["status"] == "done" for o in objects), objects
    site.photo = session.get(f"{site.url}/api/photos").json()["photos"][0]["detail_url"]
    found = re.search(r'href="(/datasets/\d+/)"', session.get(f"{site.url}/datasets/").text)
    assert found, "the CSV has no dataset page"
    site.dataset = found.group(1)
    site.delete = f"/library/{site.uploads['Tenancy agreement – signed copy 2024.pdf']}/delete"
    return site


def _objects(session: requests.Session, url: str, ids: str) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = session.get(f"{url}/api/objects?ids={ids}").json()["objects"]
    return objects


# What every visit measures, in the page as it is after loading (and any steps taken).
MEASURE = """() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const visible = (el) => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const clipped = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
      if (p === document.body) return false;
      if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  const sticking_out = [...document.body.querySelectorAll('*')]
    .filter((el) => visible(el) && el.getBoundingClientRect().right > vw + 0.5 && !clipped(el))
    .slice(0, 5).map(name);
  const focusable = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
    .filter((el) => el.tabIndex >= 0 && !el.disabled);
  const skip = focusable[0];
  const target = skip && skip.hash ? document.querySelector(skip.hash) : null;
  const out = (el) => { const r = el.getBoundingClientRect();
    return r.left < -0.5 || r.right > vw + 0.5 || r.top < -0.5 || r.bottom > vh + 0.5; };
  const signOut = [...document.querySelectorAll('header button')]
    .find((b) => b.textContent.trim() === 'Sign out');
  // A control is cut when its text overflows it, wraps inside it, or a clipping ancestor hides
  // part of it (the library's "Dele" button).
  const wraps = (el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), tops = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const r = document.createRange(); r.selectNodeContents(n);
      for (const q of r.getClientRects()) tops.push(q.top); }
    const size = parseFloat(getComputedStyle(el).fontSize);
    return tops.length > 1 && Math.max(...tops) - Math.min(...tops) > size / 2; };
  const hidden_part = (el) => { const r = el.getBoundingClientRect();
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const q = p.getBoundingClientRect();
      if (r.left < q.left - 0.5 || r.right > q.right + 0.5) return true; }
    return false; };
  const cut = [...document.querySelectorAll('.btn, button, summary')]
    .filter((el) => visible(el) && (el.scrollWidth > el.clientWidth + 1 || wraps(el) ||
      hidden_part(el)))
    .map((el) => name(el) + ' "' + el.textContent.trim() + '"');
  const labels = [...document.querySelectorAll('svg.chart text')].filter(visible).map((t) => {
    const m = t.getScreenCTM();
    return {px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b),
            text: t.textContent};
  }).sort((a, b) => a.px - b.px);
  return {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, sticking_out,
    h1: [...document.querySelectorAll('h1')].filter(visible).map((h) => h.textContent.trim()),
    skip: skip ? {text: skip.textContent.trim(), hash: skip.hash || '', target: !!target &&
      target.tagName.toLowerCase()} : null,
    main: document.querySelectorAll('main').length,
    banner: document.querySelectorAll('body > header').length,
    signOut: signOut ? {visible: visible(signOut), offscreen: out(signOut)} : null,
    cut, smallest_label: labels[0] || null, chart_labels: labels.length,
  };
}"""


@dataclass
class Visit:
    size: str
    page: str
    html: str
    facts: dict[str, Any]
    axe: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


def _upload_two(page: Any, site: Site, extra: dict[str, Any], tmp: Path) -> None:
    long_name = tmp / "Quarterly household budget and receipts (final, v3).pdf"
    long_name.write_bytes(b"%PDF-1.4 " + b"y" * 40_000)
    short = tmp / "shopping.md"
    short.write_text("Shopping: milk, bread, coffee\n")
    page.set_input_files("#files", [str(long_name), str(short)])
    wait_until(page, "document.querySelectorAll('#queue li[data-state=done]').length === 2")
    extra["names"] = page.eval_on_selector_all(
        "#queue .upload-name",
        "els => els.map(e => ({text: e.textContent, shown: e.clientWidth, whole: e.scrollWidth}))",
    )


def _open_lightbox(page: Any, site: Site, extra: dict[str, Any], tmp: Path) -> None:
    page.locator("a.tile[data-photo]").nth(1).click()
    page.wait_for_selector("#lightbox .lb-media img")
    wait_until(page, "!document.querySelector('#lightbox').classList.contains('lb-loading')")
    extra["controls"] = page.eval_on_selector_all(
        "#lightbox .lb-btn",
        """els => els.map(b => { const r = b.getBoundingClientRect();
          return {label: b.getAttribute('aria-label'), left: r.left, right: r.right,
                  top: r.top, bottom: r.bottom, w: innerWidth, h: innerHeight}; })""",
    )


def _library_menu(page: Any, site: Site, extra: dict[str, Any], tmp: Path) -> None:
    row = page.locator("tr", has_text="Tenancy agreement")
    extra["row_width"] = row.bounding_box()["width"]
    extra["visible_actions"] = [
        el.inner_text().strip()
        for el in row.locator("a, button, summary").all()
        if el.is_visible() and el.inner_text().strip() not in ("", "Tenancy agreement")
    ]


STEPS: dict[str, Callable[[Any, Site, dict[str, Any], Path], None]] = {
    "upload": _upload_two,
    "lightbox": _open_lightbox,
    "library": _library_menu,
}


def _pages(site: Site) -> dict[str, str]:
    return {
        "login": "/accounts/login/",
        "upload": "/upload/",
        "library": "/library/",
        "confirm-delete": site.delete,
        "photos": "/photos/",
        "photo": site.photo,
        "lightbox": "/photos/",
        "chats": "/chats/",
        "conversation": "/chats/conversation?chat=Family&me=Me",
        "search": "/chats/search?q=cake",
        "stats": "/chats/stats?chat=Family",
        "datasets": "/datasets/",
        "dataset": site.dataset,
        "not-found": "/photos/999999/",
    }


@pytest.fixture(scope="module")
def visits(
    browser: Any, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Visit]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("every-page-files")
    found: dict[tuple[str, str], Visit] = {}
    for size, (width, height) in SIZES.items():
        for signed_in in (False, True):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.set_default_timeout(15_000)
            if signed_in:
                sign_in(page, site.url, *USER)
            for name, path in _pages(site).items():
                if (name == "login") == signed_in:
                    continue
                response = page.goto(site.url + path)
                page.wait_for_load_state("load")
                extra: dict[str, Any] = {"status": response.status}
                if name in STEPS:
                    try:
                        STEPS[name](page, site, extra, tmp)
                    except Exception as error:  # reported by its test, the other pages go on
                        extra["step_failed"] = repr(error)
                _load_lazy_images(page)
                # The lightbox is an overlay of the screen: a full-page picture would stretch it.
                page.screenshot(
                    path=str(SHOTS / f"{size}-{name}.png"), full_page=name != "lightbox"
                )
                found[size, name] = Visit(
                    size, name, response.text(), page.evaluate(MEASURE), axe_problems(page), extra
                )
                if name == "library" and size == "phone":
                    try:
                        _open_row_menu(page, found[size, name])
                    except Exception as error:  # reported by the library test
                        extra["menu_failed"] = repr(error)
            context.close()
    return found


def _load_lazy_images(page: Any) -> None:
    """Lazy thumbnails below the screen are loaded now, so the full-page screenshot shows them."""
    page.evaluate(
        """() => Promise.all([...document.images].map((img) => {
          img.loading = 'eager';
          return img.complete ? null : new Promise((done) => { img.onload = img.onerror = done; });
        }))"""
    )


def _open_row_menu(page: Any, visit: Visit) -> None:
    row = page.locator("tr", has_text="Tenancy agreement")
    row.locator("summary").click()
    visit.extra["menu_open"] = [
        el.inner_text().strip()
        for el in row.locator("details.menu a, details.menu button").all()
        if el.is_visible()
    ]
    visit.extra["menu_offscreen"] = [
        el.inner_text().strip()
        for el in row.locator("details.menu a, details.menu button").all()
        if el.is_visible() and _right_edge(el) > SIZES["phone"][0]
    ]
    page.screenshot(path=str(SHOTS / "phone-library-menu.png"))


def _right_edge(element: Any) -> float:
    box = element.bounding_box()
    return float(box["x"] + box["width"])


def _report(problems: dict[tuple[str, str], Any]) -> str:
    return "\n".join(f"{size} {page}: {what}" for (size, page), what in problems.items())


def test_every_page_is_visited_at_both_sizes(visits: dict[tuple[str, str], Visit]) -> None:
    assert len(visits) == 2 * 14
    wrong = {k: v.extra["status"] for k, v in visits.items() if v.extra["status"] != 200}
    assert wrong == {("phone", "not-found"): 404, ("desktop", "not-found"): 404}


def test_every_page_takes_its_steps(visits: dict[tuple[str, str], Visit]) -> None:
    failed = {k: v.extra["step_failed"] for k, v in visits.items() if "step_failed" in v.extra}
    assert not failed, _report(failed)


def test_no_page_scrolls_sideways(visits: dict[tuple[str, str], Visit]) -> None:
    wide = {
        k: f"{v.facts['scrollWidth']} px wide in {v.facts['innerWidth']}: {v.facts['sticking_out']}"
        for k, v in visits.items()
        if v.facts["scrollWidth"] > v.facts["innerWidth"]
    }
    assert not wide, _report(wide)


def test_axe_finds_nothing_serious_or_critical(visits: dict[tuple[str, str], Visit]) -> None:
    found = {k: "\n    " + "\n    ".join(v.axe) for k, v in visits.items() if v.axe}
    assert not found, _report(found)


def test_every_page_has_one_main_heading(visits: dict[tuple[str, str], Visit]) -> None:
    wrong = {k: v.facts["h1"] for k, v in visits.items() if len(v.facts["h1"]) != 1}
    assert not wrong, _report(wrong)


def test_every_page_starts_with_a_skip_link_to_its_main_landmark(
    visits: dict[tuple[str, str], Visit],
) -> None:
    wrong = {
        k: (v.facts["skip"], v.facts["main"], v.facts["banner"])
        for k, v in visits.items()
        if not v.facts["skip"]
        or v.facts["skip"]["target"] != "main"
        or "skip" not in v.facts["skip"]["text"].lower()
        or v.facts["main"] != 1
        or v.facts["banner"] != 1
    }
    assert not wrong, _report(wrong)


def test_sign_out_is_on_screen_on_every_signed_in_page(
    visits: dict[tuple[str, str], Visit],
) -> None:
    wrong = {
        k: v.facts["signOut"]
        for k, v in visits.items()
        if k[1] not in ("login", "lightbox")
        and (
            not v.facts["signOut"]
            or not v.facts["signOut"]["visible"]
            or v.facts["signOut"]["offscreen"]
        )
    }
    assert not wrong, _report(wrong)


def test_no_button_is_cut_short(visits: dict[tuple[str, str], Visit]) -> None:
    cut = {k: v.facts["cut"] for k, v in visits.items() if v.facts["cut"]}
    assert not cut, _report(cut)


def test_pages_have_no_inline_scripts_styles_or_event_handlers(
    visits: dict[tuple[str, str], Visit],
) -> None:
    """What a strict Content-Security-Policy (no 'unsafe-inline') would block."""
    inline = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.I)
    found = {k: sorted(set(inline.findall(v.html))) for k, v in visits.items()}
    assert not {k: v for k, v in found.items() if v}, _report({k: v for k, v in found.items() if v})


def test_library_rows_are_cards_with_their_actions_in_one_menu_on_a_phone(
    visits: dict[tuple[str, str], Visit],
) -> None:
    phone = visits["phone", "library"].extra
    assert phone["row_width"] <= 390
    assert phone["visible_actions"] == ["Actions for Tenancy agreement – signed copy 2024.pdf"]
    assert phone["menu_open"] == ["Download", "Delete"]
    assert phone["menu_offscreen"] == []
    desktop = visits["desktop", "library"].extra
    assert desktop["visible_actions"] == ["Download", "Delete"]


def test_upload_queue_shows_the_file_names(visits: dict[tuple[str, str], Visit]) -> None:
    for size in SIZES:
        names = visits[size, "upload"].extra["names"]
        assert len(names) == 2
        for name in names:
            shown = min(1.0, name["shown"] / name["whole"])
            assert shown > 0.6 and name["shown"] >= 200, (size, name)


def test_lightbox_controls_are_on_screen(visits: dict[tuple[str, str], Visit]) -> None:
    for size in SIZES:
        controls = visits[size, "lightbox"].extra["controls"]
        assert [c["label"] for c in controls] == ["Close", "Previous photo", "Next photo"]
        for c in controls:
            assert c["left"] >= 0 and c["right"] <= c["w"], (size, c)
            assert c["top"] >= 0 and c["bottom"] <= c["h"], (size, c)


def test_chart_labels_are_at_least_11_px(visits: dict[tuple[str, str], Visit]) -> None:
    small = {
        k: v.facts["smallest_label"]
        for k, v in visits.items()
        if v.facts["smallest_label"] and v.facts["smallest_label"]["px"] < 10.9
    }
    assert visits["phone", "stats"].facts["chart_labels"] > 20
    assert visits["phone", "dataset"].facts["chart_labels"] > 10
    assert not small, _report(small)
