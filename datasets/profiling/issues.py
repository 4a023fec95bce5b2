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
                    f"{column['missing']} missing values in {name!r} ({column['missing_pct']}%).",
                    column,
                    count=column["missing"],
                    percent=column["missing_pct"],
                )
            )
        if column["invalid"]:
            issues.append(
                _issue(
                    "invalid_values",
                    f"{column['invalid']} values in {name!r} are not {column['type']}.",
                    column,
                    count=column["invalid"],
                    examples=column["invalid_examples"],
                )
            )
        if column["count"] == 0:
            issues.append(_issue("empty_column", f"{name!r} has no values.", column))
        elif column["distinct"] == 1 and column["count"] > 1:
            issues.append(
                _issue("constant_column", f"{name!r} always holds the same value.", column)
            )
    if duplicate_rows["count"]:
        issues.append(
            _issue(
                "duplicate_rows",
                f"{duplicate_rows['count']} rows repeat an earlier row exactly.",
                count=duplicate_rows["count"],
            )
        )
    if ragged_rows["count"]:
        issues.append(
            _issue(
                "ragged_rows",
                f"{ragged_rows['count']} rows do not have "
                f"{dialect.column_count} fields and were left out.",
                count=ragged_rows["count"],
                examples=ragged_rows["examples"],
            )
        )
    return issues


def _issue(
    kind: str, message: str, column: dict[str, Any] | None = None, **detail: Any
) -> dict[str, Any]:
    issue: dict[str, Any] = {"type": kind, "column": column["name"] if column else None}
    issue.update(detail)
    issue["message"] = message
    return issue
