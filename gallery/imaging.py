"""Photo bytes in, derived JPEGs and metadata out.

Pure: no Django, no boto3. The Celery task, the reprocessing command and the admin all call
`process()` (or `make_thumbnail()`), so a photo is handled the same way everywhere.

Errors are split by whose fault they are:
- `BadImage` (a `ValueError`): the file itself is unusable (empty, truncated, not an image,
  unsupported format, too many pixels). Record `str(error)` on the row; retrying cannot help.
- Anything else (`OSError` while reading the caller's stream, `MemoryError`) comes from the
  environment and is raised unchanged, so the caller may retry it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import IO, Any, TypeVar

import pillow_heif
from PIL import Image, ImageCms, JpegImagePlugin

pillow_heif.register_heif_opener()
Image.init()

DEFAULT_MAX_PIXELS = 100_000_000
THUMB_SIZE = 300
PREVIEW_SIZE = 1280
JPEG_QUALITY = 85
# iPhone JPEGs open as MPO through the JPEG opener; AVIF only where Pillow was built with it.
SUPPORTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF", "TIFF", "BMP")
_OPENABLE = tuple(name for name in SUPPORTED_FORMATS if name in Image.OPEN)

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_MAKE, _MODEL, _DATETIME = 0x010F, 0x0110, 0x0132
_DATETIME_ORIGINAL, _OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011
_FLASH = 0x9209
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_WHITE = (255, 255, 255)
_LANCZOS_MAX_SIDE = 640

Source = bytes | bytearray | memoryview | IO[bytes]
T = TypeVar("T")


class BadImage(ValueError):
    """The file is not a photo we can use. The user's problem: report it, do not retry."""


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


@dataclass(frozen=True)
class ProcessedPhoto:
    thumbnail: bytes  # JPEG, longest side thumb_size, no metadata
    preview: bytes  # JPEG, longest side preview_size, no metadata
    thumbnail_dimensions: tuple[int, int]
    preview_dimensions: tuple[int, int]
    metadata: PhotoMetadata


def process(
    source: Source,
    *,
    thumb_size: int = THUMB_SIZE,
    preview_size: int = PREVIEW_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    quality: int = JPEG_QUALITY,
) -> ProcessedPhoto:
    """Decode the photo once and return its thumbnail, preview and metadata."""
    with _opened(source, max_pixels) as im:
        metadata = _metadata(im)
        preview_img = _decode_fitted(im, preview_size)
    thumb_img = _fit(preview_img, thumb_size)
    return ProcessedPhoto(
        thumbnail=_jpeg(thumb_img, quality),
        preview=_jpeg(preview_img, quality),
        thumbnail_dimensions=thumb_img.size,
        preview_dimensions=preview_img.size,
        metadata=metadata,
    )


def make_thumbnail(
    source: Source,
    *,
    size: int = THUMB_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    quality: int = JPEG_QUALITY,
) -> bytes:
    """Only the thumbnail: lets the JPEG decoder scale straight down to about `size`."""
    with _opened(source, max_pixels) as im:
        return _jpeg(_decode_fitted(im, size), quality)


