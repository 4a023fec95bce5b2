"""CSV datasets in a real browser: upload, wait for the profile, read the list and the report."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Platform, screenshot, wait_until

pytestmark = pytest.mark.browser


def sales_csv(path: Path, rows: int = 400) -> Path:
    """A plausible export with a few defects the report should point at."""
    rng = random.Random(7)
    cities = ["Paris", "London", "Berlin", "Rome", "Madrid", "Oslo", "Lisbon"]
    lines = ["order_id,ordered_on,city,quantity,unit_price,paid,note"]
    for n in range(1, rows + 1):
        quantity = str(rng.randint(1, 12)) if n % 37 else ""
        price = f"{rng.lognormvariate(3, 0.6):.2f}"
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        note = rng.choice(["", "gift", "express", "<b>fragile</b>", "call first"])
        paid = rng.choice(["true", "true", "false"])
        lines.append(f"{n},{day},{rng.choice(cities)},{quantity},{price},{paid},{note}")
    lines[120] = lines[120].rsplit(",", 2)[0]  # a short row
    lines.insert(200, lines[199])  # a repeated row
    lines[300] = ",".join(
        (part if i != 3 else "a dozen") for i, part in enumerate(lines[300].split(","))
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_uploaded_csv_is_profiled_and_reported(
    page: Any, platform_app: Platform, tmp_path: Path
) -> None:
    page.goto(f"{platform_app.url}/datasets/")
    screenshot(page, "datasets-empty")

    csv = sales_csv(tmp_path / "sales 2024.csv")
    broken = tmp_path / "scan.csv"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40)
    page.goto(f"{platform_app.url}/upload/")
    page.set_input_files("#files", [str(csv), str(broken)])
    wait_until(
        page,
        "[...document.querySelectorAll('#queue li')]"
        ".some(li => li.textContent.includes('sales 2024') && li.querySelector('.badge.done'))",
        timeout=60,
    )
    wait_until(
        page,
        "[...document.querySelectorAll('#queue li')]"
        ".some(li => li.textContent.includes('scan.csv') && li.querySelector('.badge.rejected'))",
        timeout=60,
    )
    assert "not text" in page.locator("#queue li", has_text="scan.csv").inner_text()

    page.click("header.top nav >> text=Datasets")
    page.wait_for_url(f"{platform_app.url}/datasets/")
    row = page.locator("tr", has_text="sales 2024.csv")
    assert "400" in row.inner_text() and "Success" in row.inner_text()
    assert "not text" in page.locator("tr", has_text="scan.csv").inner_text()
    screenshot(page, "datasets-list")

    page.locator("tr", has_text="scan.csv").get_by_role("link", name="scan.csv").click()
    assert "could not be profiled" in page.inner_text("main")
    screenshot(page, "datasets-error")

    page.go_back()

    row.get_by_role("link", name="sales 2024.csv").click()
    page.wait_for_selector("svg.chart.histogram")
    text = page.inner_text("main")
    assert "Quality issues" in text and "Schema" in text and "First 50 rows" in text
    assert page.locator("svg.chart.histogram").count() >= 3  # ids, dates, prices
    assert page.locator("svg.chart.bars").count() >= 2  # city, note
    assert page.get_by_role("img", name="Distribution of unit_price").count() == 1
    assert page.locator("table.ds-preview tbody tr").count() == 50
    screenshot(page, "datasets-detail")

    with page.expect_download() as info:
        page.get_by_text("Download summary JSON").click()
    assert info.value.suggested_filename == "sales 2024_summary.json"
