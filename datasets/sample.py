"""The dataset page's sample rows: one page of them, in file order or sorted by a column, each
cell marked when it is missing or not of its column's type.

The profile stores the first rows as written, with their lines, the marked cells and, per
column, the rows in the column's order (computed by the profiler from typed values, so a
column of dates or of numbers written `1.234,5` sorts as dates or numbers); here they are only
arranged. Missing and invalid cells stay at the end in both directions.
"""

from __future__ import annotations

from typing import Any

from datasets.forms import SAMPLE_PAGE_ROWS, SampleView
from datasets.profiling.issues import counted

CELL_CHARS = 60
NOT_A = {"integer": "an integer", "float": "a number", "boolean": "true or false"}


def sample_page(
    profile: dict[str, Any], columns: list[dict[str, Any]], view: SampleView
) -> dict[str, Any]:
    """Head, rows and pager of the sample's page `view.page` (clamped to the pages there are)."""
    rows: list[list[Any]] = profile.get("preview") or []
    lines: list[int] = profile.get("preview_lines") or []
    marks = profile.get("preview_marks") or {}
    marked = {
        (row, index): kind
        for kind in ("missing", "invalid")
        for row, index in marks.get(kind) or []
    }
    order = list(range(len(rows)))
    orders: list[list[int]] = profile.get("preview_order") or []
    if view.sort is not None and view.sort < len(orders):
        order = _sorted(orders[view.sort], view, marked)
    pages = max(1, -(-len(rows) // SAMPLE_PAGE_ROWS))
    page = min(view.page, pages)
    shown = order[(page - 1) * SAMPLE_PAGE_ROWS : page * SAMPLE_PAGE_ROWS]
    kinds = [str(column.get("type", "string")) for column in columns]
    return {
        "head": [_head(n, column, view) for n, column in enumerate(columns)],
        "rows": [
            {
                "line": lines[row] if row < len(lines) else None,
                "cells": [
                    _cell(text, marked.get((row, n)), kinds[n] if n < len(kinds) else "string")
                    for n, text in enumerate(rows[row])
                ],
            }
            for row in shown
        ],
        "total": len(rows),
        "caption": _caption(len(rows), page, len(shown), profile.get("row_count") or 0),
        "pager": _pager(page, pages, view),
        "sorted_by": columns[view.sort]["name"] if view.sort is not None and columns else None,
        "descending": view.descending,
    }


def _sorted(order: list[int], view: SampleView, marked: dict[tuple[int, int], str]) -> list[int]:
    column = view.sort
    values = [row for row in order if (row, column) not in marked]
    rest = [row for row in order if (row, column) in marked]
    return (values[::-1] if view.descending else values) + rest


def _head(n: int, column: dict[str, Any], view: SampleView) -> dict[str, Any]:
    current = view.sort == n
    ascending_next = not current or view.descending
    return {
        "name": column.get("name", ""),
        "numeric": column.get("type") in ("integer", "float"),
        "href": f"?sort={n}&order={'asc' if ascending_next else 'desc'}#sample",
        "aria_sort": ("descending" if view.descending else "ascending") if current else "",
    }


def _cell(text: Any, mark: str | None, kind: str) -> dict[str, Any]:
    text = "" if text is None else str(text)
    shown = text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
    return {
        "text": shown,
        "full": text if shown != text else "",
        "num": kind in ("integer", "float"),
        "missing": mark == "missing",
        "invalid": mark == "invalid",
        "note": f"not {NOT_A.get(kind, 'a ' + kind)}" if mark == "invalid" else "",
    }


def _caption(total: int, page: int, count: int, row_count: int) -> str:
    if not total:
        return "No rows."
    first = (page - 1) * SAMPLE_PAGE_ROWS + 1
    where = f"Row {first:,}" if count == 1 else f"Rows {first:,}–{first + count - 1:,}"
    if row_count > total:
        return f"{where} of the first {total:,} (the file has {counted(row_count, 'row')})."
    return f"{where} of {total:,}."


def _pager(page: int, pages: int, view: SampleView) -> dict[str, Any]:
    order = "desc" if view.descending else "asc"
    keep = f"sort={view.sort}&order={order}&" if view.sort is not None else ""
    return {
        "page": page,
        "pages": pages,
        "previous": f"?{keep}page={page - 1}#sample" if page > 1 else "",
        "next": f"?{keep}page={page + 1}#sample" if page < pages else "",
    }
