"""Gallery pages (grid, photo, tags) and the JSON API; every query is the signed-in owner's."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from gallery import presenters, timeline
from gallery.models import BadTag, Photo, PhotoTag, add_user_tag, remove_user_tag
from ingestion.forms import ObjectIdsForm, first_error
from ingestion.models import Status, StoredObject
from ingestion.routing import Kind
from platform_site.auth import api_login_required

PENDING_LIMIT = 60


def _owned_photo(request: HttpRequest, photo_id: int) -> Photo:
    """The signed-in user's photo, or 404 (another's photo does not exist for you)."""
    photos = Photo.objects.owned_by(request.user).select_related("source")
    return get_object_or_404(photos, pk=photo_id)


def _fragment(request: HttpRequest) -> bool:
    return request.GET.get("fragment") == "1" or request.POST.get("fragment") == "1"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The grid: month sections, newest first; ``fragment=1`` gives the next page's sections."""
    try:
        query = timeline.GalleryQuery.from_params(request.GET)
    except timeline.BadQuery as exc:
        return HttpResponseBadRequest(str(exc))
    page = timeline.page_of(request.user, query)
    context: dict[str, Any] = {
        "query": query,
        "months": timeline.months(page.photos, query.sort, presenters.tile),
        "next_params": query.params(cursor=page.next_cursor) if page.next_cursor else "",
    }
    if _fragment(request):
        return render(request, "gallery/_page.html", context)
    pending = list(
        StoredObject.objects.owned_by(request.user)
        .filter(kind=Kind.PHOTO)
        .exclude(status=Status.DONE)
        .order_by("-created_at", "-id")[: PENDING_LIMIT + 1]
    )
    context.update(
        facets=timeline.facets_for(request.user),
        pending=pending[:PENDING_LIMIT],
        more_pending=len(pending) > PENDING_LIMIT,
    )
    return render(request, "gallery/index.html", context)


def _photo_context(photo: Photo, **extra: Any) -> dict[str, Any]:
    tags = list(photo.tags.all())
    return {
        "photo": photo,
        "tags": tags,
        "preview_url": presenters.preview_url(photo),
        "original_url": presenters.original_url(photo),
        "map_url": presenters.map_url(photo),
        "problem": presenters.problem(photo),
        **extra,
    }


@require_GET
def photo_detail(request: HttpRequest, photo_id: int) -> HttpResponse:
    """One photo: the lightbox's content (``fragment=1``) or the same as a page of its own."""
    photo = _owned_photo(request, photo_id)
    template = "gallery/_photo_panel.html" if _fragment(request) else "gallery/photo.html"
    return render(request, template, _photo_context(photo))


@require_POST
def photo_tags(request: HttpRequest, photo_id: int) -> HttpResponse:
    """Add (``add``) or remove (``remove``) one of the user's own tags."""
    photo = _owned_photo(request, photo_id)
    error = ""
    if "remove" in request.POST:
        remove_user_tag(photo, request.POST["remove"])
    else:
        try:
            add_user_tag(photo, request.POST.get("add", ""))
        except BadTag as exc:
            error = str(exc)
    if _fragment(request):
        response = render(request, "gallery/_photo_panel.html", _photo_context(photo, error=error))
        if error:
            response.status_code = 400
        return response
    if error:
        return render(request, "gallery/photo.html", _photo_context(photo, error=error), status=400)
    return redirect("gallery:photo", photo_id=photo.pk)


@api_login_required
@require_GET
def api_photos(request: HttpRequest) -> HttpResponse:
    """``GET /api/photos?tag=&year=&camera=&sort=taken|uploaded&cursor=&limit=``."""
    try:
        query = timeline.GalleryQuery.from_params(request.GET)
        limit = int(request.GET.get("limit") or timeline.PAGE_SIZE)
    except (timeline.BadQuery, ValueError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    limit = max(1, min(limit, timeline.MAX_PAGE_SIZE))
    page = timeline.page_of(request.user, query, limit)
    by_photo: dict[int, list[PhotoTag]] = {p.pk: [] for p in page.photos}
    for tag in PhotoTag.objects.filter(photo__in=by_photo).order_by("kind", "name"):
        by_photo[tag.photo_id].append(tag)
    next_url = ""
    if page.next_cursor:
        next_url = reverse("gallery:api-photos") + "?" + query.params(cursor=page.next_cursor)
    return JsonResponse(
        {
            "photos": [presenters.photo_json(p, by_photo[p.pk]) for p in page.photos],
            "next_cursor": page.next_cursor or None,
            "next": next_url or None,
        }
    )


@api_login_required
@require_GET
def api_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = (
        Photo.objects.owned_by(request.user)
        .select_related("source")
        .prefetch_related(Prefetch("tags", PhotoTag.objects.order_by("kind", "name")))
        .filter(pk=photo_id)
        .first()
    )
    if photo is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(presenters.photo_json(photo))


@api_login_required
@require_GET
def api_pending(request: HttpRequest) -> HttpResponse:
    """``GET /api/photos/pending?ids=1,2`` → the gallery's placeholders, by ledger id."""
    form = ObjectIdsForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": first_error(form)}, status=400)
    ids = form.cleaned_data["ids"]
    objects = list(StoredObject.objects.owned_by(request.user).filter(pk__in=ids, kind=Kind.PHOTO))
    photos = {
        p.source_id: p for p in Photo.objects.filter(source__in=objects).select_related("source")
    }
    return JsonResponse(
        {"objects": [presenters.pending_json(obj, photos.get(obj.pk)) for obj in objects]}
    )
