"""A chat's charts as inline SVG, built in Python: bars per sender, columns by month, a week
heatmap with its legend.

Pure: no Django. Built on the shared primitives of platform_site.charts (the svg opener, the
empty chart, number formatting, the bar chart), so every piece of text from data is escaped,
each chart is an accessible image (`role="img"`, a `<title>` and a `<desc>`), every mark has
a tooltip, and colours and sizes are presentation attributes, never `style` (strict CSP).

The columns and the heatmap fill their container's width without being scaled: no viewBox,
heights in pixels and horizontal positions in percentages of the width, so their 11 px labels
stay 11 px on a phone and on a desktop. The bars are the shared chart, drawn in a viewBox
narrow enough (`BAR_WIDTH`) that its 13-unit text is 11.8 px in a phone's 328 px panel; the
page's stylesheet caps how wide they grow on a desktop.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from platform_site import charts as shared
from platform_site.charts import MUTED, compact, e, empty_chart, svg_open

__all__ = [
    "BAR_WIDTH",
    "WEEKDAYS",
    "heatmap",
    "month_columns",
    "month_range",
    "nice_ticks",
    "sender_bars",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GRID = "#e4e7ec"
# Heatmap ramp, from an empty cell to the busiest one.
_RAMP = ((0xEE, 0xF2, 0xFF), (0x3B, 0x5B, 0xDB), (0x1E, 0x2A, 0x78))
_EMPTY_CELL = "#f2f4f7"
BAR_WIDTH = 360


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


def sender_bars(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    unit: str = "messages",
    unit_one: str | None = None,
    colors: Sequence[str] | None = None,
) -> str:
    """One bar per sender (in the given order), each tooltip with the sender's share."""
    total = sum(value for _, value in items)
    return shared.bar_chart(
        items,
        title=title,
        chart_id=chart_id,
        unit=unit,
        unit_one=unit_one,
        colors=colors,
        total=total or None,
        width=BAR_WIDTH,
        label_width=120,
        label_chars=14,
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
    height: int = 240,
) -> str:
    """Columns per month ("YYYY-MM", count); months without messages are shown as gaps.

    Four month labels at most, each month's short name with its year on a line below when
    the year changed since the last label, so that they fit side by side on a phone however
    few months there are; on spans over two years, up to six years at their Januaries."""
    by_month = {month: value for month, value in counts if value}
    if not by_month:
        return empty_chart(chart_id, title)
    months = month_range(min(by_month), max(by_month))
    top, bottom = 16, 36
    plot_h = height - top - bottom
    ticks = nice_ticks(max(by_month.values()))
    peak = ticks[-1]
    busiest = max(by_month, key=lambda m: by_month[m])
    desc = (
        f"{len(months)} months from {_month_label(months[0])} to {_month_label(months[-1])}; "
        f"busiest {_month_label(busiest)} with {compact(by_month[busiest])} {unit}."
    )
    parts = [svg_open(chart_id, None, height, title, desc)]
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
    shown_year = ""  # a label carries its year when the year changed since the last label
    for i, month in enumerate(months):
        value = by_month.get(month, 0)
        x = offset + i * slot + (slot - bar_w) / 2
        h = plot_h * value / peak
        y = top + plot_h - h
        parts.append(
            f'<rect class="col" x="{_pct(x)}" y="{y:.1f}" width="{_pct(bar_w)}" '
            f'height="{h:.1f}" rx="2" fill="#3b5bdb"><title>{_month_label(month)}: '
            f"{compact(value)} {e(unit)}</title></rect>"
        )
        if yearly:
            labelled = month.endswith("-01") and int(month[:4]) % years_every == 0
        else:
            labelled = i % every == 0
        if labelled:
            label = month[:4] if yearly else _MONTHS[int(month[5:7]) - 1]
            year = "" if yearly or month[:4] == shown_year else month[:4]
            shown_year = month[:4]
            centre = x + bar_w / 2
            # Labels near an edge hang inwards from it instead of being cut by it.
            anchor, at = "middle", centre
            if centre < gutter + 6:
                anchor, at = "start", x
            elif centre > 94:
                anchor, at = "end", x + bar_w
            parts.append(
                f'<text x="{_pct(at)}" y="{height - 20}" text-anchor="{anchor}" '
                f'font-size="11" fill="{MUTED}">{label}</text>'
            )
            if year:
                parts.append(
                    f'<text class="year" x="{_pct(at)}" y="{height - 6}" '
                    f'text-anchor="{anchor}" font-size="11" fill="{MUTED}">{year}</text>'
                )
    parts.append(
        f'<line x1="0" x2="100%" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#98a2b3" stroke-width="1"/>'
    )
    # Tick values last, over the columns, with a halo of the background to stay readable.
    for tick in ticks[1:]:
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<text class="tick" x="0" y="{y - 4:.1f}" font-size="11" fill="{MUTED}" '
            f'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
            f"{compact(tick)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _ramp(fraction: float) -> str:
    if fraction <= 0:
        return _EMPTY_CELL
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
        return empty_chart(chart_id, title)
    left, top = 10.0, 22
    legend_y = top + 7 * row + 12
    height = legend_y + 24
    cell_w = (100 - left) / 24
    peak = max(grid.values())
    day, hour = max(grid, key=lambda k: grid[k])
    desc = (
        f"Busiest: {WEEKDAYS[day - 1]} at {hour:02d}:00 with {compact(peak)} {unit}. "
        "Darker cells mean more messages."
    )
    parts = [svg_open(chart_id, None, height, title, desc)]
    for h in range(0, 24, 3):
        parts.append(
            f'<text x="{_pct(left + h * cell_w + cell_w / 2)}" y="{top - 8}" '
            f'text-anchor="middle" font-size="11" fill="{MUTED}">{h:02d}h</text>'
        )
    for d in range(1, 8):
        parts.append(
            f'<text x="{_pct(left - 1.5)}" y="{top + (d - 1) * row + row / 2:.1f}" dy="0.35em" '
            f'text-anchor="end" font-size="11" fill="{MUTED}">{WEEKDAYS[d - 1]}</text>'
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
                f"{h:02d}:00–{h:02d}:59: {compact(value)} {e(unit)}</title></rect>"
            )
    parts.append("</svg>")
    parts.append(_legend(left, legend_y, peak, unit))
    parts.append("</svg>")
    return "".join(parts)


