"""How `datasets.profiling.profile` types a column in SQL: the patterns, casts and aggregates.

A column is read as text; these expressions say which values fit a type, turn them into typed
values (NULL where they do not fit), and decide the type from the counts. Built only from
internal column names and fixed patterns, never from the file's text, hence the file-wide
S608 exemption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datasets.profiling.sniff import BOOLEAN_VALUES, SQL_PATTERNS, TYPE_THRESHOLD

TRUE_VALUES = ("true", "yes", "t", "y")
FALSE_VALUES = tuple(sorted(BOOLEAN_VALUES - set(TRUE_VALUES)))
SLASH_FORMATS = {
    ("date", "day-first"): "['%d/%m/%Y']",
    ("date", "month-first"): "['%m/%d/%Y']",
    ("datetime", "day-first"): "['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y']",
    ("datetime", "month-first"): "['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y']",
}
# A slash date (or date and time) whose first or second field is above 12, as one pattern:
# a pattern, a split and a cast for each count cost three times as much.
_ABOVE_12 = r"(?:1[3-9]|[2-9]\d)"
_SLASH_TIME = r"(?: \d{1,2}:\d{2}(?::\d{2})?)?"
PATTERNS = {
    **SQL_PATTERNS,
    "slash_date_day_first": rf"{_ABOVE_12}/\d{{1,2}}/\d{{4}}",
    "slash_date_month_first": rf"\d{{1,2}}/{_ABOVE_12}/\d{{4}}",
    "slash_datetime_day_first": rf"{_ABOVE_12}/\d{{1,2}}/\d{{4}}{_SLASH_TIME}",
    "slash_datetime_month_first": rf"\d{{1,2}}/{_ABOVE_12}/\d{{4}}{_SLASH_TIME}",
}
NUMERIC = ("integer", "float")
TYPED_FACTS = ("valid", "min", "max", "mean", "std", "true_count")
TEMPORAL = ("date", "datetime")


@dataclass
class ColumnPlan:
    """One column: what the sample suggests, then what the full scans found."""

    index: int
    type: str
    date_style: str | None = None  # "iso" or "slash"
    date_order: str | None = None  # for "slash": "day-first" or "month-first"
    date_order_assumed: bool = False
    sampled: bool = True  # False when the sample held no value to judge the type by
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def sql(self) -> str:
        return f"c{self.index}"

    @property
    def count(self) -> int:
        return int(self.facts.get("count") or 0)


def literal_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


def match_pattern(column: str, pattern: str) -> str:
    return f"regexp_full_match({column}, '{PATTERNS[pattern]}')"


def holds(plan: ColumnPlan) -> bool:
    """Whether the full scan confirms the sampled type (95% of values fit, same date order)."""
    if plan.count == 0:
        return True
    if not plan.sampled:
        return False
    if plan.type == "string":
        return True
    if plan.facts["valid"] < TYPE_THRESHOLD * plan.count:
        return False
    if plan.date_style == "slash" and not plan.date_order_assumed:
        return _date_order(plan.facts)[0] == plan.date_order
    return True


def type_checks(plan: ColumnPlan) -> dict[str, str]:
    c = plan.sql
    iso = f"({match_pattern(c, 'iso_date')} OR {match_pattern(c, 'iso_datetime')})"
    slash = f"({match_pattern(c, 'slash_date')} OR {match_pattern(c, 'slash_datetime')})"
    return {
        "integer": f"count_if({match_pattern(c, 'integer')})",
        "float": f"count_if({match_pattern(c, 'float')})",
        "boolean": f"count_if(lower({c}) IN {literal_list(tuple(BOOLEAN_VALUES))})",
        "iso_date": f"count_if({match_pattern(c, 'iso_date')})",
        "slash_date": f"count_if({match_pattern(c, 'slash_date')})",
        "iso_datetime": f"count_if({iso})",
        "slash_datetime": f"count_if({slash})",
        "day_first": f"count_if({match_pattern(c, 'slash_datetime_day_first')})",
        "month_first": f"count_if({match_pattern(c, 'slash_datetime_month_first')})",
    }


def decide_type(plan: ColumnPlan) -> None:
    facts = plan.facts
    needed = TYPE_THRESHOLD * plan.count
    plan.type, plan.date_style, plan.date_order = "string", None, None
    if plan.count == 0:
        return
    for kind in ("integer", "float", "boolean"):
        if facts[kind] >= needed:
            plan.type = kind
            return
    for kind in TEMPORAL:
        iso, slash = facts[f"iso_{kind}"], facts[f"slash_{kind}"]
        if max(iso, slash) >= needed:
            plan.type = kind
            plan.date_style = "iso" if iso >= slash else "slash"
            if plan.date_style == "slash":
                plan.date_order, plan.date_order_assumed = _date_order(facts)
            return


def _date_order(facts: dict[str, Any]) -> tuple[str, bool]:
    """Day-first when some first field exceeds 12, month-first when some second field does.

    When both happen the larger group wins (the others become invalid values); when neither
    does the order cannot be told and month-first is assumed (and reported as assumed).
    """
    day_first, month_first = facts["day_first"], facts["month_first"]
    if day_first or month_first:
        return ("day-first" if day_first >= month_first else "month-first"), False
    return "month-first", True


def typed(plan: ColumnPlan, column: str | None = None) -> str | None:
    """SQL for the column's typed value (NULL where the text does not fit); None for text.

    Of `column` when given (the same column's text under another name), else of `plan.sql`.
    """
    c = column or plan.sql
    if plan.type == "integer":
        # The cast alone would round "3.5". Text that casts back to itself is plainly an
        # integer, and that test is cheaper than the pattern, which is left for "+5" or "007".
        cast = f"TRY_CAST({c} AS BIGINT)"
        return f"CASE WHEN {cast}::VARCHAR = {c} OR {match_pattern(c, 'integer')} THEN {cast} END"
    if plan.type == "float":
        # A cast is far cheaper than a pattern here, and unlike the integer cast it does not
        # round; isfinite() turns away the "nan" and "inf" it would accept.
        return f"CASE WHEN isfinite(TRY_CAST({c} AS DOUBLE)) THEN TRY_CAST({c} AS DOUBLE) END"
    if plan.type == "boolean":
        return (
            f"CASE WHEN lower({c}) IN {literal_list(TRUE_VALUES)} THEN true "
            f"WHEN lower({c}) IN {literal_list(FALSE_VALUES)} THEN false END"
        )
    if plan.type in TEMPORAL:
        target = "DATE" if plan.type == "date" else "TIMESTAMP"
        if plan.date_style == "iso":
            return f"TRY_CAST({c} AS {target})"
        formats = SLASH_FORMATS[(plan.type, plan.date_order or "month-first")]
        return f"CAST(try_strptime({c}, {formats}) AS {target})"
    return None


def typed_selects(plan: ColumnPlan) -> dict[str, str]:
    """Aggregates for the column's current type: how many values fit, and statistics."""
    c = plan.sql
    if typed(plan) is None:
        return {}
    value = f"t{plan.index}"
    # Invalid values are count(c) - count(t); their examples come from `invalid_examples`, a
    # scan that stops at the last one needed. Collecting them here cost as much as all the
    # statistics together.
    parts = {"valid": f"count({value})"}
    if plan.type in NUMERIC or plan.type in TEMPORAL:
        parts["min"] = f"min({value})"
        parts["max"] = f"max({value})"
    if plan.type in NUMERIC:
        parts["mean"] = f"avg({value})"
        parts["std"] = f"stddev_samp({value})"
    elif plan.type == "boolean":
        parts["true_count"] = f"count_if({value})"
    if plan.date_style == "slash":
        pattern = "slash_datetime" if plan.type == "datetime" else "slash_date"
        parts["day_first"] = f"count_if({match_pattern(c, f'{pattern}_day_first')})"
        parts["month_first"] = f"count_if({match_pattern(c, f'{pattern}_month_first')})"
    return parts


def bin_of(value: str, plan: ColumnPlan, low: str, step: str, bins: int) -> str:
    """SQL for the bin (0 to bins - 1) of a typed `value`, bins of `step` from `low`."""
    if plan.type in TEMPORAL:
        value = f"epoch(CAST({value} AS TIMESTAMP))"
    # least() skips NULLs, so a missing value must stay NULL before it gets there.
    bin_index = f"floor((CAST({value} AS DOUBLE) - {low}) / {step})"
    return f"CASE WHEN {value} IS NOT NULL THEN least({bin_index}, {bins - 1})::INTEGER END"
