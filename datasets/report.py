"""What the dataset page shows, read from the stored profile: facts, quality issues (missing
values as one table), the schema, a card per column and a page of the sample rows."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import mark_safe

from datasets import charts
from datasets.forms import SampleView
from datasets.models import Dataset
from datasets.profiling.issues import counted
from datasets.profiling.types import NUMERIC, TEMPORAL
from datasets.sample import sample_page
from platform_site.charts import format_number

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space", ":": "colon"}
ISSUE_LABELS = {
    "missing_values": "Missing values",
    "invalid_values": "Invalid values",
    "mixed_date_formats": "Mixed date formats",
    "duplicate_rows": "Duplicate rows",
    "ragged_rows": "Rows with the wrong number of fields",
    "empty_column": "Empty column",
    "constant_column": "Constant column",
    "empty_header": "Empty header",
    "duplicate_header": "Duplicate header",
}
# Rows left out or values that are not what the column holds: the data is not what it seems.
SERIOUS = ("ragged_rows", "invalid_values", "duplicate_header", "empty_column")
NUMBER_STATS = ("min", "max", "mean", "std")


def report(dataset: Dataset, view: SampleView) -> dict[str, Any]:
    profile = dataset.profile or {}
    columns = [_column(column) for column in profile.get("columns") or []]
    duplicates = profile.get("duplicate_rows") or {}
    ragged = profile.get("ragged_rows") or {}
    return {
        "facts": _facts(dataset, profile, duplicates, ragged),
        "columns": columns,
        "issues": _issues(profile.get("quality_issues") or [], duplicates, columns),
        "sample": sample_page(profile, columns, view),
        "missing_tokens": ", ".join(profile.get("missing_tokens") or []),
    }


def _facts(
    dataset: Dataset, profile: dict[str, Any], duplicates: dict[str, Any], ragged: dict[str, Any]
) -> list[dict[str, Any]]:
    if dataset.status != Dataset.Outcome.SUCCESS:
        return []
    delimiter = dataset.delimiter
    return [
        {"label": "Rows", "value": f"{dataset.row_count or 0:,}"},
        {"label": "Columns", "value": f"{dataset.column_count or 0:,}"},
        {"label": "Encoding", "value": dataset.encoding or "—"},
        {
            "label": "Delimiter",
            "value": DELIMITERS.get(delimiter, repr(delimiter)),
            "note": "" if profile.get("has_header", True) else "no header row",
        },
        {
            "label": "Duplicate rows",
            "value": f"{duplicates.get('count', 0):,}",
            "warn": bool(duplicates.get("count")),
        },
        {
            "label": "Ragged rows",
            "value": f"{ragged.get('count', 0):,}",
            "warn": bool(ragged.get("count")),
            "note": "left out" if ragged.get("count") else "",
        },
    ]


def _column(column: dict[str, Any]) -> dict[str, Any]:
    kind = column.get("type", "string")
    index = column.get("index", 0)
    name = str(column.get("name", ""))
    histogram = column.get("histogram")
    hist_svg = top_svg = ""
    if histogram and kind in (*NUMERIC, *TEMPORAL) and histogram.get("counts"):
        hist_svg = charts.column_chart(
            histogram["counts"],
            histogram["edges"],
            title=f"Distribution of {name}",
            chart_id=f"col{index}-hist",
        )
    top = column.get("top_values") or []
    if top and not hist_svg:
        top_svg = charts.top_values_chart(
            [(str(item["value"]), int(item["count"])) for item in top],
            title=f"Most common values of {name}",
            chart_id=f"col{index}-top",
            total=column.get("count") or None,
        )
    return {
        **column,
        "anchor": f"col-{index}",
        "numeric": kind in NUMERIC,
        "written": _written(column),
        "distinct_text": _distinct(column),
        "stats": _stats(column),
        "histogram_svg": mark_safe(hist_svg),  # noqa: S308 (charts escape every label)
        "top_svg": mark_safe(top_svg),  # noqa: S308 (charts escape every label)
    }


def _written(column: dict[str, Any]) -> str:
    """How the column's values are written, when the type alone does not say: 1.234,5 or
    DD/MM/YYYY, "mixed" for dates of several formats."""
    if column.get("number_format"):
        return str(column["number_format"])
    formats = [f["format"] for f in column.get("date_formats") or [] if not f["invalid"]]
    if len(formats) > 1:
        return "mixed formats"
    return formats[0] if formats and column.get("date_format") != "iso" else ""


def _stats(column: dict[str, Any]) -> list[tuple[str, str]]:
    kind = column.get("type", "string")
    stats: list[tuple[str, str]] = [
        ("Count", f"{column.get('count', 0):,}"),
        ("Missing", f"{column.get('missing', 0):,} ({column.get('missing_pct', 0)}%)"),
        ("Distinct", _distinct(column)),
    ]
    if column.get("invalid"):
        stats.append(("Invalid", f"{column['invalid']:,}"))
    if kind in NUMERIC:
        stats += [(label.capitalize(), _number(column.get(label))) for label in NUMBER_STATS]
    elif kind in TEMPORAL:
        stats += [("Earliest", column.get("min") or "—"), ("Latest", column.get("max") or "—")]
        if column.get("date_order_assumed"):
            stats.append(("Order", f"{column.get('date_order')} (assumed)"))
    elif kind == "boolean":
        stats += [
            ("True", f"{column.get('true_count', 0):,}"),
            ("False", f"{column.get('false_count', 0):,}"),
        ]
    else:
        stats += [
            ("Min length", f"{column.get('min_length', 0) or 0:,}"),
            ("Max length", f"{column.get('max_length', 0) or 0:,}"),
        ]
    return stats


def _number(value: Any) -> str:
    return "—" if value is None else format_number(value)


def _distinct(column: dict[str, Any]) -> str:
    approx = "≈ " if column.get("distinct_is_estimate") else ""
    return f"{approx}{column.get('distinct', 0):,}"


def _issues(
    issues: list[dict[str, Any]], duplicates: dict[str, Any], columns: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The issues as the page lists them: every column's missing values in one table, where
    the first of them was; the others one by one."""
    anchors = {column["name"]: column["anchor"] for column in columns}
    shown: list[dict[str, Any]] = []
    missing = [issue for issue in issues if issue.get("type") == "missing_values"]
    for issue in issues:
        if issue.get("type") != "missing_values":
            shown.append(_issue(issue, duplicates, anchors))
        elif issue is missing[0]:
            shown.append(_missing_table(missing, anchors))
    return shown


