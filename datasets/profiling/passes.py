"""The profiling passes over the file: statistics under the sampled types, a re-typing of the
columns the sample misjudged, and value counts with histogram bins and repeated rows.

Each pass is one scan of the file when the columns fit DuckDB's memory together on one thread
(`budget`), and one scan per batch of columns otherwise. SQL is built from internal names and
fixed patterns only (see `datasets.profiling.sql`), hence the file-wide S608 exemption.
"""
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt

from datasets.profiling.budget import COLUMN_MB, READ_MB, SET_MB
from datasets.profiling.sql import CsvScan
from datasets.profiling.types import (
    NUMERIC,
    TEMPORAL,
    TYPED_FACTS,
    ColumnPlan,
    bin_of,
    decide_type,
    type_checks,
    typed_selects,
)

Layout = list[tuple[ColumnPlan, dict[str, str]]]


def main_pass(scan: CsvScan, plans: list[ColumnPlan]) -> int:
    """Counts, lengths, distinct estimates and statistics under the sampled types.

    Returns the row count.
    """
    layout: Layout = []
    for plan in plans:
        parts = {
            "count": f"count({plan.sql})",
            "approx_distinct": f"approx_count_distinct({plan.sql})",
        }
        parts.update(_length_selects(plan))
        parts.update(typed_selects(plan))
        layout.append((plan, parts))
    return _aggregate(scan, layout, row_count=True)


def retype(scan: CsvScan, plans: list[ColumnPlan]) -> None:
    """For columns the sample misjudged: check every type over all rows, then recompute."""
    _aggregate(scan, [(plan, type_checks(plan)) for plan in plans], typed=False)
    for plan in plans:
        decide_type(plan)
    recompute(scan, plans)


def recompute(scan: CsvScan, plans: list[ColumnPlan]) -> None:
    """The statistics of columns whose type (or date style) changed since the main pass."""
    for plan in plans:
        for key in TYPED_FACTS:
            plan.facts.pop(key, None)
    layout = [(plan, {**typed_selects(plan), **_length_selects(plan)}) for plan in plans]
    _aggregate(scan, [(plan, parts) for plan, parts in layout if parts])


def _aggregate(
    scan: CsvScan, layout: Layout, *, row_count: bool = False, typed: bool = True
) -> int:
    """Run the aggregates of `layout` (one scan per batch of columns) into each plan's facts.

    Returns the row count when asked for it.
    """
    rows = 0
    for number, batch in enumerate(scan.budget.batches(layout, COLUMN_MB)):
        if not batch:
            continue
        plans = [plan for plan, _ in batch]
        selects = [expr for _, parts in batch for expr in parts.values()]
        counted = row_count and number == 0
        if counted:
            selects.insert(0, "count(*)")
        source = scan.source([plan.sql for plan in plans], plans if typed else ())
        [row] = scan.run("SELECT " + ", ".join(selects) + " FROM " + source, len(batch) * COLUMN_MB)
        values = iter(row)
        if counted:
            rows = int(next(values))
        for plan, parts in batch:
            plan.facts.update({key: next(values) for key in parts})
    return rows


def _length_selects(plan: ColumnPlan) -> dict[str, str]:
    if plan.type != "string":
        return {}
    return {"min_length": f"min(length({plan.sql}))", "max_length": f"max(length({plan.sql}))"}


def count_pass(
    scan: CsvScan,
    plans: list[ColumnPlan],
    count_values: list[ColumnPlan],
    bins: int,
    examples: int,
    top: int,
) -> tuple[int, list[tuple[int, int, int]]]:
    """Exact value counts, histogram bins and repeated rows.

    Sets `distinct_exact` and `top_values` ((value, rows) by rows) on the `count_values` plans
    and `bin_counts` (rows per bin) and `bin_range` on numeric and date plans with more than
    one value. Returns the extra copies of repeated rows and (first rn, second rn, copies) of
    the first `examples` of them. The counts stay in DuckDB: only the top values and the bins
    come back, so a wide file's many values never become Python objects.
    """
    counted = {plan.index for plan in count_values}
    keys: dict[str, str] = {f"v{plan.index}": plan.sql for plan in count_values}
    spans: dict[int, tuple[float, float]] = {}
    for plan in plans:
        span = _bin_range(plan)
        if span is None:
            continue
        plan.facts["bin_range"] = spans[plan.index] = span
        if plan.index not in counted:
            keys[f"b{plan.index}"] = _bin_key(f"t{plan.index}", plan, span, bins)
    scanned = [plan for plan in plans if f"b{plan.index}" in keys]
    batches = scan.budget.batches(
        list(keys.items()), SET_MB + READ_MB, SET_MB + len(scan.columns) * READ_MB
    )
    repeated_rows, copies = scan.group_counts([dict(batch) for batch in batches], scanned)
    repeated_examples = scan.repeated_lines(repeated_rows, copies, examples)
    distinct, ranked = scan.value_counts(top)
    for plan in count_values:
        name = f"v{plan.index}"
        plan.facts["distinct_exact"] = distinct.get(name, 0)
        plan.facts["top_values"] = ranked.get(name, [])
    # Bins of counted columns from their value counts: typing a few thousand values beats a
    # scan's worth. The others were grouped by bin in the scan.
    per_bin = scan.bin_counts(
        [
            (plan, spans[plan.index])
            for plan in plans
            if plan.index in counted and plan.index in spans
        ],
        bins,
    )
    for plan in plans:
        if plan.index in spans:
            found = per_bin.get(plan.index) or dict(scan.key_values(f"b{plan.index}"))
            plan.facts["bin_counts"] = [found.get(str(n), 0) for n in range(bins)]
    scan.forget_counts()
    return copies - repeated_rows, repeated_examples


def _bin_key(value: str, plan: ColumnPlan, span: tuple[float, float], bins: int) -> str:
    """SQL for the bin (0 to bins - 1) of `value`, the column's typed value."""
    low, high = span
    return bin_of(value, plan, repr(low), repr((high - low) / bins), bins)


def _bin_range(plan: ColumnPlan) -> tuple[float, float] | None:
    if plan.type in NUMERIC:
        low, high = plan.facts.get("min"), plan.facts.get("max")
    elif plan.type in TEMPORAL:
        low, high = _epoch(plan.facts.get("min")), _epoch(plan.facts.get("max"))
    else:
        return None
    if low is None or high is None or low == high:
        return None
    return float(low), float(high)


def _epoch(value: dt.date | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - dt.datetime(1970, 1, 1)).total_seconds()
