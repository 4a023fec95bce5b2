"""What a photo says about itself: EXIF (orientation, capture time, camera, GPS, flash), the
date a phone wrote into its file name, and the automatic tags. Pure: no Django, no boto3.

Garbage EXIF never costs the photo: a field that cannot be read is left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from PIL import Image

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_MAKE, _MODEL, _DATETIME = 0x010F, 0x0110, 0x0132
_DATETIME_ORIGINAL, _OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011
_FLASH = 0x9209

T = TypeVar("T")


@dataclass(frozen=True)
class PhotoMetadata:
    width: int  # of the original, after EXIF orientation
    height: int
    format: str  # Pillow's name: "JPEG", "PNG", "HEIF", ...
    orientation: int | None = None  # EXIF value 1-8 as found in the file
    taken_at: datetime | None = None  # aware when the camera recorded an offset, else naive
    camera_make: str | None = None
    camera_model: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    flash_fired: bool | None = None


def tags_for(metadata: PhotoMetadata) -> list[str]:
    """Automatic tags: shape (after orientation), flash, gps."""
    if metadata.width > metadata.height:
        tags = ["landscape"]
    elif metadata.width < metadata.height:
        tags = ["portrait"]
    else:
        tags = ["square"]
    if metadata.flash_fired:
        tags.append("flash")
    if metadata.latitude is not None and metadata.longitude is not None:
        tags.append("gps")
    return tags


_FILENAME_PATTERNS = [
    # PXL_20240301_101010123 (Pixel, milliseconds), IMG_20240301_101010, 20240301_101010
    re.compile(
        r"^(?:PXL_|IMG_|VID_)?(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})_"
        r"(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})(?P<ms>\d{3})?(?!\d)"
    ),
    # 00000012-PHOTO-2024-03-01-10-10-10 (WhatsApp export on iOS)
    re.compile(
        r"^\d+-PHOTO-(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})-"
        r"(?P<h>\d{2})-(?P<mi>\d{2})-(?P<s>\d{2})(?!\d)"
    ),
    # IMG-20240301-WA0003 (WhatsApp on Android: the day only)
    re.compile(r"^IMG-(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})-WA\d+"),
]


def date_from_filename(name: str) -> datetime | None:
    """The naive local time a phone wrote into the file name, or None.

    WhatsApp (Android) names carry only the day: those give midnight.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for pattern in _FILENAME_PATTERNS:
        if match := pattern.match(base):
            part = match.groupdict()
            number = {
                key: int(part.get(key) or 0) for key in ("y", "mo", "d", "h", "mi", "s", "ms")
            }
            try:
                when = datetime(
                    number["y"],
                    number["mo"],
                    number["d"],
                    number["h"],
                    number["mi"],
                    number["s"],
                    number["ms"] * 1000,
                )
            except ValueError:
                return None
            return when if 1990 <= when.year <= 2100 else None
    return None


def metadata_of(im: Image.Image) -> PhotoMetadata:
    exif = _safe(im.getexif) or Image.Exif()
    exif_ifd: dict[int, Any] = _safe(lambda: exif.get_ifd(_EXIF_IFD)) or {}
    orientation = orientation_of(im)
    width, height = im.size
    if orientation in (5, 6, 7, 8) and "original_orientation" not in im.info:
        width, height = height, width
    latitude, longitude = _safe(lambda: _gps(exif.get_ifd(_GPS_IFD))) or (None, None)
    flash = _safe(lambda: bool(int(exif_ifd[_FLASH]) & 1)) if _FLASH in exif_ifd else None
    return PhotoMetadata(
        width=width,
        height=height,
        format="JPEG" if im.format == "MPO" else str(im.format),
        orientation=orientation,
        taken_at=_safe(lambda: _taken_at(exif, exif_ifd)),
        camera_make=_safe(lambda: _text(exif.get(_MAKE))),
        camera_model=_safe(lambda: _text(exif.get(_MODEL))),
        latitude=latitude,
        longitude=longitude,
        flash_fired=flash,
    )


def orientation_of(im: Image.Image) -> int | None:
    if "original_orientation" in im.info:  # pillow_heif has already applied it
        value = im.info["original_orientation"]
    else:
        value = _safe(lambda: im.getexif().get(_ORIENTATION))
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _taken_at(exif: Image.Exif, exif_ifd: dict[int, Any]) -> datetime | None:
    if stamp := _text(exif_ifd.get(_DATETIME_ORIGINAL)):
        offset = _text(exif_ifd.get(_OFFSET_TIME_ORIGINAL))
    elif stamp := _text(exif.get(_DATETIME)):
        offset = _text(exif_ifd.get(_OFFSET_TIME))
    else:
        return None
    match = re.match(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})", stamp)
    if not match:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        when = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if offset and (tz := re.fullmatch(r"([+-])(\d{2}):(\d{2})", offset)):
        minutes = int(tz.group(2)) * 60 + int(tz.group(3))
        sign = -1 if tz.group(1) == "-" else 1
        when = when.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
    return when


def _gps(gps: dict[int, Any]) -> tuple[float, float] | None:
    lat_ref, lat, lon_ref, lon = (_text(gps.get(1)), gps.get(2), _text(gps.get(3)), gps.get(4))
    if lat_ref not in ("N", "S") or lon_ref not in ("E", "W") or lat is None or lon is None:
        return None
    latitude = _degrees(lat) * (-1 if lat_ref == "S" else 1)
    longitude = _degrees(lon) * (-1 if lon_ref == "W" else 1)
    if not (abs(latitude) <= 90 and abs(longitude) <= 180) or (latitude, longitude) == (0, 0):
        return None
    return round(latitude, 7), round(longitude, 7)


def _degrees(value: Any) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    total = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(total):
        raise ValueError("not a number")
    return total


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip() or None


def _safe(read: Callable[[], T]) -> T | None:
    """Garbage EXIF must never cost us the photo: a field that cannot be read is omitted."""
    try:
        return read()
    except MemoryError:
        raise
    except Exception:
        return None
