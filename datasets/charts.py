"""The dataset page's charts: a histogram of each numeric or date column, and its most common
values as bars (the shared `platform_site.charts.bar_chart`). Pure: values in, SVG text out.

Sized for a column card: 340 units wide with 13-unit text, so the text stays above 11 px in a
card 290 px wide (a phone's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from platform_site.charts import (
    ACCENT,
    MUTED,
    bar_chart,
    counted,
    e,
    format_number,
    svg_open,
)

__all__ = ["column_chart", "top_values_chart"]

HIST_WIDTH = 340
HIST_PLOT_HEIGHT = 84
HIST_HEIGHT = 110
AXIS_COLOR = "#98a2b3"


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
    slot = HIST_WIDTH / max(bins, 1)
    gap = min(2.0, slot * 0.15)
    low, high = format_number(edges[0]), format_number(edges[-1])
    description = (
        f"{bins} bins from {low} to {high}; {counted(sum(counts), unit)} in all, "
        f"at most {format_number(peak)} in one bin."
    )
    parts = [svg_open(chart_id, HIST_WIDTH, HIST_HEIGHT, title, description, "histogram")]
    for n, count in enumerate(counts):
        height = HIST_PLOT_HEIGHT * count / peak if peak else 0.0
        if count and height < 1:
            height = 1.0  # a bin that holds anything stays visible
        tip = f"{format_number(edges[n])} – {format_number(edges[n + 1])}: {counted(count, unit)}"
        parts.append(
            f'<rect class="bar" x="{n * slot + gap / 2:.2f}" y="{HIST_PLOT_HEIGHT - height:.2f}" '
            f'width="{slot - gap:.2f}" height="{height:.2f}" fill="{ACCENT}">'
            f"<title>{e(tip)}</title></rect>"
        )
    axis = HIST_PLOT_HEIGHT + 0.5
    text_y = HIST_HEIGHT - 6
    parts.append(
        f'<line class="axis" x1="0" y1="{axis}" x2="{HIST_WIDTH}" y2="{axis}" '
        f'stroke="{AXIS_COLOR}" stroke-width="1"/>'
        f'<text class="tick" x="0" y="{text_y}" font-size="13" fill="{MUTED}">{e(low)}</text>'
        f'<text class="tick" x="{HIST_WIDTH}" y="{text_y}" text-anchor="end" font-size="13" '
        f'fill="{MUTED}">{e(high)}</text></svg>'
    )
    return "".join(parts)


def top_values_chart(
    items: Sequence[tuple[str, int]], *, title: str, chart_id: str, total: int | None
) -> str:
    """A column's most common values as bars, each with its share of the column's values."""
    return bar_chart(
        items, title=title, chart_id=chart_id, unit="rows", total=total, width=HIST_WIDTH
    )
