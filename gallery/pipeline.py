"""The photo pipeline: one stored object in, a Photo with its derived images out.

``process_photo_object`` is the task's work (see gallery.tasks); the reprocessing command and
the admin actions call the very same function. Output keys come from the photo's identity, so
a re-run overwrites its own outputs instead of adding copies.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from gallery import exif, imaging
from gallery.models import Photo, PhotoTag, TagKind, TakenAtSource
from ingestion import storage
from ingestion.jobs import Rejected, pause_point, run_claimed
from ingestion.models import Status, StoredObject
from ingestion.routing import extension_of

log = logging.getLogger(__name__)

# Bigger files are not photos a phone or camera makes; reading them whole would only hurt.
MAX_PHOTO_BYTES = 512 * 1024 * 1024
_EXTENSIONS = {"JPEG": "jpg", "HEIF": "heic", "TIFF": "tif"}


def thumbnail_key(owner_id: int, photo_id: int) -> str:
    return f"photos/thumbnails/{owner_id}/{photo_id}.jpg"


def preview_key(owner_id: int, photo_id: int) -> str:
    return f"photos/previews/{owner_id}/{photo_id}.jpg"


def original_key(owner_id: int, photo_id: int, ext: str) -> str:
    return f"photos/originals/{owner_id}/{photo_id}.{ext}"


def forget_photo(obj: StoredObject) -> None:
    """The gallery's deletion hook: the photo's thumbnail, preview and original copy, then its
    Photo row (and tags). Safe to run again; the upload itself is the deletion task's."""
    for photo in Photo.objects.filter(source_id=obj.pk):
        for key in {photo.thumbnail_key, photo.preview_key, photo.original_key} - {""}:
            storage.delete(key)
        photo.delete()


def process_photo_object(obj: StoredObject) -> str | None:
    """Make (or remake) the Photo for one stored object; the note is kept on the ledger row.

    Raises Rejected with a human reason for files that are not usable photos.
    """
    if obj.owner_id is None:
        raise Rejected("The object's key names no known owner.")
    data = _read(obj)
    digest = imaging.content_hash(data)
    first = _first_with_content(obj, digest)
    if first is not None:
        return duplicate_note(first)
    try:
        result = imaging.process(data, max_pixels=settings.PHOTO_MAX_PIXELS)
    except imaging.BadImage as exc:
        raise Rejected(f"Not a usable photo: {exc}.") from exc
    photo = _reserve(obj, obj.owner_id, digest)
    if isinstance(photo, str):
        return photo
    ext = _EXTENSIONS.get(result.metadata.format, result.metadata.format.lower())
    keys = {
        "thumbnail_key": thumbnail_key(obj.owner_id, photo.pk),
        "preview_key": preview_key(obj.owner_id, photo.pk),
        "original_key": original_key(obj.owner_id, photo.pk, ext or extension_of(obj.key)),
    }
    storage.save_bytes(keys["thumbnail_key"], result.thumbnail, content_type="image/jpeg")
    pause_point("thumbnail")  # fault tests kill the worker here
    storage.save_bytes(keys["preview_key"], result.preview, content_type="image/jpeg")
    storage.copy(obj.key, keys["original_key"], storage_class=obj.storage_class)
    for field, key in keys.items():
        setattr(photo, field, key)
    apply_metadata(photo, result, obj, size=len(data))
    _save_with_tags(photo, result.metadata)
    return None


def _save_with_tags(photo: Photo, meta: exif.PhotoMetadata) -> None:
    with transaction.atomic():
        photo.save()
        photo.tags.filter(kind=TagKind.AUTO).delete()
        # A user tag of the same name stays the user's (ignore_conflicts).
        PhotoTag.objects.bulk_create(
            [PhotoTag(photo=photo, name=name, kind=TagKind.AUTO) for name in exif.tags_for(meta)],
            ignore_conflicts=True,
        )


