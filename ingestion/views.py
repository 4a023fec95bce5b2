"""The file library: listing, downloads through signed URLs, delete and restore."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ingestion import storage
from ingestion.models import StoredObject
from ingestion.routing import KINDS

PAGE_SIZE = 50


def owned_object(request: HttpRequest, object_id: int) -> StoredObject:
    """The signed-in user's object, or 404 (never 403: another's object does not exist for you)."""
    return get_object_or_404(StoredObject.objects.owned_by(request.user), pk=object_id)


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    objects = (
        StoredObject.objects.owned_by(request.user)
        .select_related("source")
        .order_by("kind", "-created_at", "-id")
    )
    if kind:
        objects = objects.filter(kind=kind)
    page = Paginator(objects, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(KINDS)
    counts = _counts(request)
    tabs = [(k, labels[k], counts.get(k, 0)) for k, _ in KINDS]
    return render(
        request,
        "ingestion/library.html",
        {
            "page": page,
            "kind": kind,
            "kind_labels": labels,
            "tabs": tabs,
            "total": sum(counts.values()),
        },
    )


def _counts(request: HttpRequest) -> dict[str, int]:
    rows = (
        StoredObject.objects.owned_by(request.user)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
    )
    return {row["kind"]: row["n"] for row in rows}


@require_GET
def download(request: HttpRequest, object_id: int) -> HttpResponse:
    obj = owned_object(request, object_id)
    if obj.is_restoring:
        _refresh_restore(obj)
    if not obj.is_downloadable:
        messages.info(request, f"{obj.original_name} is in Deep Archive: restore it first.")
        return redirect("library")
    return HttpResponseRedirect(storage.signed_url(obj.key, filename=obj.original_name))


@login_not_required
@require_GET
def signed_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """Serve a file on disk for a signed, expiring token (the embedded default's presigned URL)."""
    try:
        payload = storage.unsign(token)
    except signing.BadSignature:
        raise Http404("This link is invalid or has expired.") from None
    if not storage.exists(payload["k"]):
        raise Http404("The file is no longer stored.")
    response = FileResponse(
        storage.open_object(payload["k"]),
        as_attachment=not payload.get("i"),
        filename=payload["n"],
    )
    # The link is the capability: the browser may keep what it fetched for the link's lifetime.
    response["Cache-Control"] = f"private, max-age={int(payload['s'])}"
    return response


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, object_id: int) -> HttpResponse:
    obj = owned_object(request, object_id)
    if request.method == "POST":
        name = obj.original_name
        storage.delete(obj.key)
        obj.delete()
        messages.success(request, f"Deleted {name}.")
        return redirect("library")
    return render(request, "ingestion/confirm_delete.html", {"object": obj})


@require_POST
def restore(request: HttpRequest, object_id: int) -> HttpResponse:
    obj = owned_object(request, object_id)
    if obj.is_archived and not obj.is_downloadable:
        obj.restored_until = storage.request_restore(obj.key)
        obj.restore_requested_at = timezone.now()
        if obj.restored_until:
            messages.success(request, f"{obj.original_name} is restored for 7 days.")
        else:
            messages.info(
                request,
                f"Restore of {obj.original_name} requested; Deep Archive takes up to 48 hours.",
            )
        obj.save(update_fields=["restore_requested_at", "restored_until", "updated_at"])
    return redirect("library")


def _refresh_restore(obj: StoredObject) -> None:
    """Read S3's Restore header: once the copy is back, note until when it can be downloaded."""
    state = storage.restore_state(obj.key) or ""
    match = re.search(r'ongoing-request="false", expiry-date="([^"]+)"', state)
    if match:
        obj.restored_until = parsedate_to_datetime(match.group(1))
        obj.save(update_fields=["restored_until", "updated_at"])
