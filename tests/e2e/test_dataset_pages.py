"""CSV datasets in a real browser: upload, wait for the profile, read the list and the report
at phone (390×844) and desktop (1440×900) sizes; sort and page the sample rows; invalid cells
stand out; chart labels stay readable."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Platform, screenshot, sign_in, wait_until

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}


def sales_csv(path: Path, rows: int = 400) -> Path:
    """A plausible export with a few defects the report should point at."""
    rng = random.Random(7)
    cities = ["Paris", "London", "Berlin", "Rome", "Madrid", "Oslo", "Lisbon"]
    lines = ["order_id,ordered_on,city,quantity,unit_price,paid,note"]
    for n in range(1, rows + 1):
        quantity = str(rng.randint(1, 12)) if n % 37 else "N/A"
        price = f"{rng.lognormvariate(3, 0.6):.2f}"
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        note = rng.choice(["", "gift", "express", "<b>fragile</b>", "call first"])
        paid = rng.choice(["true", "true", "false"])
        lines.append(f"{n},{day},{rng.choice(cities)},{quantity},{price},{paid},{note}")
    lines[120] = lines[120].rsplit(",", 2)[0]  # a short row
    lines.insert(200, lines[199])  # a repeated row
    lines[3] = ",".join(  # a quantity that is not a number, on line 4
        (part if i != 3 else "a dozen") for i, part in enumerate(lines[3].split(","))
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def uploaded(browser: Any, platform_app: Platform, tmp_path_factory: Any) -> Iterator[Platform]:
    """The sales file and an unreadable one, uploaded through the upload page once."""
    folder = tmp_path_factory.mktemp("datasets")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, platform_app.url, platform_app.username, platform_app.password)
    page.goto(f"{platform_app.url}/datasets/")
    screenshot(page, "datasets-empty-1440")
    broken = folder / "scan.csv"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40)
    page.goto(f"{platform_app.url}/upload/")
    page.set_input_files("#files", [str(sales_csv(folder / "sales 2024.csv")), str(broken)])
    for name, badge in (("sales 2024", "done"), ("scan.csv", "rejected")):
        wait_until(
            page,
            "([name, badge]) => [...document.querySelectorAll('#queue li')]"
            ".some(li => li.textContent.includes(name) && li.querySelector('.badge.' + badge))",
            arg=[name, badge],
            timeout=60,
        )
    context.close()
    yield platform_app


@pytest.fixture(params=list(SIZES))
def sized(request: Any, browser: Any, uploaded: Platform) -> Iterator[tuple[Any, str]]:
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, uploaded.url, uploaded.username, uploaded.password)
    yield page, f"{request.param}-{width}"
    context.close()


def open_sales(page: Any, url: str) -> None:
    page.goto(f"{url}/datasets/")
    page.get_by_role("link", name="sales 2024.csv").click()
    page.wait_for_selector("svg.chart.histogram")


def fits_the_viewport(page: Any) -> bool:
    """Nothing of the page's own makes it wider than the window (the shared header is
    another suite's: tests/e2e/test_every_page*)."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= "
            "Math.max(window.innerWidth, document.querySelector('header').scrollWidth)"
        )
    )


def sample_column(page: Any, name: str) -> list[str]:
    index = page.evaluate(
        "(name) => [...document.querySelectorAll('table.ds-preview thead th')]"
        ".findIndex(th => th.textContent.trim().startsWith(name))",
        name,
    )
    return [
        text.strip()
        for text in page.eval_on_selector_all(
            f"table.ds-preview tbody tr td:nth-child({index + 1})",
            "cells => cells.map(c => c.childNodes[0] ? c.childNodes[0].textContent : '')",
        )
    ]


def test_the_list_shows_each_dataset_and_why_one_failed(
    sized: tuple[Any, str], uploaded: Platform
) -> None:
    page, size = sized
    page.goto(f"{uploaded.url}/datasets/")
    row = page.locator("tr", has_text="sales 2024.csv")
    assert "400" in row.inner_text() and "Success" in row.inner_text()
    assert "not text" in page.locator("tr", has_text="scan.csv").inner_text()
    assert fits_the_viewport(page)
    screenshot(page, f"datasets-list-{size}")

    page.locator("tr", has_text="scan.csv").get_by_role("link", name="scan.csv").click()
    assert "could not be profiled" in page.inner_text("main")
    assert fits_the_viewport(page)
    screenshot(page, f"datasets-error-{size}")


def test_the_report_reads_well(sized: tuple[Any, str], uploaded: Platform) -> None:
    page, size = sized
    open_sales(page, uploaded.url)
    text = page.inner_text("main")
    assert "Quality issues" in text and "Schema" in text and "Sample rows" in text
    assert page.locator("svg.chart.histogram").count() >= 3  # ids, dates, prices
    assert page.locator("svg.chart.bars").count() >= 2  # city, note
    assert page.get_by_role("img", name="Distribution of unit_price").count() == 1
    assert page.locator(".ds-issue-kind", has_text="Missing values").count() == 1
    assert fits_the_viewport(page)
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.chart text')].map(t => {
             const scale = t.ownerSVGElement.getScreenCTM().a;
             return parseFloat(getComputedStyle(t).fontSize) * scale; }))"""
    )
    assert smallest >= 11, f"chart labels drawn at {smallest:.1f} px"
    screenshot(page, f"datasets-detail-{size}")

    with page.expect_download() as info:
        page.get_by_text("Download summary JSON").click()
    assert info.value.suggested_filename == "sales 2024_summary.json"


def test_sample_rows_are_sorted_paged_and_marked(
    sized: tuple[Any, str], uploaded: Platform
) -> None:
    page, size = sized
    open_sales(page, uploaded.url)
    sample = page.locator("#sample")
    assert page.locator("table.ds-preview tbody tr").count() == 25
    assert "Rows 1–25 of 400." in sample.inner_text()

    bad = page.locator("td.ds-bad-cell")
    assert bad.count() == 1 and bad.first.inner_text().startswith("a dozen")
    assert bad.first.get_attribute("title") == "not an integer"
    colours = bad.first.evaluate(
        "c => [c, c.parentElement.children[0]].map(e => getComputedStyle(e).backgroundColor)"
    )
    assert colours[0] != colours[1]  # it stands out from its row
    assert page.locator("td.ds-missing-cell").count() > 0
    screenshot(page, f"datasets-sample-{size}")

    page.locator("table.ds-preview thead th", has_text="unit_price").get_by_role("link").click()
    page.wait_for_url("**sort=4**")
    prices = [float(value) for value in sample_column(page, "unit_price")]
    assert prices == sorted(prices)
    page.locator("table.ds-preview thead th", has_text="unit_price").get_by_role("link").click()
    page.wait_for_url("**order=desc**")
    prices = [float(value) for value in sample_column(page, "unit_price")]
    assert prices == sorted(prices, reverse=True)
    assert page.locator("th[aria-sort=descending]", has_text="unit_price").count() == 1
    screenshot(page, f"datasets-sample-sorted-{size}")

    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**page=2**")
    assert "Rows 26–50 of 400." in sample.inner_text()
    following = [float(value) for value in sample_column(page, "unit_price")]
    assert following[0] <= prices[-1] and following == sorted(following, reverse=True)
    assert fits_the_viewport(page)
