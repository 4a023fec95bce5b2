"""Helpers for tests, demos and benchmarks: make photo bytes and upload them as a user would."""

from __future__ import annotations

import io
import random
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter, TiffImagePlugin

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
    exposure: dict[int, Any] | None = None,
    scene: bool = False,
) -> bytes:
    """A small picture with the EXIF fields asked for (``taken`` as "2024:03:01 10:10:10";
    ``exposure``: more tags of the Exif IFD, see ``IPHONE_EXPOSURE``; ``scene``: a landscape
    that reads as a photo in screenshots, instead of flat shapes)."""
    if scene:
        im = landscape(size, seed)
    else:
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
    sub.update(exposure or {})
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


# Sky top, sky at the horizon, sun, and the far and near hills of a few times of day.
_PALETTES = (
    ((70, 130, 200), (190, 220, 240), (255, 250, 220), (110, 140, 120), (45, 80, 50)),
    ((40, 50, 110), (250, 160, 110), (255, 220, 150), (120, 80, 110), (50, 35, 60)),
    ((120, 170, 220), (235, 240, 245), (255, 255, 255), (150, 160, 170), (80, 95, 110)),
    ((15, 20, 45), (70, 80, 130), (235, 235, 220), (40, 45, 70), (15, 18, 30)),
    ((240, 150, 90), (255, 215, 150), (255, 245, 200), (170, 110, 80), (90, 60, 45)),
)


def landscape(size: tuple[int, int], seed: int) -> Image.Image:
    """A seeded landscape: a sky, a sun, two ridges of hills and sometimes water."""
    rng = random.Random(seed)
    w, h = size
    top, horizon, sun, far, near = _PALETTES[seed % len(_PALETTES)]
    sky = Image.linear_gradient("L").resize((w, h))
    im = Image.composite(Image.new("RGB", size, horizon), Image.new("RGB", size, top), sky)
    draw = ImageDraw.Draw(im)
    r = rng.randint(min(w, h) // 16, min(w, h) // 8)
    x, y = rng.randint(r, w - r), rng.randint(h // 8, h // 2)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=sun)
    water = rng.random() < 0.4
    for depth, colour in ((0.45, far), (0.62, near)):
        level = h * (depth + rng.uniform(-0.06, 0.06))
        ridge, height = [], level
        for i in range(0, w + 40, 40):
            height = min(h * 0.92, max(h * 0.2, height + rng.uniform(-h / 14, h / 14)))
            ridge.append((i, height))
        draw.polygon([(0, h), *ridge, (w, h)], fill=colour)
    if water:
        draw.rectangle((0, int(h * 0.78), w, h), fill=tuple(c // 2 + 40 for c in top))
    return im.filter(ImageFilter.GaussianBlur(max(1, min(w, h) // 300)))


# ISO 50, ƒ/1.6, 1/120 s, 5.1 mm (26 mm equivalent), as an iPhone 13 writes them.
IPHONE_EXPOSURE: dict[int, Any] = {
    0x829A: TiffImagePlugin.IFDRational(1, 120),
    0x829D: TiffImagePlugin.IFDRational(8, 5),
    0x8827: 50,
    0x920A: TiffImagePlugin.IFDRational(51, 10),
    0xA405: 26,
    0xA433: "Apple",
    0xA434: "iPhone 13 back dual wide camera 5.1mm f/1.6",
}


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
    modified_at: datetime | None = None,
) -> StoredObject:
    """Store bytes under a fresh raw-photos/ key and record the event, as an upload does
    (``modified_at``: the file's last-modified time, as a browser sends it)."""
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
    if modified_at is not None:
        StoredObject.objects.filter(pk=obj.pk).update(client_modified_at=modified_at)
        obj.client_modified_at = modified_at
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
                    taken_month=timezone.localtime(start - timedelta(hours=step_hours * n)).month,
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


def photo_row(
    owner: Any,
    taken: str = "2024-03-01 10:00",
    *,
    name: str = "",
    camera: str = "",
    gps: bool = False,
    tags: tuple[str, ...] = (),
    status: str = "done",
    reason: str = "",
    size: tuple[int, int] = (4000, 3000),
    uploaded: str | None = None,
) -> Any:
    """One visible Photo (with its ledger row) as the pipeline would leave it, without image work:
    ``taken`` is a wall-clock time in the current time zone."""
    from gallery.models import Photo, PhotoTag, TagKind

    when = aware(taken)
    run = uuid.uuid4().hex[:12]
    name = name or f"IMG_{run}.jpg"
    obj = StoredObject.objects.create(
        owner=owner,
        bucket="local",
        key=f"raw-photos/{owner.pk}/{run}/{name}",
        etag=run,
        size=1_000_000,
        kind="photo",
        original_name=name,
        status=status,
        reason=reason,
        created_at=aware(uploaded) if uploaded else when,
    )
    photo = Photo.objects.create(
        source=obj,
        owner=owner,
        content_hash=run.ljust(64, "0"),
        taken_at=when,
        taken_year=timezone.localtime(when).year,
        taken_month=timezone.localtime(when).month,
        taken_at_source="exif",
        uploaded_at=obj.created_at,
        camera=camera,
        width=size[0],
        height=size[1],
        latitude=48.85 if gps else None,
        longitude=2.35 if gps else None,
        size=obj.size,
        thumbnail_key=f"photos/thumbnails/{owner.pk}/{run}.jpg",
        preview_key=f"photos/previews/{owner.pk}/{run}.jpg",
        original_key=f"photos/originals/{owner.pk}/{run}.jpg",
    )
    PhotoTag.objects.bulk_create([PhotoTag(photo=photo, name=t, kind=TagKind.USER) for t in tags])
    return photo
