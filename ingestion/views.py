"""The file library: listing, bulk actions, downloads through signed URLs, delete and restore."""

from __future__ import annotations

import re
from dataclasses import asdict
from email.utils import parsedate_to_datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ingestion import bulk, deletion, rows, storage
from ingestion.forms import LibraryQueryForm, SelectionForm
from ingestion.library import (
    Query,
    bar_segments,
    copies_of,
    listing,
    selected,
    unpacked_from,
    usage,
    visible,
)
from ingestion.models import Status, StoredObject

PAGE_SIZE = 50


def owned_object(request: HttpRequest, object_id: int) -> StoredObject:
    """The signed-in user's object, or 404 (never 403: another's object does not exist for you)."""
    return get_object_or_404(visible(request.user), pk=object_id)


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    form = LibraryQueryForm(request.GET)
    query = form.query()
    problems = form.problems()
    page = Paginator(listing(request.user, query), PAGE_SIZE).get_page(query.page)
    copies = copies_of(request.user, page.object_list)
    unpacked = unpacked_from(request.user, page.object_list)
    source = visible(request.user).filter(pk=query.source).first() if query.source else None
    context = {
        "form": form,
        "query": query,
        "problems": problems,
        "page": page,
        "rows": [
            rows.row(obj, copies.get(obj.pk), unpacked=obj.pk in unpacked)
            for obj in page.object_list
        ],
        "source": source,
        "columns": _columns(query),
        **_usage(request.user, query),
        "clear_filters": reverse("library") + Query(sort=query.sort).link(),
        "pages": {
            "previous": page.has_previous() and query.link(page=page.number - 1),
            "next": page.has_next() and query.link(page=page.number + 1),
        },
        "here": reverse("library") + query.link(page=query.page),
    }
    return render(request, "ingestion/library.html", context, status=400 if problems else 200)


def _usage(user: Any, query: Query) -> dict[str, Any]:
    """Storage used: the bar's segments and the legend, whose entries filter by kind."""
    used = usage(user)
    legend = [{**asdict(k), "link": query.link(kind=k.kind)} for k in used.kinds]
    return {
        "usage": used,
        "usage_bar": bar_segments(used),
        "legend": legend,
        "all_kinds": query.link(kind=""),
    }


def _columns(query: Query) -> dict[str, dict[str, str]]:
    """Each sortable column's link (ascending first, or the reverse of the current order) and
    its aria-sort state."""
    columns = {}
    for name in ("name", "kind", "size", "status", "uploaded"):
        first = "-" if name in ("size", "uploaded") else ""  # the biggest and newest first
        if query.sort.lstrip("-") == name:
            descending = query.sort.startswith("-")
            state = "descending" if descending else "ascending"
            flip = name if descending else f"-{name}"
        else:
            state, flip = "none", f"{first}{name}"
        columns[name] = {"link": query.link(sort=flip), "state": state}
    return columns


@require_POST
def bulk_action(request: HttpRequest) -> HttpResponseBase:
    """Download or delete the selected files (deleting asks first)."""
    form = SelectionForm(request.POST)
    back = form.back()
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect(back)
    ids: list[int] = form.cleaned_data["ids"]
    chosen = list(selected(request.user, ids).order_by("created_at", "id"))
    if not chosen:
        messages.error(request, "Nothing was selected (were the files deleted already?).")
        return redirect(back)
    if form.cleaned_data["action"] == "download":
        plan = bulk.plan_zip(request.user, ids)
        if not plan.files:
            why = "; ".join(f"{obj.original_name} is {reason}" for obj, reason in plan.left_out)
            messages.error(request, f"Nothing could be downloaded: {why}.")
            return redirect(back)
        return bulk.zip_response(plan)
    if not form.cleaned_data["confirm"]:
        return render(
            request,
            "ingestion/confirm_delete.html",
            {
                "objects": chosen,
                "total": sum(o.size for o in chosen),
                "ids": ",".join(str(o.pk) for o in chosen),
                "back": back,
            },
        )
    deleted = bulk.delete_objects(request.user, ids)
    if len(deleted) == 1:
        messages.success(request, f"Deleted {deleted[0].name}.")
    else:
        messages.success(request, f"Deleted {len(deleted)} files.")
    return redirect(back)


@require_GET
def download(request: HttpRequest, object_id: int) -> HttpResponse:
    obj = owned_object(request, object_id)
    if obj.is_restoring:
        _refresh_restore(obj)
    if obj.status == Status.UPLOADING:
        messages.info(request, f"{obj.original_name} is still uploading.")
        return redirect("library")
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
        deletion.request_delete(obj)
        messages.success(request, f"Deleted {name}.")
        return redirect("library")
    return render(
        request,
        "ingestion/confirm_delete.html",
        {"objects": [obj], "action": reverse("delete", args=[obj.pk])},
    )


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