def _missing_table(issues: list[dict[str, Any]], anchors: dict[str, str]) -> dict[str, Any]:
    cells = sum(int(issue.get("count") or 0) for issue in issues)
    return {
        "type": "missing_values",
        "label": ISSUE_LABELS["missing_values"],
        "severity": "notice",
        "message": (f"{counted(cells, 'missing value')} in {counted(len(issues), 'column')}."),
        "table": [
            {
                "column": issue["column"],
                "anchor": anchors.get(issue["column"], ""),
                "count": f"{int(issue.get('count') or 0):,}",
                "percent": issue.get("percent", 0),
                "bar": min(100.0, float(issue.get("percent") or 0)),
            }
            for issue in issues
        ],
    }


def _issue(
    issue: dict[str, Any], duplicates: dict[str, Any], anchors: dict[str, str]
) -> dict[str, Any]:
    kind = issue.get("type", "")
    examples: list[dict[str, str]] = []
    for example in issue.get("examples") or []:
        if "value" in example:
            examples.append({"where": f"line {example['line']}", "text": str(example["value"])})
        else:
            fields = example.get("fields")
            note = f"{example.get('problem', '')}: " + (
                counted(fields, "field") if isinstance(fields, int) else "? fields"
            )
            examples.append(
                {
                    "where": f"line {example.get('line')}",
                    "text": example.get("text", ""),
                    "note": note,
                }
            )
    if kind == "duplicate_rows":
        for example in duplicates.get("examples") or []:
            first, second = example["lines"]
            copies = example.get("copies", 2)
            if copies == 2:
                examples.append({"where": f"lines {first} and {second}", "text": "", "note": ""})
            else:
                note = f"{copies} copies, the first two of them"
                examples.append({"where": f"lines {first}, {second}", "text": "", "note": note})
    return {
        **issue,
        "label": ISSUE_LABELS.get(kind, kind.replace("_", " ").capitalize()),
        "severity": "serious" if kind in SERIOUS else "notice",
        "anchor": anchors.get(issue.get("column") or "", ""),
        "example_list": examples,
    }
