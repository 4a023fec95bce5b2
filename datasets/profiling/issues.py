"""Quality issues of a profiled CSV: header problems, missing and invalid values, empty or
constant columns, repeated and ragged rows. Pure: takes the profile's column dicts, returns
JSON-ready issue dicts whose ``message`` is for the user.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from datasets.profiling.sniff import Dialect


def find_issues(
    columns: list[dict[str, Any]],
    dialect: Dialect,
    duplicate_rows: dict[str, Any],
    ragged_rows: dict[str, Any],
) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    if dialect.has_header:
        counts = Counter(header.strip() for header in dialect.headers)
        for column in columns:
            header = column["header"].strip()
            if not header:
                issues.append(
                    _issue(
                        "empty_header",
                        f"Column {column['index'] + 1} has no "
                        f"header name; it is shown as {column['name']!r}.",
                        column,
                    )
                )
            elif counts[header] > 1:
                issues.append(
                    _issue(
                        "duplicate_header",
                        f"The header name {header!r} is used "
                        f"{counts[header]} times; this one is {column['name']!r}.",
                        column,
                    )
                )
    for column in columns:
        name = column["name"]
        if column["missing"]:
            issues.append(
                _issue(
                    "missing_values",
                    f"{counted(column['missing'], 'missing value')} in {name!r} "
                    f"({column['missing_pct']}%).",
                    column,
                    count=column["missing"],
                    percent=column["missing_pct"],
                )
            )
        if column["invalid"]:
            invalid = column["invalid"]
            verb = "is" if invalid == 1 else "are"
            issues.append(
                _issue(
                    "invalid_values",
                    f"{counted(invalid, 'value')} in {name!r} {verb} not {_kind(column['type'])}.",
                    column,
                    count=invalid,
                    examples=column["invalid_examples"],
                )
            )
        formats = column.get("date_formats") or []
        if len(formats) > 1:
            issues.append(_mixed_dates(column, formats))
        if column["count"] == 0:
            issues.append(_issue("empty_column", f"{name!r} has no values.", column))
        elif column["distinct"] == 1 and column["count"] > 1:
            issues.append(
                _issue("constant_column", f"{name!r} always holds the same value.", column)
            )
    repeated = duplicate_rows["count"]
    if repeated:
        verb = "repeats" if repeated == 1 else "repeat"
        issues.append(
            _issue(
                "duplicate_rows",
                f"{counted(repeated, 'row')} {verb} an earlier row exactly.",
                count=repeated,
            )
        )
    ragged = ragged_rows["count"]
    if ragged:
        does, was = ("does", "was") if ragged == 1 else ("do", "were")
        issues.append(
            _issue(
                "ragged_rows",
                f"{counted(ragged, 'row')} {does} not have "
                f"{counted(dialect.column_count, 'field')} and {was} left out.",
                count=ragged,
                examples=ragged_rows["examples"],
            )
        )
    return issues


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """The count with its noun: "1 row", "2 rows", "1,234 rows"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def _kind(kind: str) -> str:
    return {"integer": "an integer", "float": "a number", "boolean": "true or false"}.get(
        kind, f"a {kind}"
    )


def _mixed_dates(column: dict[str, Any], formats: list[dict[str, Any]]) -> dict[str, Any]:
    read = [f for f in formats if not f["invalid"]]
    parts = [f"{counted(f['count'], 'value')} as {f['format']}" for f in read]
    message = f"{column['name']!r} mixes date formats: " + ", ".join(parts) + "."
    for f in formats:
        if f["invalid"]:
            message += (
                f" {counted(f['count'], 'value')} can only be {f['format']}, "
                f"so {'it is' if f['count'] == 1 else 'they are'} invalid."
            )
    return _issue("mixed_date_formats", message, column, formats=formats)


def _issue(
    kind: str, message: str, column: dict[str, Any] | None = None, **detail: Any
) -> dict[str, Any]:
    issue: dict[str, Any] = {"type": kind, "column": column["name"] if column else None}
    issue.update(detail)
    issue["message"] = message
    return issue
