"""The inline SVG charts: well-formed, accessible, escaped, and drawn to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from chats.charts import bar_chart, heatmap, month_columns, month_range, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 (markup these tests just built)


def percent(length: str | None) -> float:
    """A horizontal length, which the charts give as a percentage of their width."""
    assert length is not None and length.endswith("%"), length
    return float(length[:-1])


def assert_accessible(root: ET.Element, chart_id: str, title: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    title_el = root.find(f"{SVG}title")
    assert title_el is not None and title_el.get("id") == f"{chart_id}-title"
    assert title_el.text == title
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.get("id") == f"{chart_id}-desc" and desc.text


def test_bar_chart_draws_one_bar_per_item_scaled_to_the_largest() -> None:
    markup = bar_chart(
        [("Ana", 120), ("Bruno", 60), ("Carla", 0)], title="Messages per sender", chart_id="s"
    )
    root = parse(markup)
    assert_accessible(root, "s", "Messages per sender")
    bars = root.findall(f"{SVG}g")
    assert len(bars) == 3
    widths = [percent(g.findall(f"{SVG}rect")[1].get("width")) for g in bars]
    assert widths[0] == 100
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0
    tips = [g.find(f"{SVG}title").text for g in bars]  # type: ignore[union-attr]
    assert tips == ["Ana: 120 messages", "Bruno: 60 messages", "Carla: 0 messages"]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == (
        "Ana: 120 messages; Bruno: 60 messages; Carla: 0 messages"
    )


def test_bar_chart_escapes_labels_and_colours() -> None:
    evil = '<script>alert("x")</script>'
    markup = bar_chart(
        [(evil, 3)], title="Words & more", chart_id="w", unit="words", colors=['red"/><x a="']
    )
    assert "<script>" not in markup and "<x " not in markup
    root = parse(markup)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert evil[:23] + "…" in texts
    assert root.find(f"{SVG}title").text == "Words & more"  # type: ignore[union-attr]


def test_bar_chart_uses_the_given_colours_in_turn() -> None:
    root = parse(
        bar_chart([("a", 1), ("b", 2), ("c", 3)], title="t", chart_id="c", colors=["#111", "#222"])
    )
    fills = [g.findall(f"{SVG}rect")[1].get("fill") for g in root.findall(f"{SVG}g")]
    assert fills == ["#111", "#222", "#111"]


@pytest.mark.parametrize("items", [[], [("a", 0)]])
def test_empty_charts_say_so(items: list[tuple[str, float]]) -> None:
    root = parse(bar_chart(items, title="Media per sender", chart_id="m"))
    assert_accessible(root, "m", "Media per sender")
    assert "No data yet" in [t.text for t in root.iter(f"{SVG}text")]
    assert "No data yet" in month_columns([], title="t", chart_id="x")
    assert "No data yet" in heatmap([], title="t", chart_id="y")


def test_month_range_covers_year_ends() -> None:
    assert month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert month_range("2024-05", "2024-05") == ["2024-05"]


def test_month_columns_fill_missing_months_with_empty_columns() -> None:
    markup = month_columns(
        [("2023-11", 40), ("2024-02", 10)], title="Messages per month", chart_id="mo"
    )
    root = parse(markup)
    assert_accessible(root, "mo", "Messages per month")
    columns = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "col"]
    assert [c.find(f"{SVG}title").text for c in columns] == [  # type: ignore[union-attr]
        "Nov 2023: 40 messages",
        "Dec 2023: 0 messages",
        "Jan 2024: 0 messages",
        "Feb 2024: 10 messages",
    ]
    heights = [float(c.get("height", "0")) for c in columns]
    assert heights[0] == pytest.approx(4 * heights[3])
    assert heights[1] == heights[2] == 0
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "busiest Nov 2023 with 40 messages" in (desc.text or "")


def test_month_columns_label_years_on_long_spans() -> None:
    counts = [(m, 5) for m in month_range("2019-03", "2024-06")]
    root = parse(month_columns(counts, title="t", chart_id="long"))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") != "tick"]
    assert labels == ["2020", "2021", "2022", "2023", "2024"]


def test_month_columns_label_at_most_four_months_so_a_phone_fits_them() -> None:
    counts = [(m, 5) for m in month_range("2023-03", "2024-04")]
    root = parse(month_columns(counts, title="t", chart_id="m"))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") != "tick"]
    assert labels == ["Mar 2023", "Jul 2023", "Nov 2023", "Mar 2024"]


def test_charts_fill_their_width_unscaled_so_labels_keep_their_size() -> None:
    counts = [("2024-01", 3), ("2024-02", 5)]
    for markup in (
        bar_chart([("Ana", 3)], title="t", chart_id="a"),
        month_columns(counts, title="t", chart_id="b"),
        heatmap([(1, 2, 3)], title="t", chart_id="c"),
    ):
        root = parse(markup)
        assert root.get("viewBox") is None and root.get("width") == "100%"
        assert "style=" not in markup
        sizes = {float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")}
        assert min(sizes) >= 11


def test_heatmap_has_a_cell_for_every_weekday_hour_and_shades_by_count() -> None:
    markup = heatmap(
        [(1, 9, 10), (5, 22, 40), (7, 0, 1), (9, 3, 100)],
        title="Messages by weekday and hour",
        chart_id="hm",
    )
    root = parse(markup)
    assert_accessible(root, "hm", "Messages by weekday and hour")
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "cell"]
    assert len(cells) == 7 * 24
    by_tip = {c.find(f"{SVG}title").text: c.get("fill") for c in cells}  # type: ignore[union-attr]
    busiest = by_tip["Fri 22:00–22:59: 40 messages"]
    assert busiest == "#1e2a78"
    assert by_tip["Tue 09:00–09:59: 0 messages"] == "#f2f4f7"
    assert by_tip["Mon 09:00–09:59: 10 messages"] not in (busiest, "#f2f4f7")
    desc = root.find(f"{SVG}desc")
    assert desc is not None and (desc.text or "").startswith("Busiest: Fri at 22:00 with 40")


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0.0, 1.0]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (95, [0, 25, 50, 75, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_nice_ticks(maximum: float, ticks: list[float]) -> None:
    assert nice_ticks(maximum) == ticks
