"""The gallery's query: filters, newest-first keyset pages, month groups and filter choices.

Pages are cut by a keyset cursor on (date, id), so page N costs what page 1 costs and a photo
arriving meanwhile never shifts the pages already shown.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from gallery.models import Photo, PhotoTag

PAGE_SIZE = 120
MAX_PAGE_SIZE = 500
SORT_FIELDS = {"taken": "taken_at", "uploaded": "uploaded_at"}


class BadQuery(ValueError):
    """A filter or cursor the gallery cannot use (answered with 400)."""


@dataclass(frozen=True)
class GalleryQuery:
    tag: str = ""
    year: int | None = None
    camera: str = ""
    sort: str = "taken"
    cursor: str = ""

    @classmethod
    def from_params(cls, params: QueryDict) -> GalleryQuery:
        sort = params.get("sort") or "taken"
        if sort not in SORT_FIELDS:
            raise BadQuery(f"sort must be one of {', '.join(SORT_FIELDS)}")
        year_text = params.get("year") or ""
        if year_text and not (year_text.isdigit() and 1800 <= int(year_text) <= 2200):
            raise BadQuery("year must be a year such as 2024")
        query = cls(
            tag=(params.get("tag") or "").strip().lower(),
            year=int(year_text) if year_text else None,
            camera=(params.get("camera") or "").strip(),
            sort=sort,
            cursor=params.get("cursor") or "",
        )
        if query.cursor:
            decode_cursor(query.cursor)  # refuse a bad one now, not half-way through a page
        return query

    @property
    def field(self) -> str:
        return SORT_FIELDS[self.sort]

    @property
    def filtered(self) -> bool:
        return bool(self.tag or self.year or self.camera)

    def params(self, **changes: Any) -> str:
        """The query string for this query with ``changes`` (empty values left out)."""
        values = {
            "tag": self.tag,
            "year": self.year or "",
            "camera": self.camera,
            "sort": "" if self.sort == "taken" else self.sort,
            "cursor": self.cursor,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def encode_cursor(when: datetime, photo_id: int) -> str:
    raw = json.dumps([when.isoformat(), photo_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, photo_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if not isinstance(photo_id, int) or timezone.is_naive(when):
            raise ValueError("bad cursor parts")
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadQuery("the cursor is not one this gallery gave out") from exc
    return when, photo_id


def photos_for(user: Any, query: GalleryQuery) -> QuerySet[Photo]:
    """The user's visible photos that match the filters, newest first by the chosen date."""
    photos = Photo.objects.owned_by(user).visible()
    if query.tag:
        photos = photos.filter(tags__name=query.tag)
    if query.year:
        photos = photos.filter(taken_year=query.year)
    if query.camera:
        photos = photos.filter(camera=query.camera)
    return photos.order_by(f"-{query.field}", "-id")


@dataclass
class Page:
    photos: list[Photo]
    next_cursor: str = ""


def page_of(user: Any, query: GalleryQuery, limit: int = PAGE_SIZE) -> Page:
    """One page of photos (source row joined in) and the cursor of the next, if any."""
    photos = photos_for(user, query).select_related("source")
    if query.cursor:
        when, photo_id = decode_cursor(query.cursor)
        after = Q(**{f"{query.field}__lt": when}) | Q(**{query.field: when, "id__lt": photo_id})
        photos = photos.filter(after)
    rows = list(photos[: limit + 1])
    if len(rows) <= limit:
        return Page(rows)
    rows = rows[:limit]
    last = rows[-1]
    return Page(rows, encode_cursor(getattr(last, query.field), last.pk))


@dataclass
class Month:
    key: str  # "2024-03"
    label: str  # "March 2024"
    photos: list[Any] = field(default_factory=list)


def months(
    photos: list[Photo], sort: str, present: Callable[[Photo], Any] = lambda p: p
) -> list[Month]:
    """Consecutive photos grouped by the month of the sort date (local time), as ``present``
    makes them."""
    attr = SORT_FIELDS[sort]

    def local(photo: Photo) -> datetime:
        return timezone.localtime(getattr(photo, attr))

    return [
        Month(key, f"{local(group[0]):%B %Y}", [present(p) for p in group])
        for key, items in groupby(photos, key=lambda p: f"{local(p):%Y-%m}")
        for group in [list(items)]
    ]


@dataclass(frozen=True)
class Facets:
    tags: list[tuple[str, int]]
    years: list[tuple[int, int]]
    cameras: list[str]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.years)


def facets_for(user: Any) -> Facets:
    """The choices of the filter bar, with counts (three queries, whatever the number)."""
    photos = Photo.objects.owned_by(user).visible()
    tags = (
        PhotoTag.objects.filter(photo__in=photos)
        .values("name")
        .annotate(n=Count("id"))
        .order_by("name")
    )
    years = photos.values("taken_year").annotate(n=Count("id")).order_by("-taken_year")
    cameras = photos.exclude(camera="").order_by("camera").values_list("camera", flat=True)
    return Facets(
        tags=[(row["name"], row["n"]) for row in tags],
        years=[(row["taken_year"], row["n"]) for row in years if row["taken_year"]],
        cameras=list(cameras.distinct()),
    )


def with_cursor(query: GalleryQuery, cursor: str) -> GalleryQuery:
    return replace(query, cursor=cursor)
