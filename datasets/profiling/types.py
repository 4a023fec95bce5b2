"""How `datasets.profiling.profile` types a column in SQL: the patterns, casts and aggregates.

A column is read as text; these expressions say which values fit a type, turn them into typed
values (NULL where they do not fit), and decide the type from the counts. Built only from
internal column names and fixed patterns, never from the file's text, hence the file-wide
S608 exemption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datasets.profiling.numbers import BY_NAME, FORMATS
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
    **{f"integer {f.name}": f.integer for f in FORMATS},
    **{f"number {f.name}": f.number for f in FORMATS},
}
NUMERIC = ("integer", "float")
TYPED_FACTS = (
    "valid",
    "min",
    "max",
    "mean",
    "std",
    "true_count",
    "other_style",
    "iso_count",
    "day_first",
    "month_first",
)
TEMPORAL = ("date", "datetime")


@dataclass
class ColumnPlan:
    """One column: what the sample suggests, then what the full scans found."""

    index: int
    type: str
    date_style: str | None = None  # "iso", "slash" or "mixed" (both)
    date_order: str | None = None  # with slashes: "day-first" or "month-first"
    date_order_assumed: bool = False
    number_format: str | None = None  # a `numbers.FORMATS` name; None: plain
    sampled: bool = True  # False when the sample held no value to judge the type by
    recheck: bool = False  # text in the sample, but mostly values of a type: check all rows
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def sql(self) -> str:
        return f"c{self.index}"

    @property
    def count(self) -> int:
        return int(self.facts.get("count") or 0)


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def literal_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(literal(value) for value in values) + "]"


def match_pattern(column: str, pattern: str) -> str:
    return f"regexp_full_match({column}, {literal(PATTERNS[pattern])})"


def holds(plan: ColumnPlan) -> bool:
    """Whether the full scan confirms the sampled type (95% of values fit, same date order)."""
    if plan.count == 0:
        return True
    if not plan.sampled or plan.recheck:
        return False
    if plan.type == "string":
        return True
    if plan.facts["valid"] < TYPE_THRESHOLD * plan.count:
        return False
    if plan.date_style in ("slash", "mixed") and not plan.date_order_assumed:
        return _date_order(plan.facts)[0] == plan.date_order
    return True


def becomes_mixed(plan: ColumnPlan) -> bool:
    """Whether a date column read in one style also holds dates in the other (then it is read
    in both from now on)."""
    if plan.date_style in ("iso", "slash") and plan.facts.get("other_style"):
        plan.date_style = "mixed"
        if plan.date_order is None:
            plan.date_order, plan.date_order_assumed = _date_order(plan.facts)
        return True
    return False


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
        **{
            f"{kind} {f.name}": f"count_if({match_pattern(c, f'{kind} {f.name}')})"
            for f in FORMATS
            for kind in ("integer", "number")
        },
    }


def decide_type(plan: ColumnPlan) -> None:
    facts = plan.facts
    needed = TYPE_THRESHOLD * plan.count
    plan.type, plan.date_style, plan.date_order = "string", None, None
    if plan.count == 0:
        return
    plan.number_format = None
    for kind in ("integer", "float", "boolean"):
        if facts[kind] >= needed:
            plan.type = kind
            return
    # Of the number formats, the one most values fit, then most whole numbers (in order).
    best = max(FORMATS, key=lambda f: (facts[f"number {f.name}"], facts[f"integer {f.name}"]))
    if facts[f"number {best.name}"] >= needed:
        plan.number_format = best.name
        plan.type = "integer" if facts[f"integer {best.name}"] >= needed else "float"
        return
    for kind in TEMPORAL:
        iso, slash = facts[f"iso_{kind}"], facts[f"slash_{kind}"]
        if iso + slash >= needed:
            plan.type = kind
            plan.date_style = "slash" if not iso else "iso" if not slash else "mixed"
            if slash:
                plan.date_order, plan.date_order_assumed = _date_order(facts)
            return


def _date_order(facts: dict[str, Any]) -> tuple[str, bool]:
    """Day-first when some first field exceeds 12, month-first when some second field does.

    When both happen the larger group wins (the others become invalid values, and the issues
    say the orders are mixed); when neither does the order cannot be told and month-first is
    assumed (and reported as assumed).
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
    number_format = BY_NAME.get(plan.number_format or "")
    if number_format is not None and plan.type in NUMERIC:
        # Separators out, the decimal mark as a point: translate() deletes the characters it
        # has no replacement for.
        target = "BIGINT" if plan.type == "integer" else "DOUBLE"
        plain = f"translate({c}, {literal(number_format.decimal + number_format.groups)}, '.')"
        fits = match_pattern(
            c, f"{'integer' if target == 'BIGINT' else 'number'} {plan.number_format}"
        )
        return f"CASE WHEN {fits} THEN TRY_CAST({plain} AS {target}) END"
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
        iso = f"TRY_CAST({c} AS {target})"
        formats = SLASH_FORMATS[(plan.type, plan.date_order or "month-first")]
        slash = f"CAST(try_strptime({c}, {formats}) AS {target})"
        return {"iso": iso, "slash": slash}.get(plan.date_style or "", f"coalesce({iso}, {slash})")
    return None


def typed_selects(plan: ColumnPlan) -> dict[str, str]:
    """Aggregates for the column's current type: how many values fit, and statistics."""
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
    if plan.type in TEMPORAL:
        parts.update(_date_style_selects(plan))
    return parts


def _date_style_selects(plan: ColumnPlan) -> dict[str, str]:
    """How many dates of each style and order a date column holds.

    A column read in one style counts the invalid values that are dates of the other
    (`other_style`): the pattern runs on invalid values only, inside a CASE, so a clean
    column pays for a NULL test alone.
    """
    c, t = plan.sql, f"t{plan.index}"
    kind = "slash_datetime" if plan.type == "datetime" else "slash_date"
    iso = f"({match_pattern(c, 'iso_date')} OR {match_pattern(c, 'iso_datetime')})"
    slash = match_pattern(c, kind)
    day_first = match_pattern(c, f"{kind}_day_first")
    month_first = match_pattern(c, f"{kind}_month_first")
    parts: dict[str, str] = {}
    if plan.date_style == "iso":
        # Dates with slashes in an ISO column are invalid values: their order is counted
        # among those only, in case the column turns out to be mixed.
        def among_invalid(test: str) -> str:
            return f"count_if(CASE WHEN {t} IS NULL AND {c} IS NOT NULL THEN {test} END)"

        parts["other_style"] = among_invalid(slash)
        parts["day_first"] = among_invalid(day_first)
        parts["month_first"] = among_invalid(month_first)
        return parts
    if plan.date_style == "slash":
        parts["other_style"] = f"count_if(CASE WHEN {t} IS NULL AND {c} IS NOT NULL THEN {iso} END)"
    else:
        parts["iso_count"] = f"count_if(CASE WHEN {t} IS NOT NULL THEN {iso} END)"
    parts["day_first"] = f"count_if({day_first})"
    parts["month_first"] = f"count_if({month_first})"
    return parts


def bin_of(value: str, plan: ColumnPlan, low: str, step: str, bins: int) -> str:
    """SQL for the bin (0 to bins - 1) of a typed `value`, bins of `step` from `low`."""
    if plan.type in TEMPORAL:
        value = f"epoch(CAST({value} AS TIMESTAMP))"
    # least() skips NULLs, so a missing value must stay NULL before it gets there.
    bin_index = f"floor((CAST({value} AS DOUBLE) - {low}) / {step})"
    return f"CASE WHEN {value} IS NOT NULL THEN least({bin_index}, {bins - 1})::INTEGER END"
