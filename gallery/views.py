"""Gallery pages (grid, photo, tags) and the JSON API; every query is the signed-in owner's."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from gallery import presenters, problems, timeline
from gallery.exif import describe_exposure, describe_focal_length
from gallery.facets import facets_for
from gallery.forms import DismissProblemsForm, GalleryQueryForm
from gallery.models import BadTag, Photo, PhotoTag, add_user_tag, clean_tag, remove_user_tag
from gallery.query import GalleryQuery, encode_position
from ingestion.forms import ObjectIdsForm, first_error
from ingestion.models import StoredObject
from ingestion.routing import Kind
from platform_site.auth import api_login_required


def _owned_photo(request: HttpRequest, photo_id: int) -> Photo:
    """The signed-in user's photo, or 404 (another's photo does not exist for you)."""
    photos = Photo.objects.owned_by(request.user).select_related("source")
    return get_object_or_404(photos, pk=photo_id)


def _fragment(request: HttpRequest) -> bool:
    return request.GET.get("fragment") == "1" or request.POST.get("fragment") == "1"


def _query_or_problem(request: HttpRequest) -> GalleryQuery | str:
    form = GalleryQueryForm(request.GET)
    return form.query() if form.is_valid() else form.problem()


def _bad_query(request: HttpRequest, problem: str) -> HttpResponse:
    return render(request, "gallery/bad_query.html", {"problem": problem}, status=400)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The grid: one justified flow, newest first; ``fragment=1`` gives the next (or, with
    ``newer``, the previous) page's tiles."""
    query = _query_or_problem(request)
    if isinstance(query, str):
        return _bad_query(request, query)
    fragment = _fragment(request)
    # A fragment that continues a scroll knows what is before it; a jump (``at``) does not.
    page = timeline.page_of(request.user, query, look_back=not fragment or "at" in request.GET)
    # A page that continues the scroll labels its first photo only if a new month starts there.
    after = timeline.month_key(query.older.when) if fragment and query.older else ""
    context: dict[str, Any] = {
        "query": query,
        "tiles": presenters.tiles(page.photos, timeline.sort_field(query), after_month=after),
        "filter_params": query.params(),
        "older_params": query.params(cursor=encode_position(page.older)) if page.older else "",
        "newer_params": query.params(newer=encode_position(page.newer)) if page.newer else "",
    }
    if fragment:
        return render(request, "gallery/_page.html", context)
    processing, more_processing = problems.processing_for(request.user)
    facets = facets_for(request.user, query)
    context.update(
        presenters.filter_bar(facets, query),
        facets=facets,
        scrubber=presenters.scrubber(facets.timeline),
        processing=processing,
        more_processing=more_processing,
        problems=problems.problems_for(request.user),
    )
    return render(request, "gallery/index.html", context)


@require_POST
def dismiss_problems(request: HttpRequest) -> HttpResponse:
    """The problems card's "Dismiss": problems up to ``until`` (the newest shown) are hidden."""
    form = DismissProblemsForm(request.POST)
    if not form.is_valid():
        return HttpResponse(f"until: {form.errors['until'][0]}", status=400)
    problems.dismiss(request.user, form.cleaned_data["until"])
    if _fragment(request):
        return HttpResponse(status=204)
    return redirect("gallery:index")


def _photo_context(photo: Photo, **extra: Any) -> dict[str, Any]:
    tags = list(photo.tags.all())
    return {
        "photo": photo,
        "tags": tags,
        "preview_url": presenters.preview_url(photo),
        "original_url": presenters.original_url(photo),
        "map_url": presenters.map_url(photo),
        "problem": presenters.problem(photo),
        "exposure": describe_exposure(photo.f_number, photo.exposure_time, photo.iso),
        "focal_length": describe_focal_length(photo.focal_length, photo.focal_length_35mm),
        **extra,
    }


@require_GET
def photo_detail(request: HttpRequest, photo_id: int) -> HttpResponse:
    """One photo: the lightbox's content (``fragment=1``) or the same as a page of its own, with
    the photos before and after it in the timeline of the same filters."""
    photo = _owned_photo(request, photo_id)
    query = _query_or_problem(request)
    if isinstance(query, str):
        return _bad_query(request, query)
    filters = query.params()
    if _fragment(request):
        return render(request, "gallery/_photo_panel.html", _photo_context(photo, filters=filters))
    newer, older = timeline.neighbours(request.user, query, photo)
    suffix = f"?{filters}" if filters else ""
    return render(
        request,
        "gallery/photo.html",
        _photo_context(
            photo,
            filters=filters,
            previous_url=reverse("gallery:photo", args=[newer.pk]) + suffix if newer else "",
            next_url=reverse("gallery:photo", args=[older.pk]) + suffix if older else "",
        ),
    )


@require_POST
def photo_tags(request: HttpRequest, photo_id: int) -> HttpResponse:
    """Add (``add``) or remove (``remove``) one of the user's own tags."""
    photo = _owned_photo(request, photo_id)
    filters = request.GET.urlencode()  # the view the photo was opened in, kept as it came
    error = ""
    try:
        if "remove" in request.POST:
            remove_user_tag(photo, clean_tag(request.POST["remove"]))
        else:
            add_user_tag(photo, request.POST.get("add", ""))
    except BadTag as exc:
        error = str(exc)
    context = _photo_context(photo, error=error, filters=filters)
    if _fragment(request):
        return render(request, "gallery/_photo_panel.html", context, status=400 if error else 200)
    if error:
        return render(request, "gallery/photo.html", context, status=400)
    page = reverse("gallery:photo", args=[photo.pk])
    return redirect(f"{page}?{filters}" if filters else page)


@api_login_required
@require_GET
def api_photos(request: HttpRequest) -> HttpResponse:
    """``GET /api/photos?tag=&year=&month=&camera=&gps=&problems=&sort=&cursor=&limit=``."""
    query = _query_or_problem(request)
    if isinstance(query, str):
        return JsonResponse({"error": query}, status=400)
    page = timeline.page_of(request.user, query)
    by_photo: dict[int, list[PhotoTag]] = {p.pk: [] for p in page.photos}
    for tag in PhotoTag.objects.filter(photo__in=by_photo).order_by("kind", "name"):
        by_photo[tag.photo_id].append(tag)
    cursor = encode_position(page.older) if page.older else ""
    next_url = reverse("gallery:api-photos") + "?" + query.params(cursor=cursor) if cursor else ""
    return JsonResponse(
        {
            "photos": [presenters.photo_json(p, by_photo[p.pk]) for p in page.photos],
            "next_cursor": cursor or None,
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
