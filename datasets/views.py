"""Dataset pages: the list, one dataset's profile report, its summary JSON. Owner's rows only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from datasets.forms import SampleForm
from datasets.models import Dataset
from datasets.report import report
from ingestion import storage
from ingestion.models import StoredObject
from ingestion.routing import Kind
from platform_site.auth import api_login_required

PAGE_SIZE = 50
WAITING_LIMIT = 50


def _owned(request: HttpRequest, dataset_id: int) -> Dataset:
    """The signed-in user's dataset, or 404 (another's dataset does not exist for you)."""
    return get_object_or_404(
        Dataset.objects.owned_by(request.user).select_related("source"), pk=dataset_id
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    datasets = (
        Dataset.objects.owned_by(request.user)
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
    columns = len((dataset.profile or {}).get("columns") or [])
    view = SampleForm(request.GET, columns=columns).view()
    return render(request, "datasets/detail.html", {"dataset": dataset, **report(dataset, view)})


@require_GET
@api_login_required
def summary(request: HttpRequest, dataset_id: int) -> HttpResponse:
    """The summary JSON, through a short-lived signed URL; errors answer JSON (an API too)."""
    dataset = Dataset.objects.owned_by(request.user).filter(pk=dataset_id).first()
    if dataset is None:
        return JsonResponse({"error": "No such dataset."}, status=404)
    if not dataset.summary_key or not storage.exists(dataset.summary_key):
        return JsonResponse({"error": "This dataset has no summary yet."}, status=404)
    stem = dataset.name[:-4] if dataset.name.lower().endswith(".csv") else dataset.name
    return HttpResponseRedirect(
        storage.signed_url(dataset.summary_key, filename=f"{stem}_summary.json")
    )
