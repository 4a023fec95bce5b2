"""datasets.charts: inline SVG that parses, draws to scale and escapes every label."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from datasets.charts import bar_chart, column_chart, format_value

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted XML)


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}rect[@class='bar']")


def percent(length: str | None) -> float:
    """A horizontal length, which the charts give as a percentage of their width."""
    assert length is not None and length.endswith("%"), length
    return float(length[:-1])


def test_histogram_is_well_formed_and_accessible() -> None:
    root = parse(column_chart([1, 2, 3], [0, 1, 2, 3], title="age", chart_id="c1"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-t c1-d"
    assert root.find(f"{SVG}title").text == "age"  # type: ignore[union-attr]
    description = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "3 bins from 0 to 3" in description and "6 rows" in description


def test_histogram_columns_are_proportional_to_the_counts() -> None:
    root = parse(column_chart([10, 5, 0, 20], [0, 1, 2, 3, 4], title="n", chart_id="c"))

    heights = [float(rect.get("height") or 0) for rect in bars(root)]
    assert heights[3] == max(heights)
    assert heights[0] == pytest.approx(heights[3] / 2)
    assert heights[1] == pytest.approx(heights[3] / 4)
    assert heights[2] == 0
    xs = [percent(rect.get("x")) for rect in bars(root)]
    assert xs == sorted(xs)


def test_each_bin_names_its_range_and_count() -> None:
    root = parse(
        column_chart([3, 1], ["2020-01-01", "2020-06-01", "2021-01-01"], title="d", chart_id="d")
    )
    tips = [rect.find(f"{SVG}title").text for rect in bars(root)]  # type: ignore[union-attr]
    assert tips == ["2020-01-01 – 2020-06-01: 3 rows", "2020-06-01 – 2021-01-01: 1 rows"]


def test_a_tiny_bin_stays_visible_beside_a_huge_one() -> None:
    root = parse(column_chart([1_000_000, 1], [0, 1, 2], title="n", chart_id="c"))
    assert float(bars(root)[1].get("height") or 0) >= 1


def test_histogram_refuses_mismatched_edges() -> None:
    with pytest.raises(ValueError, match="one more edge"):
        column_chart([1, 2], [0, 1], title="n", chart_id="c")


def test_empty_histogram_draws_no_bars() -> None:
    root = parse(column_chart([0, 0], [0.0, 0.5, 1.0], title="n", chart_id="c"))
    assert all(float(rect.get("height") or 0) == 0 for rect in bars(root))


def test_bar_lengths_are_proportional_to_the_counts() -> None:
    root = parse(bar_chart([("Paris", 40), ("Rome", 20), ("Oslo", 10)], title="t", chart_id="b"))

    widths = [percent(rect.get("width")) for rect in bars(root)]
    assert widths[0] == pytest.approx(2 * widths[1]) == pytest.approx(4 * widths[2])
    labels = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "label"]
    assert labels == ["Paris", "Rome", "Oslo"]


def test_labels_and_titles_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & Co'
    svg = bar_chart([(hostile, 3)], title="top <b>values</b>", chart_id='x"y', total=4)

    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "top <b>values</b>"  # type: ignore[union-attr]
    tip = root.find(f".//{SVG}g/{SVG}title").text or ""  # type: ignore[union-attr]
    assert tip == f"{hostile}: 3 rows (75.0%)"
    assert root.get("aria-labelledby") == 'x"y-t x"y-d'


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip() -> None:
    label = "a rather long value that does not fit"
    root = parse(bar_chart([(label, 1)], title="t", chart_id="b"))
    shown = next(t.text for t in root.iter(f"{SVG}text") if t.get("class") == "label") or ""
    assert shown.endswith("…") and len(shown) <= 18
    assert label in (root.find(f".//{SVG}g/{SVG}title").text or "")  # type: ignore[union-attr]


def test_charts_fill_their_width_unscaled_so_labels_keep_their_size() -> None:
    for svg in (
        column_chart([1, 2], [0, 1, 2], title="n", chart_id="c"),
        bar_chart([("Paris", 4)], title="t", chart_id="b"),
    ):
        root = parse(svg)
        assert root.get("viewBox") is None and root.get("width") == "100%"
        assert "style=" not in svg
        assert {t.get("font-size") for t in root.iter(f"{SVG}text")} == {"11"}


def test_empty_values_are_named() -> None:
    root = parse(bar_chart([("", 2)], title="t", chart_id="b"))
    assert any(t.text == "(empty)" for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize(
    ("value", "shown"),
    [(3, "3"), (1234567, "1,234,567"), (2.0, "2"), (0.123456, "0.1235"), (1.5e9, "1.5e+09")],
)
def test_edges_read_as_numbers(value: float, shown: str) -> None:
    assert format_value(value) == shown
