"""The inline SVG charts: well-formed, accessible, escaped, and drawn to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from chats.charts import BAR_WIDTH, heatmap, month_columns, month_range, nice_ticks, sender_bars

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


def test_sender_bars_are_the_shared_bar_chart_with_shares_in_the_tooltips() -> None:
    markup = sender_bars(
        [("Ana", 120), ("Bruno", 60), ("Carla", 20)], title="Messages per sender", chart_id="s"
    )
    root = parse(markup)
    assert_accessible(root, "s", "Messages per sender")
    assert root.get("class") == "chart bars"
    assert root.get("viewBox", "").split()[2] == str(BAR_WIDTH)
    fills = [
        float(r.get("width", "0")) for r in root.iter(f"{SVG}rect") if r.get("class") == "fill"
    ]
    assert fills[0] == pytest.approx(2 * fills[1])
    tips = [g.find(f"{SVG}title").text for g in root.findall(f"{SVG}g")]  # type: ignore[union-attr]
    assert tips == [
        "Ana: 120 messages (60.0%)",
        "Bruno: 60 messages (30.0%)",
        "Carla: 20 messages (10.0%)",
    ]


def test_sender_bars_keep_11_px_text_in_a_phone_panel() -> None:
    """A 390 px phone leaves the panel 328 px (page and panel padding)."""
    root = parse(sender_bars([("Ana Souza-Berg", 3), ("Bo", 1)], title="t", chart_id="b"))
    sizes = [float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")]
    assert min(sizes) * 328 / BAR_WIDTH >= 11


def test_sender_bars_escape_names_and_say_one_word() -> None:
    evil = '<script>alert("x")</script>'
    markup = sender_bars([(evil, 1)], title="Words & more", chart_id="w", unit="words")
    assert "<script>" not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == "Words & more"  # type: ignore[union-attr]
    assert root.find(f"{SVG}g/{SVG}title").text.startswith(evil + ": 1 word ")  # type: ignore[union-attr]


@pytest.mark.parametrize("items", [[], [("a", 0)]])
def test_empty_charts_say_so(items: list[tuple[str, float]]) -> None:
    root = parse(sender_bars(items, title="Media per sender", chart_id="m"))
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
    assert labels == ["Mar", "2023", "Jul", "Nov", "Mar", "2024"]


def test_few_months_are_labelled_short_with_the_year_below() -> None:
    counts = [(m, 5) for m in month_range("2023-11", "2024-02")]
    root = parse(month_columns(counts, title="t", chart_id="m"))
    labels = [(t.text, t.get("class")) for t in root.iter(f"{SVG}text") if t.get("class") != "tick"]
    assert labels == [
        ("Nov", None),
        ("2023", "year"),
        ("Dec", None),
        ("Jan", None),
        ("2024", "year"),
        ("Feb", None),
    ]


def test_columns_and_heatmap_fill_their_width_unscaled_so_labels_keep_their_size() -> None:
    counts = [("2024-01", 3), ("2024-02", 5)]
    for markup in (
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


def test_the_heatmap_has_a_legend_from_none_to_the_busiest_hour() -> None:
    root = parse(heatmap([(1, 9, 10), (5, 22, 40)], title="t", chart_id="hm"))
    legend = next(el for el in root.iter(f"{SVG}svg") if el.get("class") == "legend")
    swatches = [r for r in legend.iter(f"{SVG}rect") if r.get("class") == "swatch"]
    shades = [r.get("fill") for r in swatches]
    assert shades[0] == "#f2f4f7" and shades[-1] == "#1e2a78"  # none, the busiest cell's
    tips = [r.find(f"{SVG}title").text for r in swatches]  # type: ignore[union-attr]
    assert tips == ["none", "1–10 messages", "11–20 messages", "21–30 messages", "31–40 messages"]
    texts = [t.text for t in legend.iter(f"{SVG}text")]
    assert texts == ["0", "40 messages an hour"]