_LEGEND_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _legend(left: float, y: int, peak: int, unit: str) -> str:
    """What the shades mean: from no messages to the busiest hour's count, under the grid
    (pixel-placed in a nested svg, so it keeps its size on any screen)."""
    swatch, step, start = 16, 20, 18
    parts = [
        f'<svg class="legend" x="{_pct(left)}" y="{y}" width="{_pct(100 - left)}" height="24" '
        'overflow="visible">',
        f'<text x="0" y="12" dy="0.35em" font-size="11" fill="{MUTED}">0</text>',
    ]
    for i, fraction in enumerate(_LEGEND_STEPS):
        low = 0 if fraction == 0 else math.floor(peak * _LEGEND_STEPS[i - 1]) + 1
        high = round(peak * fraction)
        tip = "none" if fraction == 0 else f"{compact(low)}–{compact(high)} {e(unit)}"
        parts.append(
            f'<rect class="swatch" x="{start + i * step}" y="4" width="{swatch}" '
            f'height="{swatch}" rx="3" fill="{_ramp(fraction)}" stroke="#d0d5dd" '
            f'stroke-width="1"><title>{tip}</title></rect>'
        )
    parts.append(
        f'<text x="{start + len(_LEGEND_STEPS) * step + 4}" y="12" dy="0.35em" font-size="11" '
        f'fill="{MUTED}">{compact(peak)} {e(unit)} an hour</text></svg>'
    )
    return "".join(parts)
