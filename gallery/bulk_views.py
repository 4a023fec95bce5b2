"""The grid's multi-select: download the selected photos' originals as one zip, add a tag to
them, or delete them (after a confirmation page). Downloads and deletes go through
``ingestion.bulk``, as the file library's do; only the signed-in owner's photos are touched."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gallery import presenters
from gallery.forms import GalleryQueryForm, PhotoSelectionForm
from gallery.models import Photo, PhotoTag, TagKind
from ingestion import bulk

CONFIRM_SHOWN = 60


def _back(request: HttpRequest) -> str:
    """The grid in the filters the selection was made in (they come as the action's query
    string, read by the gallery's own form: nothing else can be a target)."""
    form = GalleryQueryForm(request.GET)
    filters = form.query().params() if form.is_valid() else ""
    return reverse("gallery:index") + (f"?{filters}" if filters else "")


def _photos(n: int) -> str:
    return f"{n} photo{'s' if n != 1 else ''}"


@require_POST
def bulk_action(request: HttpRequest) -> HttpResponseBase:
    form = PhotoSelectionForm(request.POST)
    back = _back(request)
    if not form.is_valid():
        messages.error(request, form.problem())
        return redirect(back)
    photos = list(
        Photo.objects.owned_by(request.user)
        .filter(pk__in=form.cleaned_data["ids"])
        .select_related("source")
        .order_by("-taken_at", "-id")
    )
    if not photos:
        messages.error(request, "Nothing was selected (were the photos deleted already?).")
        return redirect(back)
    action = form.cleaned_data["action"]
    if action == "download":
        return _download(request, photos, back)
    if action == "tag":
        return _tag(request, photos, form.cleaned_data["tag"], back)
    if not form.cleaned_data["confirm"]:
        return render(
            request,
            "gallery/confirm_delete.html",
            {
                "tiles": [presenters.tile(p) for p in photos[:CONFIRM_SHOWN]],
                "more": max(0, len(photos) - CONFIRM_SHOWN),
                "count": len(photos),
                "total": sum(p.size for p in photos),
                "ids": ",".join(str(p.pk) for p in photos),
                "action": request.get_full_path(),
                "back": back,
            },
        )
    deleted = bulk.delete_objects(request.user, [p.source_id for p in photos])
    messages.success(request, f"Deleted {_photos(len(deleted))}.")
    return redirect(back)


def _download(request: HttpRequest, photos: list[Photo], back: str) -> HttpResponseBase:
    plan = bulk.plan_zip(request.user, [p.source_id for p in photos])
    if not plan.files:
        why = "; ".join(f"{obj.original_name} is {reason}" for obj, reason in plan.left_out)
        messages.error(request, f"Nothing could be downloaded: {why}.")
        return redirect(back)
    return bulk.zip_response(plan, name="photos")


def _tag(request: HttpRequest, photos: list[Photo], name: str, back: str) -> HttpResponse:
    PhotoTag.objects.bulk_create(
        [PhotoTag(photo=p, name=name, kind=TagKind.USER) for p in photos], ignore_conflicts=True
    )
    messages.success(request, f"Tagged {_photos(len(photos))} “{name}”.")
    return redirect(back)
