"""The routing table: which key prefix an upload goes to, and which task processes it.

One definition, used by the upload router, the event dispatcher and the Terraform notification
filters (``tests/unit/test_routing.py`` keeps deploy/terraform in step). Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What an object is, by the prefix it lives under: the ledger's ``kind`` column."""

    PHOTO = "photo"
    CHAT = "chat"
    CSV = "csv"
    ZIP = "zip"
    MISC = "misc"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class Route:
    prefix: str
    kind: Kind
    label: str
    extensions: frozenset[str]
    task: str  # the Celery task that processes an object under this prefix
    queue: str


# Named queues: quick work on "io"; thumbnails, profiling and silver builds on "cpu".
IO_QUEUE = "io"
CPU_QUEUE = "cpu"
QUEUES = (IO_QUEUE, CPU_QUEUE)

PHOTO_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "heic", "heif"})

ROUTES: tuple[Route, ...] = (
    Route(
        "raw-photos/", Kind.PHOTO, "Photos", PHOTO_EXTENSIONS, "gallery.process_photo", CPU_QUEUE
    ),
    Route(
        "raw-whatsapp-uploads/",
        Kind.CHAT,
        "WhatsApp chats",
        frozenset({"txt"}),
        "chats.ingest_export",
        CPU_QUEUE,
    ),
    Route(
        "raw-csv/",
        Kind.CSV,
        "CSV datasets",
        frozenset({"csv"}),
        "datasets.profile_dataset",
        CPU_QUEUE,
    ),
    Route(
        "uploads-landing/",
        Kind.ZIP,
        "Zip archives",
        frozenset({"zip"}),
        "chats.unpack_zip",
        IO_QUEUE,
    ),
    Route("misc/", Kind.MISC, "Other files", frozenset(), "ingestion.verify_object", IO_QUEUE),
    Route(
        "raw-archive/", Kind.ARCHIVE, "Stored raw", frozenset(), "ingestion.verify_object", IO_QUEUE
    ),
)
# Kept as uploaded: nothing reads them after the upload, so they go straight to their class.
KEPT_AS_IS = frozenset({Kind.MISC, Kind.ARCHIVE})
KINDS: tuple[tuple[str, str], ...] = tuple((r.kind.value, r.label) for r in ROUTES)


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def route_for_upload(original_name: str, *, raw_only: bool = False) -> Route:
    """Where a browser upload goes: by file type, or raw-archive/ when processing is skipped."""
    if raw_only:
        return route_for_kind(Kind.ARCHIVE)
    ext = extension_of(original_name)
    for route in ROUTES:
        if ext in route.extensions:
            return route
    return route_for_kind(Kind.MISC)


def route_for_key(key: str) -> Route | None:
    """The route an object key belongs to, or None for keys outside the raw prefixes."""
    for route in ROUTES:
        if key.startswith(route.prefix):
            return route
    return None


def route_for_kind(kind: Kind | str) -> Route:
    for route in ROUTES:
        if route.kind == kind:
            return route
    raise KeyError(kind)
