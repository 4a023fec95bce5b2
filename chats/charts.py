"""Charts as inline SVG, built in Python: horizontal bars, columns by month, a week heatmap.

Pure: no Django. Every function returns SVG markup as a string in which all text that came
from data (sender names, labels) is escaped. Each chart is an accessible image: `role="img"`,
a `<title>` and a `<desc>` named by `aria-labelledby`, and a `<title>` (tooltip) per mark.

The charts fill their container's width without being scaled: there is no viewBox, heights are
pixels and horizontal positions are percentages of the width, so a label drawn at 11 px stays
11 px on a phone and on a desktop (a scaled chart's labels shrank to 4 px on a phone). Colours
and sizes are presentation attributes, never `style`, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape

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
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
_INK = "#1d2433"
_MUTED = "#667085"
_GRID = "#e4e7ec"
# Heatmap ramp, from an empty cell to the busiest one.
_RAMP = ((0xEE, 0xF2, 0xFF), (0x3B, 0x5B, 0xDB), (0x1E, 0x2A, 0x78))


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _fmt(value: float) -> str:
    """A count as people read it: 1,234 or 12.5k."""
    if value >= 100_000:
        return f"{value / 1000:,.0f}k"
    if value >= 10_000:
        return f"{value / 1000:.1f}k"
    return f"{value:,.0f}"


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


def _pct(value: float) -> str:
    """A horizontal position or width as a percentage of the chart's width."""
    return f"{value:.2f}%"


def _open(chart_id: str, height: int, title: str, desc: str) -> list[str]:
    cid = _e(chart_id)
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" {_FONT}>',
        f'<title id="{cid}-title">{_e(title)}</title>',
        f'<desc id="{cid}-desc">{_e(desc)}</desc>',
    ]


