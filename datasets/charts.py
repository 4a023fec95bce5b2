"""Small inline SVG charts for the dataset pages: a column chart of histogram bins and a
horizontal bar chart of top values. Pure: values in, SVG text out (every label escaped).

Each chart is an ``img`` to assistive technology, named by its ``<title>`` and described by a
``<desc>``; every bar carries its own ``<title>`` (a tooltip in the browser).

The charts fill their card's width without being scaled: heights are pixels and horizontal
positions percentages of the width, so the 11 px labels stay 11 px on a phone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

HIST_HEIGHT = 96
HIST_PLOT_HEIGHT = 72
BAR_ROW = 22
# Shares of the width (percent): labels on the left, then the bars, then room for the counts.
BAR_LABEL_SHARE = 36.0
BAR_PLOT_SHARE = 46.0
LABEL_CHARS = 18


def column_chart(
    counts: Sequence[int],
    edges: Sequence[Any],
    *,
    title: str,
    chart_id: str,
    unit: str = "rows",
) -> str:
    """A histogram: one column per bin (``len(edges) == len(counts) + 1``), heights to scale."""
    if len(edges) != len(counts) + 1:
        raise ValueError("a histogram needs one more edge than it has bins")
    bins = len(counts)
    peak = max(counts, default=0)
    total = sum(counts)
    slot = 100 / max(bins, 1)
    gap = slot * 0.12
    bars = []
    for n, count in enumerate(counts):
        height = HIST_PLOT_HEIGHT * count / peak if peak else 0.0
        if count and height < 1:
            height = 1.0  # a bin that holds anything stays visible
        x = n * slot + gap / 2
        y = HIST_PLOT_HEIGHT - height
        tip = f"{format_value(edges[n])} – {format_value(edges[n + 1])}: {count:,} {unit}"
        bars.append(
            f'<rect class="bar" x="{x:.2f}%" y="{y:.2f}" width="{slot - gap:.2f}%" '
            f'height="{height:.2f}"><title>{escape(tip)}</title></rect>'
        )
    low, high = format_value(edges[0]), format_value(edges[-1])
    description = (
        f"{bins} bins from {low} to {high}; {total:,} {unit} in all, at most {peak:,} in one bin."
    )
    axis_y = HIST_PLOT_HEIGHT + 0.5
    text_y = HIST_HEIGHT - 4
    return _svg(
        chart_id,
        "chart histogram",
        HIST_HEIGHT,
        title,
        description,
        [
            *bars,
            f'<line class="axis" x1="0" y1="{axis_y}" x2="100%" y2="{axis_y}"/>',
            f'<text class="tick" x="0" y="{text_y}" font-size="11">{escape(low)}</text>',
            f'<text class="tick" x="100%" y="{text_y}" text-anchor="end" font-size="11">'
            f"{escape(high)}</text>",
        ],
    )


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    title: str,
    chart_id: str,
    total: int | None = None,
    unit: str = "rows",
) -> str:
    """Horizontal bars for (label, count) pairs, longest bar for the largest count.

    With ``total`` each bar also gives its share of it.
    """
    peak = max((count for _, count in items), default=0)
    height = BAR_ROW * max(len(items), 1)
    parts = []
    for n, (label, count) in enumerate(items):
        y = n * BAR_ROW
        width = BAR_PLOT_SHARE * count / peak if peak else 0.0
        if count and width < 0.3:
            width = 0.3
        share = f" ({100 * count / total:.1f}%)" if total else ""
        shown = label if label != "" else "(empty)"
        tip = f"{shown}: {count:,} {unit}{share}"
        parts.append(
            f'<g class="row"><title>{escape(tip)}</title>'
            f'<text class="label" x="{BAR_LABEL_SHARE}%" dx="-6" y="{y + 15}" '
            f'text-anchor="end" font-size="11">{escape(_shorten(shown))}</text>'
            f'<rect class="bar" x="{BAR_LABEL_SHARE}%" y="{y + 4}" width="{width:.2f}%" '
            f'height="{BAR_ROW - 8}" rx="2"/>'
            f'<text class="count" x="{BAR_LABEL_SHARE + width:.2f}%" dx="4" y="{y + 15}" '
            f'font-size="11">{_compact(count)}</text></g>'
        )
    description = "; ".join(f"{label}: {count:,}" for label, count in items) or "no values"
    return _svg(
        chart_id,
        "chart bars",
        height,
        title,
        f"{unit.capitalize()}: {description}.",
        parts,
    )


def _svg(
    chart_id: str,
    css_class: str,
    height: int,
    title: str,
    description: str,
    parts: list[str],
) -> str:
    safe_id = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'width="100%" height="{height}" aria-labelledby="{safe_id}-t {safe_id}-d">'
        f'<title id="{safe_id}-t">{escape(title)}</title>'
        f'<desc id="{safe_id}-d">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )


def format_value(value: Any) -> str:
    """Bin edges as a person reads them: 4 significant digits, dates as they are."""
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


def _compact(count: int) -> str:
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (10_000, "k")):
        if count >= size:
            return f"{count / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{count:,}"


def _shorten(label: str) -> str:
    flat = " ".join(label.split())
    return flat if len(flat) <= LABEL_CHARS else flat[: LABEL_CHARS - 1] + "…"
