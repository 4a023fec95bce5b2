"""The file library's queries: which of the owner's files a view shows, in which order, the
copies of the same content, and the storage they use.

A file uploaded twice (the same owner, size and ETag) is one file in the listing: its earliest
copy stands for it, and ``copies_of`` finds all of its copies for the page shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OrderBy,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lower, RowNumber

from ingestion.models import Status, StoredObject, StoredObjectQuerySet
from ingestion.routing import KINDS, Kind

DEFAULT_SORT = "-uploaded"
SORTS = (
    ("-uploaded", "Newest first"),
    ("uploaded", "Oldest first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-size", "Largest first"),
    ("size", "Smallest first"),
    ("kind", "Kind"),
    ("-kind", "Kind, reversed"),
    ("status", "Status"),
    ("-status", "Status, reversed"),
)


@dataclass(frozen=True)
class Query:
    """One view of the library: what the links carry (see forms.LibraryQueryForm)."""

    q: str = ""
    kind: str = ""
    status: str = ""
    storage_class: str = ""
    sort: str = DEFAULT_SORT
    source: int | None = None
    page: int = 1

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.kind or self.status or self.storage_class or self.source)

    def link(self, **changes: Any) -> str:
        """The query string of this view with ``changes``; defaults are left out, and any
        change but the page goes back to page 1."""
        if "page" not in changes:
            changes["page"] = 1
        values = asdict(replace(self, **changes))
        names = {"storage_class": "storage"}
        defaults = asdict(Query())
        pairs = [(names.get(k, k), v) for k, v in values.items() if v and v != defaults[k]]
        return "?" + urlencode(pairs)


def visible(user: Any) -> StoredObjectQuerySet:
    """The owner's files, less those whose deletion is recorded (they are going)."""
    return StoredObject.objects.owned_by(user).filter(deleted_at__isnull=True)


def _rank(choices: Iterable[tuple[str, str]], field: str) -> Case:
    """A column's values in the order of their labels, as people read them."""
    ordered = sorted(choices, key=lambda choice: choice[1].casefold())
    return Case(
        *(When(**{field: value}, then=Value(n)) for n, (value, _) in enumerate(ordered)),
        default=Value(len(ordered)),
        output_field=IntegerField(),
    )


def _ordering(sort: str) -> list[OrderBy]:
    """The sort keys of ``sort``, ending with the id so that equal keys keep one order; the
    descending order is the exact reverse of the ascending one."""
    descending = sort.startswith("-")
    name = Lower("original_name")
    keys: dict[str, list[Any]] = {
        "name": [name],
        "size": [F("size")],
        "kind": [_rank(KINDS, "kind"), name],
        "uploaded": [F("created_at")],
        "status": [_rank(Status.choices, "status"), name],
    }
    chosen = [*keys.get(sort.lstrip("-"), keys["uploaded"]), F("id")]
    return [key.desc() if descending else key.asc() for key in chosen]


def _same_content() -> list[Any]:
    """The partition of copies: same size and ETag; an object with no ETag yet is alone."""
    alone = Case(When(etag="", then=F("id")), default=Value(0), output_field=IntegerField())
    return [F("size"), F("etag"), alone]


def listing(user: Any, query: Query) -> StoredObjectQuerySet:
    """The files ``query`` asks for, one row per content, in its order."""
    wanted = {
        "original_name__icontains": query.q,
        "kind": query.kind,
        "status": query.status,
        "storage_class": query.storage_class,
        "source_id": query.source,
    }
    objects = visible(user).filter(**{field: value for field, value in wanted.items() if value})
    first_copy = Window(
        RowNumber(), partition_by=_same_content(), order_by=[F("created_at").asc(), F("id").asc()]
    )
    return (
        objects.annotate(copy_number=first_copy)
        .filter(copy_number=1)
        .select_related("source", "photo", "chat_export", "dataset")
        .order_by(*_ordering(query.sort))
    )


def unpacked_from(user: Any, shown: Iterable[StoredObject]) -> set[int]:
    """Which of the shown zips have files unpacked from them (asked only for the page's zips,
    not for every row the listing sorts)."""
    zips = [obj.pk for obj in shown if obj.kind == Kind.ZIP]
    if not zips:
        return set()
    found = visible(user).filter(source_id__in=zips).values_list("source_id", flat=True)
    return {pk for pk in found.distinct() if pk is not None}


def copies_of(user: Any, shown: Iterable[StoredObject]) -> dict[int, list[StoredObject]]:
    """For each shown file uploaded more than once, all its copies (oldest first), whatever
    the view's filters: one query for the page."""
    wanted = {(obj.size, obj.etag): obj.pk for obj in shown if obj.etag}
    if not wanted:
        return {}
    rows = (
        visible(user)
        .filter(etag__in={etag for _, etag in wanted})
        .select_related("photo", "chat_export", "dataset")
        .order_by("created_at", "id")
    )
    groups: dict[tuple[int, str], list[StoredObject]] = defaultdict(list)
    for obj in rows:
        if (obj.size, obj.etag) in wanted:
            groups[obj.size, obj.etag].append(obj)
    return {wanted[key]: copies for key, copies in groups.items() if len(copies) > 1}


@dataclass(frozen=True)
class KindUse:
    kind: str
    label: str
    files: int
    bytes: int
    share: float  # of all bytes, 0..1


@dataclass(frozen=True)
class Usage:
    files: int
    bytes: int
    kinds: list[KindUse]  # largest first, kinds with no files left out
    duplicate_bytes: int  # what the extra copies of files uploaded more than once take
    duplicate_copies: int  # how many extra copies there are


def usage(user: Any) -> Usage:
    """Storage the owner's files take, in total and per kind (two aggregate queries)."""
    rows = {
        row["kind"]: row
        for row in visible(user).order_by().values("kind").annotate(n=Count("id"), b=Sum("size"))
    }
    total = sum(row["b"] or 0 for row in rows.values())
    kinds = [
        KindUse(kind, label, rows[kind]["n"], rows[kind]["b"] or 0, (rows[kind]["b"] or 0) / total)
        if total
        else KindUse(kind, label, rows[kind]["n"], 0, 0.0)
        for kind, label in KINDS
        if kind in rows
    ]
    kinds.sort(key=lambda k: (-k.bytes, k.label))
    extra = (
        visible(user)
        .exclude(etag="")
        .order_by()
        .values("size", "etag")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .aggregate(extra=Sum((F("n") - 1) * F("size")), copies=Sum(F("n") - 1))
    )
    return Usage(
        files=sum(row["n"] for row in rows.values()),
        bytes=total,
        kinds=kinds,
        duplicate_bytes=extra["extra"] or 0,
        duplicate_copies=extra["copies"] or 0,
    )


def bar_segments(used: Usage, width: int = 1000, gap: int = 4) -> list[dict[str, Any]]:
    """The stacked bar's rectangles in ``width`` units: each kind its share, but never so thin
    that it disappears (at least 0.6%), with a small gap between neighbours."""
    if not used.bytes:
        return []
    least = width * 0.006
    raw = [max(k.share * width, least) for k in used.kinds]
    room = width - gap * (len(raw) - 1)
    scale = room / sum(raw)
    segments, x = [], 0.0
    for kind, share in zip(used.kinds, raw, strict=True):
        segments.append({"kind": kind.kind, "x": round(x, 1), "width": round(share * scale, 1)})
        x += share * scale + gap
    return segments


def selected(user: Any, ids: Iterable[int]) -> StoredObjectQuerySet:
    """The owner's files among ``ids`` (anyone else's ids, or gone ones, simply match nothing)."""
    return visible(user).filter(pk__in=list(ids))
