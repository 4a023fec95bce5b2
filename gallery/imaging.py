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
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import pillow_heif
from PIL import Image, ImageCms, JpegImagePlugin

from gallery.exif import PhotoMetadata, metadata_of, orientation_of

pillow_heif.register_heif_opener()
Image.init()

DEFAULT_MAX_PIXELS = 100_000_000
THUMB_SIZE = 300
PREVIEW_SIZE = 1280
JPEG_QUALITY = 85
# iPhone JPEGs open as MPO through the JPEG opener; AVIF only where Pillow was built with it.
SUPPORTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF", "TIFF", "BMP")
_OPENABLE = tuple(name for name in SUPPORTED_FORMATS if name in Image.OPEN)

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


class BadImage(ValueError):
    """The file is not a photo we can use. The user's problem: report it, do not retry."""


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
        metadata = metadata_of(im)
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
        return metadata_of(im)


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
    orientation = orientation_of(im)
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
