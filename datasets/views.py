"""Dataset pages: the list, one dataset's profile report, its summary JSON. Owner's rows only."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from datasets import charts
from datasets.models import Dataset
from datasets.profiling.types import NUMERIC, TEMPORAL
from ingestion import storage
from ingestion.models import StoredObject
from ingestion.routing import Kind
from platform_site.auth import api_login_required
from platform_site.charts import format_number

PAGE_SIZE = 50
WAITING_LIMIT = 50
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space", ":": "colon"}
ISSUE_LABELS = {
    "missing_values": "Missing values",
    "invalid_values": "Invalid values",
    "duplicate_rows": "Duplicate rows",
    "ragged_rows": "Rows with the wrong number of fields",
    "empty_column": "Empty column",
    "constant_column": "Constant column",
    "empty_header": "Empty header",
    "duplicate_header": "Duplicate header",
}
# Rows left out or values that are not what the column holds: the data is not what it seems.
SERIOUS = ("ragged_rows", "invalid_values", "duplicate_header", "empty_column")


def _owned(request: HttpRequest, dataset_id: int) -> Dataset:
    """The signed-in user's dataset, or 404 (another's dataset does not exist for you)."""
    return get_object_or_404(
        Dataset.objects.filter(owner_id=request.user.pk).select_related("source"), pk=dataset_id
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    datasets = (
        Dataset.objects.filter(owner_id=request.user.pk)
        .select_related("source")
        .order_by("-created_at", "-id")
    )
    page = Paginator(datasets, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = (
        StoredObject.objects.owned_by(request.user)
        .filter(kind=Kind.CSV, dataset__isnull=True)
        .order_by("-created_at", "-id")[:WAITING_LIMIT]
    )
    return render(request, "datasets/index.html", {"page": page, "waiting": list(waiting)})


@require_GET
def detail(request: HttpRequest, dataset_id: int) -> HttpResponse:
    dataset = _owned(request, dataset_id)
    return render(request, "datasets/detail.html", {"dataset": dataset, **report(dataset)})


@require_GET
@api_login_required
def summary(request: HttpRequest, dataset_id: int) -> HttpResponse:
    """The summary JSON, through a short-lived signed URL; errors answer JSON (an API too)."""
    dataset = Dataset.objects.filter(owner_id=request.user.pk, pk=dataset_id).first()
    if dataset is None:
        return JsonResponse({"error": "No such dataset."}, status=404)
    if not dataset.summary_key or not storage.exists(dataset.summary_key):
        return JsonResponse({"error": "This dataset has no summary yet."}, status=404)
    stem = dataset.name[:-4] if dataset.name.lower().endswith(".csv") else dataset.name
    return HttpResponseRedirect(
        storage.signed_url(dataset.summary_key, filename=f"{stem}_summary.json")
    )


def report(dataset: Dataset) -> dict[str, Any]:
    """What the dataset page shows, read from the stored profile."""
    profile = dataset.profile or {}
    columns = [_column(column) for column in profile.get("columns") or []]
    anchors = {column["name"]: column["anchor"] for column in columns}
    duplicates = profile.get("duplicate_rows") or {}
    ragged = profile.get("ragged_rows") or {}
    return {
        "facts": _facts(dataset, profile, duplicates, ragged),
        "columns": columns,
        "issues": [
            _issue(issue, duplicates, anchors) for issue in profile.get("quality_issues") or []
        ],
        "preview_head": columns,
        "preview": _preview(profile.get("preview") or [], columns),
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
    stats: list[tuple[str, str]] = [
        ("Count", f"{column.get('count', 0):,}"),
        ("Missing", f"{column.get('missing', 0):,} ({column.get('missing_pct', 0)}%)"),
        ("Distinct", _distinct(column)),
    ]
    if column.get("invalid"):
        stats.append(("Invalid", f"{column['invalid']:,}"))
    if kind in NUMERIC:
        stats += [(label.capitalize(), _number(column.get(label))) for label in _NUMBER_STATS]
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
    name = str(column.get("name", ""))
    histogram = column.get("histogram")
    hist_svg = ""
    if histogram and kind in (*NUMERIC, *TEMPORAL) and histogram.get("counts"):
        hist_svg = charts.column_chart(
            histogram["counts"],
            histogram["edges"],
            title=f"Distribution of {name}",
            chart_id=f"col{index}-hist",
        )
    top = column.get("top_values") or []
    top_svg = ""
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
        "distinct_text": _distinct(column),
        "stats": stats,
        "histogram_svg": mark_safe(hist_svg),  # noqa: S308 (charts escape every label)
        "top_svg": mark_safe(top_svg),  # noqa: S308 (charts escape every label)
        "missing_pct_bar": min(100.0, float(column.get("missing_pct") or 0)),
    }


_NUMBER_STATS = ("min", "max", "mean", "std")


def _number(value: Any) -> str:
    return "—" if value is None else format_number(value)


def _distinct(column: dict[str, Any]) -> str:
    approx = "≈ " if column.get("distinct_is_estimate") else ""
    return f"{approx}{column.get('distinct', 0):,}"


def _issue(
    issue: dict[str, Any], duplicates: dict[str, Any], anchors: dict[str, str]
) -> dict[str, Any]:
    kind = issue.get("type", "")
    examples: list[dict[str, str]] = []
    for example in issue.get("examples") or []:
        if "value" in example:
            examples.append({"where": f"line {example['line']}", "text": str(example["value"])})
        else:
            note = f"{example.get('problem', '')}: {example.get('fields', '?')} fields"
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


def _preview(rows: list[list[Any]], columns: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    numeric = [column["numeric"] for column in columns]
    shaped = []
    for row in rows:
        cells = []
        for n, value in enumerate(row):
            text = "" if value is None else str(value)
            cells.append(
                {"text": text, "num": n < len(numeric) and numeric[n], "empty": text == ""}
            )
        shaped.append(cells)
    return shaped
