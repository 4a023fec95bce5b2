"""Profile a CSV file on local disk: schema, statistics and quality issues as a JSON-ready dict.

Pure: no Django, no boto3. The Celery task and `manage.py profile_csv` download the object to
a temporary file, call `profile_csv`, and store the dict as the dataset's summary JSON. A file
that cannot be read raises `CsvUnreadable` (a ValueError) whose message is for the user;
`error_profile` builds the summary to record in that case.

Line numbers are physical lines of the file, the header being line 1.

Bounds: at most `MAX_COLUMNS` columns (a wider file is refused with both widths named: the
page and the summary of a wider file would not be read, and each column costs memory); DuckDB
works within `MEMORY_MB` (see `datasets.profiling.budget`), and what comes back to Python is a
handful of values per column, so memory does not grow with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from datasets.profiling import passes, sql
from datasets.profiling.budget import Budget
from datasets.profiling.columns import column_dict, summary
from datasets.profiling.issues import find_issues
from datasets.profiling.lines import LineMap
from datasets.profiling.missing import MISSING_TOKENS, missing_variants
from datasets.profiling.numbers import sample_format
from datasets.profiling.sniff import (
    CsvUnreadable,
    Dialect,
    candidate_type,
    detect_encoding,
    parse_rows,
    read_sample,
    sample_dates,
    sniff_dialect,
    transcode_to_utf8,
)
from datasets.profiling.types import TEMPORAL, ColumnPlan, becomes_mixed, holds
from datasets.profiling.width import MAX_COLUMNS, LongLines, check_header

__all__ = ["MAX_COLUMNS", "CsvUnreadable", "error_profile", "profile_csv"]

# A column the sample shows as text is checked over all rows when this share of its sampled
# values fit a type: the few bad values may just come early in the file.
RECHECK_SHARE = 0.5
DISTINCT_EXACT_LIMIT = 10_000
EXAMPLES = 5
PREVIEW_ROWS = 500
PREVIEW_CELLS = 10_000  # a wide file's sample holds fewer rows (the page keeps them all)
MEMORY_MB = 300
RAGGED_TEXT_CHARS = 500
TOP_VALUES = 5
HISTOGRAM_BINS = 20
UTF8 = ("utf-8", "utf-8-sig")


def profile_csv(
    path: str | os.PathLike[str],
    *,
    file_name: str | None = None,
    upload_timestamp: dt.datetime | str | None = None,
    distinct_exact_limit: int = DISTINCT_EXACT_LIMIT,
    examples: int = EXAMPLES,
    preview_rows: int = PREVIEW_ROWS,
    missing_tokens: Sequence[str] = MISSING_TOKENS,
    memory_mb: int = MEMORY_MB,
    threads: int | None = None,
    temp_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Profile the CSV at `path` and return the summary dict (status "success").

    Raises CsvUnreadable when the file is empty, binary, wider than `MAX_COLUMNS` or cannot
    be parsed as CSV.
    """
    source = Path(path)
    long_lines = LongLines()
    encoding = detect_encoding(source, long_lines.feed)
    settings = _Settings(
        distinct_exact_limit, examples, preview_rows, missing_variants(missing_tokens)
    )
    with tempfile.TemporaryDirectory(prefix="profile-", dir=temp_dir) as work:
        workdir = Path(work)
        readable = source
        if encoding not in UTF8:
            readable = workdir / "utf8.csv"
            transcode_to_utf8(source, encoding, readable)
        sample, complete = read_sample(readable, "utf-8")
        dialect = sniff_dialect(sample, complete)
        check_header(dialect, cut=not complete and "\n" not in sample)
        long_lines.check_rows(source, encoding, dialect)
        sample_rows = parse_rows(sample, dialect.delimiter, dialect.quotechar, complete)
        budget = Budget(memory_mb, threads or os.cpu_count() or 1)
        con = sql.connect(workdir, budget)
        try:
            scan = sql.CsvScan(con, readable, dialect, budget, settings.missing)
            body = _profile(scan, dialect, sample_rows, settings)
        except (duckdb.InvalidInputException, duckdb.ConversionException) as error:
            raise CsvUnreadable(f"The file could not be read as CSV: {error}") from error
        except duckdb.OutOfMemoryException as error:
            # Not expected within the column limit; if a file still finds a way, say so plainly.
            raise CsvUnreadable(
                f"Profiling this file needs more than the {memory_mb} MB it may use."
            ) from error
        finally:
            con.close()
    return {
        **_envelope(file_name or source.name, upload_timestamp, "success"),
        "encoding": encoding,
        "delimiter": dialect.delimiter,
        "quotechar": dialect.quotechar,
        "has_header": dialect.has_header,
        "missing_tokens": list(missing_tokens),
        **body,
    }


def error_profile(
    file_name: str,
    message: str,
    *,
    upload_timestamp: dt.datetime | str | None = None,
) -> dict[str, Any]:
    """The summary recorded for a file that could not be profiled."""
    return {
        **_envelope(file_name, upload_timestamp, "error"),
        "error_message": message,
        "row_count": 0,
        "column_count": 0,
        "schema": {},
        "statistics": {},
        "quality_issues": [],
        "columns": [],
    }


def _envelope(name: str, uploaded: dt.datetime | str | None, status: str) -> dict[str, Any]:
    if isinstance(uploaded, dt.datetime):
        uploaded = uploaded.isoformat()
    return {
        "file_name": name,
        "upload_timestamp": uploaded,
        "processed_timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "status": status,
        "error_message": None,
    }


