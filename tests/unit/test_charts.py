"""The shared chart primitives (platform_site.charts) and the dataset page's charts: SVG that
parses, draws to scale, escapes every label, reads well on a phone and needs no style
attribute (a strict Content-Security-Policy forbids them)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from chats import charts as chat_charts
from datasets.charts import HIST_WIDTH, column_chart, top_values_chart
from platform_site.charts import (
    bar_chart,
    compact,
    counted,
    empty_chart,
    format_number,
    truncate,
)

SVG = "{http://www.w3.org/2000/svg}"
# A chart drawn this wide on a 390 px phone (a card inside the page's margins) keeps its
# smallest text at 11 px or more.
PHONE_CHART_PX = 290


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted XML)


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}rect[@class='bar']")


def fills(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}rect[@class='fill']")


def smallest_text_px(svg: str, drawn_width: float) -> float:
    root = parse(svg)
    view_width = float((root.get("viewBox") or "0 0 1 1").split()[2])
    sizes = [float(t.get("font-size") or 16) for t in root.iter(f"{SVG}text")]
    return min(sizes) * drawn_width / view_width


def every_chart() -> dict[str, str]:
    return {
        "histogram": column_chart([1, 5, 2], [0, 1, 2, 3], title="h", chart_id="h"),
        "top values": top_values_chart([("Paris", 4)], title="t", chart_id="t", total=9),
        "bars": bar_chart([("a", 1), ("b", 2)], title="b", chart_id="b"),
        "empty": empty_chart("x", "Nothing"),
        "chat bars": chat_charts.sender_bars([("Ana", 3)], title="c", chart_id="c"),
        "chat months": chat_charts.month_columns([("2024-01", 3)], title="m", chart_id="m"),
        "chat heatmap": chat_charts.heatmap([(1, 9, 3)], title="w", chart_id="w"),
    }


@pytest.mark.parametrize("name", list(every_chart()))
def test_no_chart_uses_a_style_attribute(name: str) -> None:
    svg = every_chart()[name]
    assert not re.search(r"\sstyle=", svg)
    parse(svg)  # and it is well-formed


@pytest.mark.parametrize("name", ["histogram", "top values"])
def test_dataset_charts_keep_11_px_text_on_a_phone(name: str) -> None:
    assert smallest_text_px(every_chart()[name], PHONE_CHART_PX) >= 11


def test_the_shared_bar_chart_keeps_11_px_text_in_a_phone_wide_panel() -> None:
    assert smallest_text_px(every_chart()["bars"], 340) >= 11


def test_histogram_is_well_formed_and_accessible() -> None:
    root = parse(column_chart([1, 2, 3], [0, 1, 2, 3], title="age", chart_id="c1"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "age"  # type: ignore[union-attr]
    description = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "3 bins from 0 to 3" in description and "6 rows" in description
    assert root.get("viewBox") == f"0 0 {HIST_WIDTH} 110"


def test_histogram_columns_are_proportional_to_the_counts() -> None:
    root = parse(column_chart([10, 5, 0, 20], [0, 1, 2, 3, 4], title="n", chart_id="c"))

    heights = [float(rect.get("height") or 0) for rect in bars(root)]
    assert heights[3] == max(heights)
    assert heights[0] == pytest.approx(heights[3] / 2)
    assert heights[1] == pytest.approx(heights[3] / 4)
    assert heights[2] == 0
    xs = [float(rect.get("x") or 0) for rect in bars(root)]
    assert xs == sorted(xs)


def test_each_bin_names_its_range_and_count_in_words() -> None:
    root = parse(
        column_chart([3, 1], ["2020-01-01", "2020-06-01", "2021-01-01"], title="d", chart_id="d")
    )
    tips = [rect.find(f"{SVG}title").text for rect in bars(root)]  # type: ignore[union-attr]
    assert tips == ["2020-01-01 – 2020-06-01: 3 rows", "2020-06-01 – 2021-01-01: 1 row"]


def test_a_tiny_bin_stays_visible_beside_a_huge_one() -> None:
    root = parse(column_chart([1_000_000, 1], [0, 1, 2], title="n", chart_id="c"))
    assert float(bars(root)[1].get("height") or 0) >= 1


def test_histogram_refuses_mismatched_edges() -> None:
    with pytest.raises(ValueError, match="one more edge"):
        column_chart([1, 2], [0, 1], title="n", chart_id="c")


def test_empty_histogram_draws_no_bars() -> None:
    root = parse(column_chart([0, 0], [0.0, 0.5, 1.0], title="n", chart_id="c"))
    assert all(float(rect.get("height") or 0) == 0 for rect in bars(root))


def test_bar_lengths_are_proportional_to_the_values() -> None:
    root = parse(bar_chart([("Paris", 40), ("Rome", 20), ("Oslo", 10)], title="t", chart_id="b"))

    widths = [float(rect.get("width") or 0) for rect in fills(root)]
    assert widths[0] == pytest.approx(2 * widths[1]) == pytest.approx(4 * widths[2])
    labels = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "label"]
    assert labels == ["Paris", "Rome", "Oslo"]


def test_labels_titles_and_colours_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & Co'
    svg = top_values_chart([(hostile, 3)], title="top <b>values</b>", chart_id='x"y', total=4)

    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "top <b>values</b>"  # type: ignore[union-attr]
    tip = root.find(f".//{SVG}g/{SVG}title").text or ""  # type: ignore[union-attr]
    assert tip == f"{hostile}: 3 rows (75.0%)"
    assert root.get("aria-labelledby") == 'x"y-title x"y-desc'
    assert "<x " not in bar_chart([("a", 1)], title="t", chart_id="c", colors=['r"/><x a="'])


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip() -> None:
    label = "a rather long value that does not fit"
    root = parse(bar_chart([(label, 1)], title="t", chart_id="b"))
    shown = next(t.text for t in root.iter(f"{SVG}text") if t.get("class") == "label") or ""
    assert shown.endswith("…") and len(shown) <= 16
    assert label in (root.find(f".//{SVG}g/{SVG}title").text or "")  # type: ignore[union-attr]


def test_empty_values_are_named_and_no_values_say_so() -> None:
    root = parse(bar_chart([("", 2)], title="t", chart_id="b"))
    assert any(t.text == "(empty)" for t in root.iter(f"{SVG}text"))
    assert "No data yet" in bar_chart([], title="t", chart_id="b")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(3, "3"), (1234567, "1,234,567"), (2.0, "2"), (0.123456, "0.1235"), (1.5e9, "1.5e+09")],
)
def test_numbers_read_as_numbers(value: float, shown: str) -> None:
    assert format_number(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (999, "999"),
        (1234, "1,234"),
        (12_500, "12.5k"),
        (10_000, "10k"),
        (123_456, "123k"),
        (4_500_000, "4.5M"),
        (1_200_000_000, "1.2G"),
    ],
)
def test_counts_in_a_few_characters(value: float, shown: str) -> None:
    assert compact(value) == shown


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (1, "rows", "1 row"),
        (2, "rows", "2 rows"),
        (0, "rows", "0 rows"),
        (1, "media", "1 media"),
        (12345, "messages", "12,345 messages"),
    ],
)
def test_counts_in_words(value: int, unit: str, shown: str) -> None:
    assert counted(value, unit) == shown


def test_truncation_keeps_one_line() -> None:
    assert truncate("a\nb   c", 10) == "a b c"
    assert truncate("abcdefghijk", 5) == "abcd…"