def read_metadata(source: Source, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> PhotoMetadata:
    """Metadata from the header alone; the pixels are not decoded."""
    with _opened(source, max_pixels) as im:
        return _metadata(im)


def content_hash(source: Source, *, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex of the content, read in chunks; a seekable stream is put back where it was."""
    digest = hashlib.sha256()
    if isinstance(source, bytes | bytearray | memoryview):
        digest.update(source)
        return digest.hexdigest()
    start = source.tell() if source.seekable() else None
    while chunk := source.read(chunk_size):
        digest.update(chunk)
    if start is not None:
        source.seek(start)
    return digest.hexdigest()


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


@contextmanager
def _opened(source: Source, max_pixels: int) -> Iterator[Image.Image]:
    """Open from memory (reading the caller's stream first, so its errors stay its own)."""
    data = bytes(source) if isinstance(source, bytes | bytearray | memoryview) else source.read()
    if not data:
        raise BadImage("the file is empty")
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below applies; Pillow's hard limit still stops real bombs.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=_OPENABLE)
    except Image.DecompressionBombError as error:
        raise BadImage(_bomb_reason(str(error), max_pixels)) from error
    except MemoryError:
        raise
    except Exception as error:
        raise BadImage(_unreadable_reason(data)) from error
    with im:
        width, height = im.size
        if width * height > max_pixels:
            raise BadImage(
                f"image is {width}×{height} = {_gigapixels(width * height)}, "
                f"over the limit of {max_pixels:,} pixels"
            )
        yield im


def _decode_fitted(im: Image.Image, size: int) -> Image.Image:
    """Decode (JPEG: at the smallest DCT scale still ≥ size), orient, fit into size×size."""
    orientation = _orientation(im)
    target = _fitted_dimensions(im.size, size)
    if isinstance(im, JpegImagePlugin.JpegImageFile):
        im.draft("RGB", target)
    try:
        im.load()  # a multi-frame file (GIF, WebP, MPO, TIFF) loads its first frame
    except MemoryError:
        raise
    except Exception as error:
        raise BadImage(_decode_reason(error)) from error
    icc = im.info.get("icc_profile")
    oriented_by_decoder = "original_orientation" in im.info  # pillow_heif applies it
    image = im if im.mode in ("RGB", "L", "CMYK") else _to_rgb_or_l(im)
    image = _fit(image, size)
    if icc and image.mode in ("RGB", "CMYK"):
        image = _to_srgb(image, icc)
    if image.mode not in ("RGB", "L"):
        image = _to_rgb_or_l(image)
    if orientation in _TRANSPOSE and not oriented_by_decoder:
        image = image.transpose(_TRANSPOSE[orientation])
    # The caller closes the file's image; what we return must not be that object.
    return image.copy() if image is im else image


def _fit(im: Image.Image, size: int) -> Image.Image:
    """Resize so the longest side is `size` (never enlarging).

    Large outputs (the preview) use HAMMING: a one-pixel-support filter, half the cost of
    LANCZOS on a 2000×1500 draft and still sharp once viewed; small ones (the thumbnail)
    are cheap at any filter, so they get LANCZOS.
    """
    target = _fitted_dimensions(im.size, size)
    if target == im.size:
        return im
    large = max(target) > _LANCZOS_MAX_SIDE
    resample = Image.Resampling.HAMMING if large else Image.Resampling.LANCZOS
    return im.resize(target, resample, reducing_gap=2.0)


def _fitted_dimensions(dimensions: tuple[int, int], size: int) -> tuple[int, int]:
    width, height = dimensions
    scale = size / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb_or_l(im: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB or L; transparency is flattened onto white."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _to_8bit(im)
    if im.mode == "1":
        return im.convert("L")
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if not has_alpha:
        return im.convert("L" if im.mode == "L" else "RGB")
    rgba = im.convert("RGBA")
    flat = Image.new("RGB", rgba.size, _WHITE)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _to_8bit(im: Image.Image) -> Image.Image:
    """16-bit (and 32-bit int/float) greyscale scaled into 0-255 rather than clipped."""
    if im.mode.startswith("I;16"):
        im, top = im.convert("I"), 65535.0
    else:
        extrema = im.getextrema()
        high = float(extrema[1]) if isinstance(extrema[1], int | float) else 255.0
        # Mode I is how Pillow opens 16-bit PNGs, so 256-65535 means 16 bits per sample.
        top = 255.0 if high <= 255 else 65535.0 if high <= 65535 else high
    return im.point(lambda value: value * (255.0 / top)).convert("L")


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Bake an embedded colour profile into sRGB pixels, since the profile is not kept."""
    try:
        transform = _srgb_transform(icc, im.mode)
        return im if transform is None else ImageCms.applyTransform(im, transform) or im
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im  # a broken profile: the pixels as they are beat no picture


@functools.lru_cache(maxsize=16)
def _srgb_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """One transform per camera profile (building it costs more than applying it)."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if mode == "RGB" and "srgb" in ImageCms.getProfileDescription(profile).lower():
        return None
    return ImageCms.buildTransform(profile, _SRGB, mode, "RGB")


def _jpeg(im: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    im.info = {}  # nothing from the original (EXIF, GPS, ICC, comments) leaks out
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _metadata(im: Image.Image) -> PhotoMetadata:
    exif = _safe(im.getexif) or Image.Exif()
    exif_ifd: dict[int, Any] = _safe(lambda: exif.get_ifd(_EXIF_IFD)) or {}
    orientation = _orientation(im)
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


def _orientation(im: Image.Image) -> int | None:
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


def _gigapixels(pixels: int) -> str:
    return f"{pixels / 1e9:.1f} GP" if pixels >= 1e9 else f"{pixels / 1e6:.0f} MP"


def _bomb_reason(message: str, max_pixels: int) -> str:
    found = re.search(r"\((\d+) pixels\)", message)
    size = f"{_gigapixels(int(found.group(1)))}" if found else "too many pixels"
    return f"image is {size}, over the limit of {max_pixels:,} pixels"


def _unreadable_reason(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as other:
            return f"{other.format} images are not supported"
    except Exception:
        return "not an image Pillow/HEIF can read"


def _decode_reason(error: Exception) -> str:
    if "truncated" in str(error) or isinstance(error, EOFError):
        return "the file is truncated"
    return f"the image data is corrupt ({error})"