def _read(obj: StoredObject) -> bytes:
    if not storage.exists(obj.key):
        raise Rejected("The file is not in storage (was it deleted before it was processed?).")
    size = storage.size_of(obj.key)
    if size > MAX_PHOTO_BYTES:
        raise Rejected(
            f"The file is {size / 1024**2:.0f} MB, more than a photo can be "
            f"({MAX_PHOTO_BYTES // 1024**2} MB); it is kept as it is."
        )
    try:
        return storage.read_bytes(obj.key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "InvalidObjectState":
            raise
        raise Rejected(
            "The photo is in Glacier Deep Archive and cannot be read until it is restored: "
            "restore it in the library, then reprocess it."
        ) from exc


def _first_with_content(obj: StoredObject, digest: str) -> Photo | None:
    return (
        Photo.objects.filter(owner_id=obj.owner_id, content_hash=digest)
        .exclude(source=obj)
        .select_related("source")
        .first()
    )


def duplicate_note(first: Photo) -> str:
    uploaded = timezone.localtime(first.uploaded_at).date().isoformat()
    return f"Duplicate of {first.source.original_name} uploaded {uploaded}"


def _reserve(obj: StoredObject, owner_id: int, digest: str) -> Photo | str:
    """This object's Photo row (created if new), or the duplicate note if another upload of the
    same bytes won the race for the (owner, content hash) constraint."""
    photo = Photo.objects.filter(source=obj).first()
    if photo is not None:
        return photo
    try:
        with transaction.atomic():
            return Photo.objects.create(
                source=obj,
                owner_id=owner_id,
                content_hash=digest,
                uploaded_at=obj.created_at,
                size=obj.size,
            )
    except IntegrityError:
        first = _first_with_content(obj, digest)
        if first is None:
            raise
        return duplicate_note(first)


def apply_metadata(
    photo: Photo, result: imaging.ProcessedPhoto, obj: StoredObject, *, size: int
) -> None:
    apply_facts(photo, result.metadata, obj)
    photo.size = size
    photo.exif = _as_json(result.metadata) | {
        "thumbnail_dimensions": list(result.thumbnail_dimensions),
        "preview_dimensions": list(result.preview_dimensions),
    }


def apply_facts(photo: Photo, meta: exif.PhotoMetadata, obj: StoredObject) -> None:
    """What the file says about itself, onto the row (nothing is saved here)."""
    photo.taken_at, photo.taken_at_source = taken_at_for(meta, obj)
    local = timezone.localtime(photo.taken_at)
    photo.taken_year, photo.taken_month = local.year, local.month
    photo.uploaded_at = obj.created_at
    photo.camera_make = (meta.camera_make or "")[:100]
    photo.camera_model = (meta.camera_model or "")[:100]
    photo.camera = camera_label(meta.camera_make, meta.camera_model)[:200]
    photo.width, photo.height = meta.width, meta.height
    photo.latitude, photo.longitude = meta.latitude, meta.longitude
    photo.flash = meta.flash_fired
    photo.orientation = meta.orientation
    photo.format = meta.format[:16]
    photo.iso, photo.f_number, photo.exposure_time = meta.iso, meta.f_number, meta.exposure_time
    photo.focal_length, photo.focal_length_35mm = meta.focal_length, meta.focal_length_35mm
    photo.lens = (meta.lens or "")[:200]


# A file time before digital photos were common is a file whose time was never set.
_EARLIEST_FILE_TIME = datetime(1990, 1, 1, tzinfo=UTC)


def taken_at_for(meta: exif.PhotoMetadata, obj: StoredObject) -> tuple[datetime, str]:
    """EXIF time (a naive one read in TIME_ZONE), else a dated file name, else the file's
    last-modified time as the browser sent it; the upload time only when none is known."""
    if meta.taken_at is not None:
        return _aware(meta.taken_at), TakenAtSource.EXIF
    named = exif.date_from_filename(obj.original_name)
    if named is not None:
        return _aware(named), TakenAtSource.FILENAME
    modified = obj.client_modified_at
    if modified is not None and _EARLIEST_FILE_TIME <= modified <= obj.created_at:
        return modified, TakenAtSource.MODIFIED
    return obj.created_at, TakenAtSource.UPLOAD


def _aware(when: datetime) -> datetime:
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def camera_label(make: str | None, model: str | None) -> str:
    """Make and model as one label: "Canon" + "Canon EOS R5" reads "Canon EOS R5"."""
    return exif.make_and_model(make, model)


def _as_json(meta: exif.PhotoMetadata) -> dict[str, Any]:
    found = dataclasses.asdict(meta)
    if isinstance(found.get("taken_at"), datetime):
        found["taken_at"] = found["taken_at"].isoformat()
    return found


def refresh_metadata(photo: Photo) -> str:
    """Read the kept original's metadata again (dates, camera, exposure, location, automatic
    tags) without remaking its images: "refreshed", or why not."""
    try:
        meta = imaging.read_metadata(
            storage.read_bytes(photo.original_key or photo.source.key),
            max_pixels=settings.PHOTO_MAX_PIXELS,
        )
    except imaging.BadImage as exc:
        return f"not refreshed: {exc}"
    except (OSError, ClientError) as exc:
        return f"not refreshed: the original cannot be read ({type(exc).__name__})"
    apply_facts(photo, meta, photo.source)
    photo.exif = photo.exif | _as_json(meta)
    _save_with_tags(photo, meta)
    return "refreshed"


def regenerate_thumbnails(photo: Photo) -> str:
    """Write the thumbnail and preview again from the kept original (metadata untouched)."""
    key = photo.original_key or photo.source.key
    try:
        result = imaging.process(storage.read_bytes(key), max_pixels=settings.PHOTO_MAX_PIXELS)
    except imaging.BadImage as exc:
        return f"not regenerated: {exc}"
    photo.thumbnail_key = thumbnail_key(photo.owner_id, photo.pk)
    photo.preview_key = preview_key(photo.owner_id, photo.pk)
    storage.save_bytes(photo.thumbnail_key, result.thumbnail, content_type="image/jpeg")
    storage.save_bytes(photo.preview_key, result.preview, content_type="image/jpeg")
    photo.save(update_fields=["thumbnail_key", "preview_key", "updated_at"])
    return "regenerated"


def reprocess(obj: StoredObject, *, force: bool = False) -> str:
    """Run the task's work here and now: "done", "rejected", "failed" or "skipped".

    Without ``force`` only objects that are waiting or failed are taken (as a worker would);
    with it, any object is run again, its outputs overwritten in place.
    """
    if force and obj.status != Status.RECEIVED:
        obj.mark(Status.RECEIVED)
    if not obj.claim():
        return "skipped"
    return run_claimed(obj, process_photo_object)
