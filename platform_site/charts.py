"""Chart primitives shared by the apps' inline SVG charts (datasets.charts, chats.charts): the
opening of an accessible chart, the empty chart, number formatting, label truncation and a
horizontal bar chart.

Pure: values in, SVG text out; every piece of text that came from data is escaped. A chart is
an image to assistive technology (`role="img"`, named by its `<title>`, described by its
`<desc>`), every mark carries a `<title>` (a tooltip in the browser), and styling is SVG
presentation attributes and classes only, never a `style` attribute, so a strict
Content-Security-Policy holds. Sizes are viewBox units: a chart scales to its container, so a
chart meant for phones keeps its viewBox narrow enough that 13-unit text stays above 11 px in a
340 px column (see `BAR_WIDTH`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
INK = "#1d2433"
MUTED = "#667085"
TRACK = "#f2f4f7"
ACCENT = "#3b5bdb"
# A bar chart of this width shown 340 px wide draws its 13-unit text at 11 px.
BAR_WIDTH = 400
LABEL_CHARS = 16


def e(value: object) -> str:
    """Text or an attribute value, escaped."""
    return escape(str(value), quote=True)


def svg_open(
    chart_id: str, width: float | None, height: float, title: str, description: str, kind: str = ""
) -> str:
    """The start of a chart: the svg element (classes "chart" and `kind`), its title and its
    description.

    With a `width`, the chart is drawn in a viewBox of that width and scales to its container;
    with None it is not scaled: `height` pixels tall and as wide as its container, its marks
    placed in percentages of the width (text then keeps its size on any screen).
    """
    cid = e(chart_id)
    classes = f"chart {kind}".strip()
    size = (
        f'viewBox="0 0 {width} {height}" width="100%"'
        if width is not None
        else f'width="100%" height="{height}"'
    )
    return (
        f'<svg class="{classes}" xmlns="http://www.w3.org/2000/svg" {size} '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" {FONT}>'
        f'<title id="{cid}-title">{e(title)}</title>'
        f'<desc id="{cid}-desc">{e(description)}</desc>'
    )


def empty_chart(chart_id: str, title: str, width: float = BAR_WIDTH, height: float = 120) -> str:
    """A chart with nothing to draw says so."""
    return (
        svg_open(chart_id, width, height, title, "No data.")
        + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}" '
        'font-size="14">No data yet</text></svg>'
    )


def format_number(value: object) -> str:
    """A value as a person reads it: integers with separators, other numbers to 4 significant
    digits (very large or small ones in exponent form), anything else as it is."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if abs(value) >= 1e6 or 0 < abs(value) < 1e-3:
            return f"{value:.3g}"
        if value == int(value):
            return f"{int(value):,}"
        return f"{value:,.4g}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def compact(value: float) -> str:
    """A count in a few characters: 1,234 · 12.5k · 123k · 4.5M · 1.2G."""
    for size, suffix in ((1e9, "G"), (1e6, "M")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    if value >= 100_000:
        return f"{value / 1000:,.0f}k"
    if value >= 10_000:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{value:,.0f}"


def truncate(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def counted(value: float, unit: str, unit_one: str | None = None) -> str:
    """The count in words: "1 row", "2 rows", "12,345 rows". The singular is the unit without
    its final s unless given ("media" stays "media")."""
    one = unit_one if unit_one is not None else unit.removesuffix("s")
    return f"{format_number(value)} {one if value == 1 else unit}"


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    unit: str = "rows",
    unit_one: str | None = None,
    colors: Sequence[str] | None = None,
    total: float | None = None,
    width: int = BAR_WIDTH,
    label_width: int = 132,
    label_chars: int = LABEL_CHARS,
    empty_label: str = "(empty)",
) -> str:
    """Horizontal bars, one per (label, value), in the given order: the label on the left, the
    bar on a track scaled to the largest value, the value (compact) on the right.

    With `total`, each tooltip also gives the value's share of it. Colours are used in turn.
    """
    if not items or all(value <= 0 for _, value in items):
        return empty_chart(chart_id, title, width)
    row, gap, top, bottom, value_width = 26, 8, 8, 8, 56
    height = top + bottom + len(items) * row + (len(items) - 1) * gap
    plot = width - label_width - value_width
    peak = max(value for _, value in items)
    description = "; ".join(
        f"{label or empty_label}: {counted(v, unit, unit_one)}" for label, v in items
    )
    parts = [svg_open(chart_id, width, height, title, description, "bars")]
    for n, (label, value) in enumerate(items):
        y = top + n * (row + gap)
        bar = max(2.0, plot * value / peak) if value > 0 else 0.0
        color = colors[n % len(colors)] if colors else ACCENT
        shown = label if label != "" else empty_label
        share = f" ({100 * value / total:.1f}%)" if total else ""
        tip = f"{shown}: {counted(value, unit, unit_one)}{share}"
        parts.append(
            f'<g class="bar"><title>{e(tip)}</title>'
            f'<text class="label" x="{label_width - 10}" y="{y + row / 2}" dy="0.35em" '
            f'text-anchor="end" font-size="13" fill="{INK}">{e(truncate(shown, label_chars))}'
            "</text>"
            f'<rect class="track" x="{label_width}" y="{y}" width="{plot}" height="{row}" rx="5" '
            f'fill="{TRACK}"/>'
            f'<rect class="fill" x="{label_width}" y="{y}" width="{bar:.1f}" height="{row}" rx="5" '
            f'fill="{e(color)}"/>'
            f'<text class="value" x="{label_width + plot + 8}" y="{y + row / 2}" dy="0.35em" '
            f'font-size="13" font-weight="600" fill="{INK}">{compact(value)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
