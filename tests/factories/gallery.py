"""Helpers for tests, demos and benchmarks: make photo bytes and upload them as a user would."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw

from ingestion import storage
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.keys import raw_key
from ingestion.models import StoredObject

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825


def photo_bytes(
    size: tuple[int, int] = (640, 480),
    *,
    colour: tuple[int, int, int] = (90, 140, 200),
    fmt: str = "JPEG",
    taken: str | None = None,
    offset: str | None = None,
    make: str | None = None,
    model: str | None = None,
    gps: tuple[float, float] | None = None,
    flash: bool | None = None,
    orientation: int | None = None,
    mode: str = "RGB",
    seed: int = 0,
) -> bytes:
    """A small picture with the EXIF fields asked for (``taken`` as "2024:03:01 10:10:10")."""
    im = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(im)
    w, h = size
    for i in range(6):
        shade = ((seed * 37 + i * 41) % 255, (seed * 53 + i * 29) % 255, (i * 61) % 255)
        draw.ellipse((w * i // 7, h // 4, w * i // 7 + w // 4, h // 4 + h // 2), fill=shade)
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation:
        exif[0x0112] = orientation
    sub = exif.get_ifd(_EXIF_IFD)
    if taken:
        sub[0x9003] = taken
    if offset:
        sub[0x9011] = offset
    if flash is not None:
        sub[0x9209] = 1 if flash else 0
    if gps:
        lat, lon = gps
        exif.get_ifd(_GPS_IFD).update(
            {1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if lon >= 0 else "W", 4: _dms(lon)}
        )
    out = io.BytesIO()
    image = im.convert(mode) if mode != "RGB" else im
    params: dict[str, Any] = {"exif": exif.tobytes()} if fmt in ("JPEG", "PNG", "WEBP") else {}
    image.save(out, fmt, **params)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def upload_photo(
    owner: Any,
    data: bytes,
    name: str = "photo.jpg",
    *,
    storage_class: str = "STANDARD",
    uploaded_at: datetime | None = None,
) -> StoredObject:
    """Store bytes under a fresh raw-photos/ key and record the event, as an upload does."""
    key = raw_key("raw-photos/", owner.pk, name)
    etag = storage.save_bytes(key, data, storage_class=storage_class)
    obj = dispatch(
        ObjectCreated(settings.STORAGE_BUCKET_LABEL, key, len(data), etag),
        original_name=name,
        storage_class=storage_class,
    )
    assert obj is not None
    if uploaded_at is not None:
        StoredObject.objects.filter(pk=obj.pk).update(created_at=uploaded_at)
        obj.created_at = uploaded_at
    return obj


def aware(text: str) -> datetime:
    """A wall-clock time such as "2024-03-01 10:10", in the current time zone."""
    return timezone.make_aware(datetime.fromisoformat(text))


def make_photo_rows(
    owner: Any,
    count: int,
    *,
    start: datetime | None = None,
    step_hours: float = 7.0,
    cameras: tuple[str, ...] = ("Apple iPhone 13", "Canon EOS R5", "Google Pixel 8"),
    batch_size: int = 2000,
) -> list[int]:
    """Ledger rows and Photo rows (with tags) without any image work: for page and query tests.

    Dates go back from ``start`` by ``step_hours``; no derived files are written.
    """
    from datetime import timedelta

    from gallery.models import Photo, PhotoTag, TagKind
    from ingestion.models import Status

    start = start or timezone.now()
    run = uuid.uuid4().hex[:8]  # calls for the same owner never collide
    ids: list[int] = []
    for offset in range(0, count, batch_size):
        numbers = range(offset, min(count, offset + batch_size))
        objects = StoredObject.objects.bulk_create(
            [
                StoredObject(
                    owner=owner,
                    bucket="local",
                    key=f"raw-photos/{owner.pk}/{run}-{n}/IMG_{n:05d}.jpg",
                    etag=f"{run}-{n}",
                    size=2_000_000 + n,
                    kind="photo",
                    original_name=f"IMG_{n:05d}.jpg",
                    status=Status.DONE,
                    created_at=start - timedelta(hours=step_hours * n / 2),
                )
                for n in numbers
            ]
        )
        photos = Photo.objects.bulk_create(
            [
                Photo(
                    source=obj,
                    owner=owner,
                    content_hash=f"{run}{n:056d}",
                    taken_at=start - timedelta(hours=step_hours * n),
                    taken_year=timezone.localtime(start - timedelta(hours=step_hours * n)).year,
                    taken_at_source="exif",
                    uploaded_at=obj.created_at,
                    camera=cameras[n % len(cameras)],
                    width=4000 if n % 3 else 3000,
                    height=3000 if n % 3 else 4000,
                    latitude=52.52 if n % 5 == 0 else None,
                    longitude=13.40 if n % 5 == 0 else None,
                    size=obj.size,
                    thumbnail_key=f"photos/thumbnails/{owner.pk}/{run}-{n}.jpg",
                    preview_key=f"photos/previews/{owner.pk}/{run}-{n}.jpg",
                    original_key=f"photos/originals/{owner.pk}/{run}-{n}.jpg",
                )
                for obj, n in zip(objects, numbers, strict=True)
            ]
        )
        tags = []
        for photo, n in zip(photos, numbers, strict=True):
            tags.append(
                PhotoTag(photo=photo, name="landscape" if n % 3 else "portrait", kind=TagKind.AUTO)
            )
            if n % 5 == 0:
                tags.append(PhotoTag(photo=photo, name="gps", kind=TagKind.AUTO))
        PhotoTag.objects.bulk_create(tags)
        ids.extend(p.pk for p in photos)
    return ids