def _empty(chart_id: str, title: str, height: int = 120) -> str:
    parts = _open(chart_id, height, title, "No data.")
    parts.append(
        f'<text x="50%" y="{height / 2}" text-anchor="middle" fill="{_MUTED}" '
        'font-size="14">No data yet</text></svg>'
    )
    return "".join(parts)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    unit: str = "messages",
    colors: Sequence[str] | None = None,
) -> str:
    """Horizontal bars, one per (label, value), in the given order; each label and value on a
    line above its bar, so long names fit a phone's width."""
    if not items or all(value <= 0 for _, value in items):
        return _empty(chart_id, title)
    row, label_h, bar_h = 44, 19, 12
    height = len(items) * row - (row - label_h - bar_h) + 2
    peak = max(value for _, value in items)
    desc = "; ".join(f"{label}: {_fmt(value)} {unit}" for label, value in items)
    parts = _open(chart_id, height, title, desc)
    for i, (label, value) in enumerate(items):
        y = i * row
        bar = 0.0 if value <= 0 else max(0.5, 100 * value / peak)
        color = colors[i % len(colors)] if colors else "#3b5bdb"
        parts.append(
            f'<g class="bar"><title>{_e(label)}: {_fmt(value)} {_e(unit)}</title>'
            f'<text x="0" y="{y + 14}" font-size="13" fill="{_INK}">'
            f"{_e(_truncate(label, 24))}</text>"
            f'<text x="100%" y="{y + 14}" text-anchor="end" font-size="13" font-weight="600" '
            f'fill="{_INK}">{_fmt(value)}</text>'
            f'<rect x="0" y="{y + label_h}" width="100%" height="{bar_h}" rx="{bar_h / 2}" '
            f'fill="#f2f4f7"/>'
            f'<rect x="0" y="{y + label_h}" width="{_pct(bar)}" height="{bar_h}" '
            f'rx="{bar_h / 2}" fill="{_e(color)}"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


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
    height: int = 240,
) -> str:
    """Columns per month ("YYYY-MM", count); months without messages are shown as gaps.

    Four month labels at most ("Mar 2024" is about 50 px wide), so that they fit side by
    side on a phone; on spans over two years, up to six years at their Januaries."""
    by_month = {month: value for month, value in counts if value}
    if not by_month:
        return _empty(chart_id, title)
    months = month_range(min(by_month), max(by_month))
    top, bottom = 16, 26
    plot_h = height - top - bottom
    ticks = nice_ticks(max(by_month.values()))
    peak = ticks[-1]
    busiest = max(by_month, key=lambda m: by_month[m])
    desc = (
        f"{len(months)} months from {_month_label(months[0])} to {_month_label(months[-1])}; "
        f"busiest {_month_label(busiest)} with {_fmt(by_month[busiest])} {unit}."
    )
    parts = _open(chart_id, height, title, desc)
    for tick in ticks:
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<line x1="0" x2="100%" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}" stroke-width="1"/>'
        )
    # The left 6% is the tick values' gutter. A few months would make wide slabs: they take
    # at most an eighth of the rest each, centred.
    gutter = 6.0
    slots = max(len(months), 8)
    slot = (100 - gutter) / slots
    offset = gutter + (slots - len(months)) * slot / 2
    bar_w = slot * 0.72
    yearly = len(months) > 24
    every = max(1, math.ceil(len(months) / 4))
    years_every = max(1, math.ceil(len(months) / 12 / 6))
    for i, month in enumerate(months):
        value = by_month.get(month, 0)
        x = offset + i * slot + (slot - bar_w) / 2
        h = plot_h * value / peak
        y = top + plot_h - h
        parts.append(
            f'<rect class="col" x="{_pct(x)}" y="{y:.1f}" width="{_pct(bar_w)}" '
            f'height="{h:.1f}" rx="2" fill="#3b5bdb"><title>{_month_label(month)}: '
            f"{_fmt(value)} {_e(unit)}</title></rect>"
        )
        if yearly:
            labelled = month.endswith("-01") and int(month[:4]) % years_every == 0
        else:
            labelled = i % every == 0
        if labelled:
            label = month[:4] if yearly else _month_label(month)
            centre = x + bar_w / 2
            # Labels near an edge hang inwards from it instead of being cut by it.
            anchor, at = "middle", centre
            if centre < gutter + 6:
                anchor, at = "start", x
            elif centre > 94:
                anchor, at = "end", x + bar_w
            parts.append(
                f'<text x="{_pct(at)}" y="{height - 8}" text-anchor="{anchor}" '
                f'font-size="11" fill="{_MUTED}">{label}</text>'
            )
    parts.append(
        f'<line x1="0" x2="100%" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#98a2b3" stroke-width="1"/>'
    )
    # Tick values last, over the columns, with a halo of the background to stay readable.
    for tick in ticks[1:]:
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<text class="tick" x="0" y="{y - 4:.1f}" font-size="11" fill="{_MUTED}" '
            f'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
            f"{_fmt(tick)}</text>"
        )
    parts.append("</svg>")
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
    row: int = 22,
) -> str:
    """Weekday (1 = Monday … 7 = Sunday) × hour (0-23) grid of counts, shaded by count.

    The weekday names take the left tenth of the width; the cells stretch over the rest
    (drawn in a nested SVG of 24 × 7 units, its gaps white strokes of a constant 2 px)."""
    grid = {(day, hour): value for day, hour, value in cells if 1 <= day <= 7 and 0 <= hour < 24}
    if not any(grid.values()):
        return _empty(chart_id, title)
    left, top = 10.0, 22
    height = top + 7 * row
    cell_w = (100 - left) / 24
    peak = max(grid.values())
    day, hour = max(grid, key=lambda k: grid[k])
    desc = (
        f"Busiest: {WEEKDAYS[day - 1]} at {hour:02d}:00 with {_fmt(peak)} {unit}. "
        "Darker cells mean more messages."
    )
    parts = _open(chart_id, height, title, desc)
    for h in range(0, 24, 3):
        parts.append(
            f'<text x="{_pct(left + h * cell_w + cell_w / 2)}" y="{top - 8}" '
            f'text-anchor="middle" font-size="11" fill="{_MUTED}">{h:02d}h</text>'
        )
    for d in range(1, 8):
        parts.append(
            f'<text x="{_pct(left - 1.5)}" y="{top + (d - 1) * row + row / 2:.1f}" dy="0.35em" '
            f'text-anchor="end" font-size="11" fill="{_MUTED}">{WEEKDAYS[d - 1]}</text>'
        )
    parts.append(
        f'<svg x="{_pct(left)}" y="{top}" width="{_pct(100 - left)}" height="{7 * row}" '
        'viewBox="0 0 24 7" preserveAspectRatio="none">'
    )
    for d in range(1, 8):
        for h in range(24):
            value = grid.get((d, h), 0)
            parts.append(
                f'<rect class="cell" x="{h}" y="{d - 1}" width="1" height="1" '
                f'fill="{_ramp(value / peak)}" stroke="#fff" stroke-width="2" '
                f'vector-effect="non-scaling-stroke"><title>{WEEKDAYS[d - 1]} '
                f"{h:02d}:00–{h:02d}:59: {_fmt(value)} {_e(unit)}</title></rect>"
            )
    parts.append("</svg></svg>")
    return "".join(parts)