@dataclass(frozen=True)
class _Settings:
    distinct_exact_limit: int
    examples: int
    preview_rows: int
    missing: tuple[str, ...]  # every spelling of every missing token


def _plan(index: int, values: list[str], missing: frozenset[str]) -> ColumnPlan:
    """The column's likely type, judged from the sample's values that are not missing."""
    present = [value for value in values if value not in missing]
    kind, share = candidate_type(present)
    plan = ColumnPlan(index, kind or "string")
    plan.sampled = kind is not None
    if kind == "string":
        written = sample_format(present)
        if written is not None:
            plan.number_format, plan.type = written[0].name, written[1]
        else:
            plan.recheck = share >= RECHECK_SHARE
    if plan.type in TEMPORAL:
        plan.date_style, plan.date_order, plan.date_order_assumed = sample_dates(present)
    return plan


def _profile(
    scan: sql.CsvScan,
    dialect: Dialect,
    sample_rows: list[list[str]],
    settings: _Settings,
) -> dict[str, Any]:
    limit, examples = settings.distinct_exact_limit, settings.examples
    width = dialect.column_count
    data = [row for row in sample_rows[int(dialect.has_header) :] if len(row) == width]
    missing = frozenset(settings.missing)
    plans = [_plan(n, [row[n] for row in data], missing) for n in range(width)]
    row_count = passes.main_pass(scan, plans)
    misjudged = [plan for plan in plans if not holds(plan)]
    if misjudged:
        passes.retype(scan, misjudged)
    mixed = [plan for plan in plans if becomes_mixed(plan)]
    if mixed:
        passes.recompute(scan, mixed)
    for plan in plans:
        invalid = plan.count - plan.facts.get("valid", plan.count)
        if invalid:
            plan.facts["invalid_examples"] = scan.invalid_examples(plan, min(invalid, examples))
    # HyperLogLog is within a few percent: count every value when the estimate is near the bound.
    countable = [plan for plan in plans if plan.facts["approx_distinct"] <= limit * 1.1]
    duplicate_count, duplicate_examples = passes.count_pass(
        scan, plans, countable, HISTOGRAM_BINS, examples, TOP_VALUES
    )

    ragged_count, ragged_examples = scan.rejected(examples)
    lines = LineMap(scan, dialect, row_count + ragged_count)

    names = _display_names(dialect)
    columns = [
        column_dict(plan, name, dialect, row_count, lines, limit)
        for plan, name in zip(plans, names, strict=True)
    ]
    duplicate_rows = {
        "count": duplicate_count,
        "examples": [
            {"lines": [lines.of_row(first), lines.of_row(second)], "copies": copies}
            for first, second, copies in duplicate_examples
        ],
    }
    ragged_rows = {
        "count": ragged_count,
        "expected_fields": width,
        "examples": [
            {
                "line": lines.of_record(int(line)),
                "problem": str(kind).lower(),
                "fields": width + extra if extra else _field_count(text, dialect),
                "text": _cut(text, RAGGED_TEXT_CHARS),
            }
            for line, kind, text, extra in ragged_examples
        ],
    }
    return {
        "row_count": row_count,
        "column_count": width,
        "schema": {column["name"]: column["type"] for column in columns},
        "statistics": {column["name"]: summary(column) for column in columns},
        "quality_issues": find_issues(columns, dialect, duplicate_rows, ragged_rows),
        "columns": columns,
        "duplicate_rows": duplicate_rows,
        "ragged_rows": ragged_rows,
        **_sample(scan, plans, lines, min(settings.preview_rows, PREVIEW_CELLS // width), missing),
    }


def _sample(
    scan: sql.CsvScan, plans: list[ColumnPlan], lines: LineMap, rows: int, missing: frozenset[str]
) -> dict[str, Any]:
    """The first rows as written, their lines, marked cells and, per column, the rows in the
    column's order: values by their typed value (text ignoring case), then missing cells, then
    values not of the column's type."""
    texts, values = scan.preview(plans, max(1, rows))
    marks = [
        [
            1 if text is None or text in missing else 2 if value is None else 0
            for text, value in zip(row_texts, row_values, strict=True)
        ]
        for row_texts, row_values in zip(texts, values, strict=True)
    ]
    marked: dict[str, list[list[int]]] = {"missing": [], "invalid": []}
    for row, row_marks in enumerate(marks):
        for index, mark in enumerate(row_marks):
            if mark:
                marked["missing" if mark == 1 else "invalid"].append([row, index])

    def key(index: int, row: int) -> tuple[Any, ...]:
        mark, value = marks[row][index], values[row][index]
        if isinstance(value, str):
            value = value.lower()
        # Marked cells have no value to compare; a column's values are all of one type.
        return (mark, value if mark == 0 else "", texts[row][index] or "", row)

    order = [sorted(range(len(texts)), key=lambda row: key(n, row)) for n in range(len(plans))]
    return {
        "preview": [[text or "" for text in row] for row in texts],
        "preview_lines": lines.first_rows(len(texts)),
        "preview_marks": marked,
        "preview_order": order,
    }


def _display_names(dialect: Dialect) -> list[str]:
    names: list[str] = []
    seen: Counter[str] = Counter()
    for n, header in enumerate(dialect.headers):
        base = header.strip() or f"column{n + 1}"
        seen[base] += 1
        name = base if seen[base] == 1 else f"{base}_{seen[base]}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _field_count(text: str, dialect: Dialect) -> int:
    rows = parse_rows(text.strip("\r\n"), dialect.delimiter, dialect.quotechar, True)
    return len(rows[0]) if rows else 0
