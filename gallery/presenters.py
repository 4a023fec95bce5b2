"""What pages and the JSON API show of a photo: signed URLs, labels, the map link."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from gallery import timeline
from gallery.facets import Facets
from gallery.models import Photo, PhotoTag
from gallery.query import GalleryQuery
from ingestion import storage
from ingestion.models import Status, StoredObject


def _stem(photo: Photo) -> str:
    return photo.source.original_name.rsplit(".", 1)[0] or f"photo-{photo.pk}"


def thumbnail_url(photo: Photo) -> str:
    return storage.signed_url(
        photo.thumbnail_key,
        filename=f"{_stem(photo)}-thumbnail.jpg",
        inline=True,
    )


def preview_url(photo: Photo) -> str:
    return storage.signed_url(
        photo.preview_key or photo.thumbnail_key,
        filename=f"{_stem(photo)}-preview.jpg",
        inline=True,
    )


def original_url(photo: Photo) -> str | None:
    """The download of the original; None while it sits in Deep Archive (restore it first)."""
    if not photo.source.is_downloadable:
        return None
    return storage.signed_url(
        photo.original_key or photo.source.key,
        filename=photo.source.original_name,
    )


def map_url(photo: Photo) -> str | None:
    if not photo.has_location:
        return None
    lat, lon = f"{photo.latitude:.6f}", f"{photo.longitude:.6f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=15/{lat}/{lon}"


def problem(photo: Photo) -> str:
    """Why the photo's last processing run did not finish, if it did not."""
    if photo.source.status in (Status.REJECTED, Status.FAILED):
        return photo.source.reason
    return ""


@dataclass(frozen=True)
class Tile:
    id: int
    name: str
    thumbnail_url: str
    detail_url: str
    aspect: float
    width: int
    height: int
    problem: str
    month: str = ""  # "2024-03": the month of the timeline's date
    label: str = ""  # "March 2024" on the first photo of a month, else empty

    @property
    def shape(self) -> str:
        """The tile's width class for the grid, ``ar-N`` for N twentieths of its height.

        A class, not a ``style`` attribute, so the page needs no inline styles (the CSP allows
        none); gallery.css has one rule per N from ``SHAPES``, and panoramas beyond 4:1 are
        cropped to it. The first photo of a month is at least 3:4 (a tall screenshot is cropped
        a little there), so its cell is wide enough for the month's label."""
        least = LABELLED_SHAPE if self.label else SHAPES.start
        return f"ar-{min(max(round(self.aspect * 20), least), SHAPES.stop - 1)}"

    @property
    def short_label(self) -> str:
        """ "Mar 2024" for "March 2024" (a phone's narrow tiles)."""
        return timeline.month_label(self.month, short=True) if self.label else ""


# The ``ar-N`` classes gallery.css defines: aspect ratios from 1:4 to 4:1 in steps of 1/20.
SHAPES = range(5, 81)
LABELLED_SHAPE = 15


def tile(photo: Photo, month: str = "", label: str = "") -> Tile:
    return Tile(
        id=photo.pk,
        name=photo.source.original_name,
        thumbnail_url=thumbnail_url(photo),
        detail_url=reverse("gallery:photo", args=[photo.pk]),
        aspect=round(photo.aspect, 4),
        width=photo.width,
        height=photo.height,
        problem=problem(photo),
        month=month,
        label=label,
    )


def tiles(photos: list[Photo], date_field: str, *, after_month: str = "") -> list[Tile]:
    """The timeline's tiles in one flow; the first photo of each month carries the month's
    label (``after_month``: the month of the photo just before these, when they continue a
    page already shown)."""
    shown: list[Tile] = []
    previous = after_month
    for photo in photos:
        month = timeline.month_key(getattr(photo, date_field))
        label = timeline.month_label(month) if month != previous else ""
        shown.append(tile(photo, month, label))
        previous = month
    return shown


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def photo_json(photo: Photo, tags: list[PhotoTag] | None = None) -> dict[str, Any]:
    """The API's view of one photo (``tags`` prefetched by the caller, or read here)."""
    tags = list(photo.tags.all()) if tags is None else tags
    return {
        "id": photo.pk,
        "name": photo.source.original_name,
        "object_id": photo.source_id,
        "taken_at": _iso(photo.taken_at),
        "taken_at_source": photo.taken_at_source,
        "uploaded_at": _iso(photo.uploaded_at),
        "width": photo.width,
        "height": photo.height,
        "size": photo.size,
        "format": photo.format,
        "camera_make": photo.camera_make,
        "camera_model": photo.camera_model,
        "camera": photo.camera,
        "latitude": photo.latitude,
        "longitude": photo.longitude,
        "map_url": map_url(photo),
        "flash": photo.flash,
        "iso": photo.iso,
        "f_number": photo.f_number,
        "exposure_time": photo.exposure_time,
        "focal_length": photo.focal_length,
        "focal_length_35mm": photo.focal_length_35mm,
        "lens": photo.lens,
        "storage_class": photo.source.storage_class,
        "status": photo.source.status,
        "reason": photo.source.reason,
        "tags": [{"name": t.name, "kind": t.kind} for t in tags],
        "thumbnail_url": thumbnail_url(photo),
        "preview_url": preview_url(photo),
        "original_url": original_url(photo),
        "detail_url": reverse("gallery:photo", args=[photo.pk]),
    }


def pending_json(obj: StoredObject, photo: Photo | None) -> dict[str, Any]:
    """A placeholder's state: still working, a reason, or the finished photo's tile."""
    body: dict[str, Any] = {
        "id": obj.pk,
        "name": obj.original_name,
        "status": obj.status,
        "status_label": obj.get_status_display(),
        "reason": obj.reason,
        "final": obj.is_final,
        "uploaded_at": timezone.localtime(obj.created_at).isoformat(),
        "photo": None,
    }
    if photo is not None and photo.thumbnail_key:
        shown = tile(photo)
        body["photo"] = {
            "id": shown.id,
            "thumbnail_url": shown.thumbnail_url,
            "detail_url": shown.detail_url,
            "aspect": shown.aspect,
            "shape": shown.shape,
        }
    return body


@dataclass(frozen=True)
class MonthName:
    number: int
    name: str


def filter_bar(facets: Facets, query: GalleryQuery) -> dict[str, Any]:
    """What the filter bar needs beyond the counts: whether a chosen value is among the choices
    (else it is shown with a count of 0, still selected), and the month names."""
    return {
        "tag_listed": any(name == query.tag for name, _ in facets.tags),
        "year_listed": any(year == query.year for year, _ in facets.years),
        "camera_listed": any(name == query.camera for name, _ in facets.cameras),
        "month_choices": [(MonthName(m, calendar.month_name[m]), n) for m, n in facets.months],
    }


@dataclass(frozen=True)
class ScrubberMonth:
    key: str  # "2024-03"
    label: str  # "March 2024"
    count: int
    year: str  # "2024" on the newest month of each year, else ""


def scrubber(months: list[tuple[str, int]]) -> list[ScrubberMonth]:
    """The scrubber's months, newest first, each year named at its newest month."""
    shown: list[ScrubberMonth] = []
    for key, count in months:
        year = key[:4] if not shown or shown[-1].key[:4] != key[:4] else ""
        shown.append(ScrubberMonth(key, timeline.month_label(key), count, year))
    return shown
