"""The gallery's timeline: the photos a query selects, keyset pages in both directions, the month
each photo belongs to, and a photo's neighbours.

Pages are cut at a ``Position`` (date, id), so page N costs what page 1 costs and a photo
arriving meanwhile never shifts the pages already shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from gallery.models import Photo
from gallery.query import GalleryQuery, Position
from ingestion.models import Status

SORT_FIELDS = {"taken": "taken_at", "uploaded": "uploaded_at"}
PROBLEM_STATUSES = (Status.REJECTED, Status.FAILED)


def sort_field(query: GalleryQuery) -> str:
    return SORT_FIELDS[query.sort]


def filter_photos(
    photos: QuerySet[Photo], query: GalleryQuery, *, leave_out: tuple[str, ...] = ()
) -> QuerySet[Photo]:
    """``photos`` narrowed by the query's filters, less those named in ``leave_out`` (a filter's
    own choices are counted without it, so the other choices stay visible)."""
    if query.tag and "tag" not in leave_out:
        photos = photos.filter(tags__name=query.tag)
    if query.year and "year" not in leave_out:
        photos = photos.filter(taken_year=query.year)
        if query.month:
            photos = photos.filter(taken_month=query.month)
    if query.camera and "camera" not in leave_out:
        photos = photos.filter(camera=query.camera)
    if query.gps is not None and "gps" not in leave_out:
        photos = photos.filter(latitude__isnull=not query.gps)
    if query.problems and "problems" not in leave_out:
        photos = photos.filter(source__status__in=PROBLEM_STATUSES)
    return photos


def photos_for(user: Any, query: GalleryQuery) -> QuerySet[Photo]:
    """The user's visible photos that match the filters, newest first by the chosen date."""
    photos = filter_photos(Photo.objects.owned_by(user).visible(), query)
    return photos.order_by(f"-{sort_field(query)}", "-id")


def position_of(photo: Photo, query: GalleryQuery) -> Position:
    return Position(getattr(photo, sort_field(query)), photo.pk)


def _older_than(field: str, at: Position) -> Q:
    return Q(**{f"{field}__lt": at.when}) | Q(**{field: at.when, "id__lt": at.id})


def _newer_than(field: str, at: Position) -> Q:
    return Q(**{f"{field}__gt": at.when}) | Q(**{field: at.when, "id__gt": at.id})


@dataclass
class Page:
    photos: list[Photo]
    older: Position | None = None  # where the next older page starts, if there is one
    newer: Position | None = None  # where the next newer page ends, if there is one


def page_of(user: Any, query: GalleryQuery, *, look_back: bool = False) -> Page:
    """One page of photos (source row joined in), newest first, and where the pages beside it
    start. ``look_back`` asks whether newer photos exist before a page that starts at a cursor
    (one more query; a page that continues a scroll already knows)."""
    field, limit = sort_field(query), query.limit
    photos = photos_for(user, query).select_related("source")
    if query.newer is not None:
        nearest = photos.filter(_newer_than(field, query.newer)).order_by(field, "id")
        rows = list(nearest[: limit + 1])
        page = rows[:limit][::-1]
        more = len(rows) > limit
        return Page(page, newer=position_of(page[0], query) if more else None)
    if query.older is not None:
        photos = photos.filter(_older_than(field, query.older))
    rows = list(photos[: limit + 1])
    page = rows[:limit]
    older = position_of(page[-1], query) if len(rows) > limit else None
    newer = None
    if look_back and query.older is not None and page:
        first = position_of(page[0], query)
        if photos_for(user, query).filter(_newer_than(field, first)).exists():
            newer = first
    return Page(page, older, newer)


def month_key(when: datetime) -> str:
    return f"{timezone.localtime(when):%Y-%m}"


def month_label(key: str, *, short: bool = False) -> str:
    """ "2024-03" reads "March 2024" ("Mar 2024" when ``short``)."""
    return f"{datetime.strptime(key, '%Y-%m'):{'%b' if short else '%B'} %Y}"


def neighbours(user: Any, query: GalleryQuery, photo: Photo) -> tuple[Photo | None, Photo | None]:
    """The photos shown before (newer) and after (older) ``photo`` in the query's timeline."""
    field = sort_field(query)
    at = position_of(photo, query)
    photos = photos_for(user, query).select_related("source")
    newer = photos.filter(_newer_than(field, at)).order_by(field, "id").first()
    older = photos.filter(_older_than(field, at)).first()
    return newer, older
