"""Charts as inline SVG, built in Python: horizontal bars, columns by month, a week heatmap.

Pure: no Django. Built on the shared primitives of `platform_site.charts` (the accessible
opening, the empty chart, number formats, the bar chart); every function returns SVG markup in
which all text that came from data (sender names, labels) is escaped. Sizes are in viewBox
units; the SVG scales to its container's width.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from platform_site import charts
from platform_site.charts import MUTED, compact, e, empty_chart, svg_open

__all__ = [
    "WEEKDAYS",
    "bar_chart",
    "heatmap",
    "month_columns",
    "month_range",
    "nice_ticks",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GRID = "#e4e7ec"
# Heatmap ramp, from an empty cell to the busiest one.
_RAMP = ((0xEE, 0xF2, 0xFF), (0x3B, 0x5B, 0xDB), (0x1E, 0x2A, 0x78))


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least `maximum` (about `count` steps of 1, 2, 2.5 or 5)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if step < 1:
        step = 1.0
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(round(top / step) + 1)]


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    unit: str = "messages",
    colors: Sequence[str] | None = None,
    width: int = 560,
) -> str:
    """Horizontal bars, one per (label, value), in the given order; labels on the left."""
    return charts.bar_chart(
        items,
        title=title,
        chart_id=chart_id,
        unit=unit,
        colors=colors,
        width=width,
        label_width=170,
        label_chars=24,
    )


def month_range(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from `first` to `last`, inclusive."""
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (y, m) <= end:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _month_label(month: str) -> str:
    return f"{_MONTHS[int(month[5:7]) - 1]} {month[:4]}"


def month_columns(
    counts: Iterable[tuple[str, int]],
    *,
    title: str,
    chart_id: str,
    unit: str = "messages",
    width: int = 720,
    height: int = 240,
) -> str:
    """Columns per month ("YYYY-MM", count); months without messages are shown as gaps."""
    by_month = {month: value for month, value in counts if value}
    if not by_month:
        return empty_chart(chart_id, title, width)
    months = month_range(min(by_month), max(by_month))
    left, right, top, bottom = 48, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(by_month.values()))
    peak = ticks[-1]
    busiest = max(by_month, key=lambda m: by_month[m])
    desc = (
        f"{len(months)} months from {_month_label(months[0])} to {_month_label(months[-1])}; "
        f"busiest {_month_label(busiest)} with {compact(by_month[busiest])} {unit}."
    )
    parts = [svg_open(chart_id, width, height, title, desc)]
    for tick in ticks:
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_GRID}" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y:.1f}" dy="0.35em" text-anchor="end" font-size="11" '
            f'fill="{MUTED}">{compact(tick)}</text>'
        )
    slot = plot_w / len(months)
    bar_w = max(1.0, min(slot * 0.72, 56.0))
    # Label about ten months at most, and always January when the span covers years.
    every = max(1, math.ceil(len(months) / 10))
    for i, month in enumerate(months):
        value = by_month.get(month, 0)
        x = left + i * slot + (slot - bar_w) / 2
        h = plot_h * value / peak
        y = top + plot_h - h
        parts.append(
            f'<rect class="col" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'rx="{min(3.0, bar_w / 3):.1f}" fill="#3b5bdb"><title>{_month_label(month)}: '
            f"{compact(value)} {e(unit)}</title></rect>"
        )
        yearly = len(months) > 24
        if (yearly and month.endswith("-01")) or (not yearly and i % every == 0):
            label = month[:4] if yearly else _month_label(month)
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="11" fill="{MUTED}">{label}</text>'
            )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="#98a2b3" stroke-width="1"/></svg>'
    )
    return "".join(parts)


def _ramp(fraction: float) -> str:
    if fraction <= 0:
        return "#f2f4f7"
    # Two linear segments keep light cells readable and the busiest ones dark.
    if fraction <= 0.5:
        a, b, f = _RAMP[0], _RAMP[1], fraction * 2
    else:
        a, b, f = _RAMP[1], _RAMP[2], (fraction - 0.5) * 2
    r, g, bl = (round(x + (y - x) * f) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def heatmap(
    cells: Iterable[tuple[int, int, int]],
    *,
    title: str,
    chart_id: str,
    unit: str = "messages",
    width: int = 720,
) -> str:
    """Weekday (1 = Monday … 7 = Sunday) × hour (0-23) grid of counts, shaded by count."""
    grid = {(day, hour): value for day, hour, value in cells if 1 <= day <= 7 and 0 <= hour < 24}
    if not any(grid.values()):
        return empty_chart(chart_id, title, width)
    left, top, gap = 44, 22, 3
    cell = (width - left - 4) / 24
    height = round(top + 7 * cell + 4)
    peak = max(grid.values())
    day, hour = max(grid, key=lambda k: grid[k])
    desc = (
        f"Busiest: {WEEKDAYS[day - 1]} at {hour:02d}:00 with {compact(peak)} {unit}. "
        "Darker cells mean more messages."
    )
    parts = [svg_open(chart_id, width, height, title, desc)]
    for h in range(0, 24, 3):
        parts.append(
            f'<text x="{left + h * cell + cell / 2:.1f}" y="{top - 8}" text-anchor="middle" '
            f'font-size="11" fill="{MUTED}">{h:02d}h</text>'
        )
    for d in range(1, 8):
        y = top + (d - 1) * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2:.1f}" dy="0.35em" text-anchor="end" '
            f'font-size="11" fill="{MUTED}">{WEEKDAYS[d - 1]}</text>'
        )
        for h in range(24):
            value = grid.get((d, h), 0)
            parts.append(
                f'<rect class="cell" x="{left + h * cell + gap / 2:.1f}" y="{y + gap / 2:.1f}" '
                f'width="{cell - gap:.1f}" height="{cell - gap:.1f}" rx="3" '
                f'fill="{_ramp(value / peak)}"><title>{WEEKDAYS[d - 1]} {h:02d}:00–{h:02d}:59: '
                f"{compact(value)} {e(unit)}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
