"""What a photo says about itself: EXIF (orientation, capture time, camera, GPS, flash,
exposure), the date a phone wrote into its file name, and the automatic tags; and how exposure
reads. Pure: no Django, no boto3.

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
_EXPOSURE_TIME, _F_NUMBER, _ISO, _FOCAL_LENGTH = 0x829A, 0x829D, 0x8827, 0x920A
_FOCAL_35MM, _LENS_MAKE, _LENS_MODEL = 0xA405, 0xA433, 0xA434

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
    iso: int | None = None
    f_number: float | None = None  # the aperture, 1.8 for ƒ/1.8
    exposure_time: float | None = None  # seconds
    focal_length: float | None = None  # mm, of the lens as it is
    focal_length_35mm: int | None = None  # mm, the 35 mm film equivalent
    lens: str | None = None


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
    # "Screenshot 2024-03-02 at 14.22.01", "Screen Shot 2020-01-02 at 3.04.05 PM" (macOS, the
    # 12-hour clock with a narrow no-break space in recent versions), "WhatsApp Image 2024-03-02
    # at 14.22.01" (WhatsApp's desktop and web downloads)
    re.compile(
        r"^(?:Screenshot|Screen Shot|WhatsApp Image) (?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
        r" at (?P<h>\d{1,2})\.(?P<mi>\d{2})\.(?P<s>\d{2})(?:[ \u202f]?(?P<ap>[AP]M))?(?!\d)"
    ),
    # Screenshot_20240302-142201 (Android), Screenshot 2024-03-02 142201 (Windows)
    re.compile(
        r"^Screenshot(?:_(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})-|"
        r" (?P<y2>\d{4})-(?P<mo2>\d{2})-(?P<d2>\d{2}) )"
        r"(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})(?!\d)"
    ),
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
                key: int(part.get(key) or part.get(f"{key}2") or 0)
                for key in ("y", "mo", "d", "h", "mi", "s", "ms")
            }
            if part.get("ap"):
                if not 1 <= number["h"] <= 12:
                    return None
                number["h"] = number["h"] % 12 + (12 if part["ap"] == "PM" else 0)
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
        iso=_safe(lambda: _iso(exif_ifd.get(_ISO))),
        f_number=_safe(lambda: _positive(exif_ifd.get(_F_NUMBER), 0.5, 128)),
        exposure_time=_safe(lambda: _positive(exif_ifd.get(_EXPOSURE_TIME), 1e-6, 3600)),
        focal_length=_safe(lambda: _positive(exif_ifd.get(_FOCAL_LENGTH), 0.5, 5000)),
        focal_length_35mm=_safe(lambda: _iso(exif_ifd.get(_FOCAL_35MM))),
        lens=_safe(lambda: _lens(exif_ifd)),
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


def _lens(exif_ifd: dict[int, Any]) -> str | None:
    make, model = _text(exif_ifd.get(_LENS_MAKE)), _text(exif_ifd.get(_LENS_MODEL))
    return make_and_model(make, model) if model else None


def _positive(value: Any, low: float, high: float) -> float | None:
    """A rational EXIF value within its plausible range (0 and 0/0 mean "unknown")."""
    if value is None or isinstance(value, str | bytes):
        return None
    number = float(value)
    return number if math.isfinite(number) and low <= number <= high else None


def _iso(value: Any) -> int | None:
    """A whole number such as ISO 400 (some cameras write a list: the first counts)."""
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if 0 < value < 10_000_000 else None


def make_and_model(make: str | None, model: str | None) -> str:
    """One label: "Canon" + "Canon EOS R5" reads "Canon EOS R5", "Apple" + "iPhone 13" reads
    "Apple iPhone 13" (for cameras and lenses)."""
    make, model = (make or "").strip(), (model or "").strip()
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return f"{make} {model}".strip()


def _number(value: float) -> str:
    """1.6 → "1.6", 8.0 → "8", 5.12 → "5.1"."""
    return f"{value:.1f}".removesuffix(".0")


def describe_exposure(f_number: float | None, seconds: float | None, iso: int | None) -> str:
    """ "ƒ/1.6 · 1/120 s · ISO 50", as a photographer writes it (empty when nothing is known)."""
    parts = []
    if f_number:
        parts.append(f"ƒ/{_number(f_number)}")
    if seconds:
        if seconds < 1 and (1 / seconds >= 2 or abs(1 / seconds - round(1 / seconds)) < 0.02):
            parts.append(f"1/{round(1 / seconds)} s")
        else:
            parts.append(f"{_number(seconds)} s")
    if iso:
        parts.append(f"ISO {iso}")
    return " · ".join(parts)


def describe_focal_length(mm: float | None, equivalent: int | None) -> str:
    """ "5.1 mm (26 mm in 35 mm terms)"; the equivalent is left out when it says nothing new."""
    if not mm:
        return f"{equivalent} mm in 35 mm terms" if equivalent else ""
    text = f"{_number(mm)} mm"
    if equivalent and equivalent != round(mm):
        text += f" ({equivalent} mm in 35 mm terms)"
    return text


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
