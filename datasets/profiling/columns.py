"""The profile's column dicts: what the scans found about one column, as JSON-ready values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from datasets.profiling.lines import LineMap
from datasets.profiling.sniff import Dialect
from datasets.profiling.types import NUMERIC, TEMPORAL, ColumnPlan

# How the page names each way of writing dates.
DATE_FORMATS = {
    ("date", "iso"): "YYYY-MM-DD",
    ("date", "day-first"): "DD/MM/YYYY",
    ("date", "month-first"): "MM/DD/YYYY",
    ("datetime", "iso"): "YYYY-MM-DD hh:mm",
    ("datetime", "day-first"): "DD/MM/YYYY hh:mm",
    ("datetime", "month-first"): "MM/DD/YYYY hh:mm",
}
OTHER_ORDER = {"day-first": "month-first", "month-first": "day-first"}


def column_dict(
    plan: ColumnPlan,
    name: str,
    dialect: Dialect,
    row_count: int,
    lines: LineMap,
    limit: int,
) -> dict[str, Any]:
    facts = plan.facts
    missing = row_count - plan.count
    counted: int | None = facts.get("distinct_exact")
    exact = counted is not None and counted <= limit
    column: dict[str, Any] = {
        "name": name,
        "header": dialect.headers[plan.index] if dialect.has_header else None,
        "index": plan.index,
        "type": plan.type,
        "count": plan.count,
        "missing": missing,
        "missing_pct": _pct(missing, row_count),
        "distinct": counted if exact and counted is not None else facts["approx_distinct"],
        "distinct_is_estimate": not exact,
        "invalid": plan.count - facts["valid"] if "valid" in facts else 0,
        "invalid_examples": [
            {"line": lines.of_row(row), "value": value}
            for row, value in facts.get("invalid_examples", [])
        ],
        "top_values": [
            {"value": value, "count": count} for value, count in facts.get("top_values", [])
        ],
    }
    if plan.type in NUMERIC:
        column.update({key: _number(facts.get(key)) for key in ("min", "max", "mean", "std")})
        column["number_format"] = plan.number_format
    elif plan.type in TEMPORAL:
        column["min"] = _iso(facts.get("min"))
        column["max"] = _iso(facts.get("max"))
        column["date_format"] = plan.date_style
        column["date_order"] = plan.date_order
        column["date_order_assumed"] = plan.date_order_assumed
        column["date_formats"] = _date_formats(plan)
    elif plan.type == "boolean":
        column["true_count"] = int(facts.get("true_count") or 0)
        column["false_count"] = plan.count - column["invalid"] - column["true_count"]
    else:
        column["min_length"] = facts["min_length"]
        column["max_length"] = facts["max_length"]
    histogram = _histogram(plan)
    if histogram is not None:
        column["histogram"] = histogram
    return column


def _date_formats(plan: ColumnPlan) -> list[dict[str, Any]]:
    """How the column's dates are written, with how many values each way; an order the column
    is not read in comes last, marked invalid (those values did not parse)."""
    facts, kind = plan.facts, plan.type
    valid = int(facts.get("valid") or 0)
    iso = valid if plan.date_style == "iso" else int(facts.get("iso_count") or 0)
    formats = []
    if iso:
        formats.append({"format": DATE_FORMATS[(kind, "iso")], "count": iso, "invalid": False})
    if plan.date_style in ("slash", "mixed") and plan.date_order:
        order = plan.date_order
        formats.append(
            {"format": DATE_FORMATS[(kind, order)], "count": valid - iso, "invalid": False}
        )
        proven = int(facts.get("day_first" if order == "month-first" else "month_first") or 0)
        if proven:
            other = DATE_FORMATS[(kind, OTHER_ORDER[order])]
            formats.append({"format": other, "count": proven, "invalid": True})
    return formats


def _histogram(plan: ColumnPlan) -> dict[str, Any] | None:
    """Equal-width bins between the column's min and max, for a chart."""
    counts: list[int] | None = plan.facts.get("bin_counts")
    if counts is None:
        return None
    low, high = plan.facts["bin_range"]
    step = (high - low) / len(counts)
    edges: list[Any] = [low + step * n for n in range(len(counts))] + [high]
    if plan.type in TEMPORAL:
        moments = [dt.datetime.fromtimestamp(edge, dt.UTC).replace(tzinfo=None) for edge in edges]
        edges = [m.date().isoformat() if plan.type == "date" else m.isoformat() for m in moments]
    return {"edges": edges, "counts": counts}


def summary(column: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "type",
        "count",
        "missing",
        "missing_pct",
        "distinct",
        "distinct_is_estimate",
        "invalid",
        "min",
        "max",
        "mean",
        "std",
        "min_length",
        "max_length",
    )
    return {key: column[key] for key in keep if key in column}


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else float(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
