"""The filter bar's choices with counts, and the scrubber's months.

Each filter's choices are counted under every *other* filter, so choosing a camera narrows the
years and tags offered (with their counts) while the other cameras stay in reach. A constant
number of queries, whatever the number of photos.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from gallery.models import Photo, PhotoTag
from gallery.query import GalleryQuery
from gallery.timeline import PROBLEM_STATUSES, filter_photos, month_key, sort_field


@dataclass(frozen=True)
class Facets:
    total: int  # photos that match every filter
    tags: list[tuple[str, int]]
    years: list[tuple[int, int]]  # newest first
    months: list[tuple[int, int]]  # of the chosen year, newest first
    cameras: list[tuple[str, int]]
    with_location: int
    without_location: int
    problems: int
    timeline: list[tuple[str, int]] = field(default_factory=list)  # ("2024-03", n), newest first


def _count(condition: Q) -> Count:
    return Count("id", filter=condition) if condition else Count("id")


def _months(photos: QuerySet[Photo], date_field: str) -> list[tuple[str, int]]:
    rows = (
        photos.annotate(m=TruncMonth(date_field)).values("m").annotate(n=Count("id")).order_by("-m")
    )
    found: dict[str, int] = {}
    for row in rows:
        if row["m"] is not None:
            key = month_key(row["m"])
            found[key] = found.get(key, 0) + row["n"]
    return sorted(found.items(), reverse=True)


def facets_for(user: Any, query: GalleryQuery) -> Facets:
    """Counts for the filter bar and the scrubber (four queries; five when sorted by upload)."""
    base = Photo.objects.owned_by(user).visible()
    tags = (
        PhotoTag.objects.filter(photo__in=filter_photos(base, query, leave_out=("tag",)))
        .values("name")
        .annotate(n=Count("id"))
        .order_by("name")
    )
    cameras = (
        filter_photos(base, query, leave_out=("camera",))
        .exclude(camera="")
        .values("camera")
        .annotate(n=Count("id"))
        .order_by("camera")
    )
    # Stored year and month: plain integers to group by (a time-zone conversion per row is
    # what made the counts slow on SQLite).
    by_month = [
        (f"{row['taken_year']}-{row['taken_month']:02d}", row["n"])
        for row in filter_photos(base, query, leave_out=("year",))
        .exclude(taken_month=None)
        .values("taken_year", "taken_month")
        .annotate(n=Count("id"))
        .order_by("-taken_year", "-taken_month")
    ]
    years: dict[int, int] = {}
    for key, n in by_month:
        years[int(key[:4])] = years.get(int(key[:4]), 0) + n
    months = [(int(k[5:]), n) for k, n in by_month if query.year and int(k[:4]) == query.year]

    gps = Q(latitude__isnull=not query.gps) if query.gps is not None else Q()
    problem = Q(source__status__in=PROBLEM_STATUSES)
    problems = problem if query.problems else Q()
    flags = filter_photos(base, query, leave_out=("gps", "problems")).aggregate(
        total=_count(gps & problems),
        with_location=_count(Q(latitude__isnull=False) & problems),
        without_location=_count(Q(latitude__isnull=True) & problems),
        problems=_count(problem & gps),
    )
    if sort_field(query) == "taken_at":
        # The year-month counts already are the timeline's, less the chosen year and month.
        chosen = f"{query.year}-{query.month:02d}" if query.year and query.month else ""
        timeline = [
            (k, n)
            for k, n in by_month
            if (not query.year or int(k[:4]) == query.year) and (not chosen or k == chosen)
        ]
    else:
        timeline = _months(filter_photos(base, query), sort_field(query))
    return Facets(
        total=flags["total"],
        tags=[(row["name"], row["n"]) for row in tags],
        years=sorted(years.items(), reverse=True),
        months=months,
        cameras=[(row["camera"], row["n"]) for row in cameras],
        with_location=flags["with_location"],
        without_location=flags["without_location"],
        problems=flags["problems"],
        timeline=timeline,
    )
