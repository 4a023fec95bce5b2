"""The routing table: which key prefix an upload goes to, and which task processes it.

One definition, used by the upload router, the event dispatcher and the Terraform notification
filters (``tests/unit/test_routing.py`` keeps deploy/terraform in step). Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    prefix: str
    kind: str
    label: str
    extensions: frozenset[str]
    task: str  # the Celery task that processes an object under this prefix
    queue: str


PHOTO_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "heic", "heif"})

ROUTES: tuple[Route, ...] = (
    Route("raw-photos/", "photo", "Photos", PHOTO_EXTENSIONS, "gallery.process_photo", "cpu"),
    Route(
        "raw-whatsapp-uploads/",
        "chat",
        "WhatsApp chats",
        frozenset({"txt"}),
        "chats.ingest_export",
        "cpu",
    ),
    Route(
        "raw-csv/", "csv", "CSV datasets", frozenset({"csv"}), "ingestion.profile_dataset", "cpu"
    ),
    Route(
        "uploads-landing/", "zip", "Zip archives", frozenset({"zip"}), "ingestion.unpack_zip", "io"
    ),
    Route("misc/", "misc", "Other files", frozenset(), "ingestion.verify_object", "io"),
    Route("raw-archive/", "archive", "Stored raw", frozenset(), "ingestion.verify_object", "io"),
)
MISC = ROUTES[4]
KEPT_AS_IS = frozenset({"misc", "archive"})
RAW_ARCHIVE = ROUTES[5]
KINDS: tuple[tuple[str, str], ...] = tuple((r.kind, r.label) for r in ROUTES)


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def route_for_upload(original_name: str, *, raw_only: bool = False) -> Route:
    """Where a browser upload goes: by file type, or raw-archive/ when processing is skipped."""
    if raw_only:
        return RAW_ARCHIVE
    ext = extension_of(original_name)
    for route in ROUTES:
        if ext in route.extensions:
            return route
    return MISC


def route_for_key(key: str) -> Route | None:
    """The route an object key belongs to, or None for keys outside the raw prefixes."""
    for route in ROUTES:
        if key.startswith(route.prefix):
            return route
    return None


def route_for_kind(kind: str) -> Route:
    for route in ROUTES:
        if route.kind == kind:
            return route
    raise KeyError(kind)
