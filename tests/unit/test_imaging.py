"""gallery.imaging: derived JPEGs, metadata, file-name dates, tags and rejections."""

from __future__ import annotations

import hashlib
import io
import struct
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from PIL import Image, ImageCms, JpegImagePlugin

from gallery.exif import PhotoMetadata, date_from_filename, tags_for
from gallery.imaging import BadImage, content_hash, make_thumbnail, process, read_metadata

RED = (255, 0, 0)
GREY = (128, 128, 128)


def encode(im: Image.Image, fmt: str = "JPEG", **params: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def photo(
    size: tuple[int, int] = (400, 300),
    *,
    exif: Image.Exif | None = None,
    colour: tuple[int, int, int] = GREY,
    **params: Any,
) -> bytes:
    im = Image.new("RGB", size, colour)
    return encode(im, exif=exif.tobytes() if exif is not None else b"", **params)


def exif_with(
    ifd0: dict[int, Any] | None = None,
    exif_ifd: dict[int, Any] | None = None,
    gps: dict[int, Any] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in (ifd0 or {}).items():
        exif[tag] = value
    if exif_ifd:
        exif.get_ifd(0x8769).update(exif_ifd)
    if gps:
        exif.get_ifd(0x8825).update(gps)
    return exif


def decoded(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG"
    im.load()
    return im


def close_to(pixel: Any, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


# Derived images


def test_process_makes_a_300px_thumbnail_and_a_1280px_preview() -> None:
    result = process(photo((2000, 1500)))

    assert decoded(result.thumbnail).size == (300, 225) == result.thumbnail_dimensions
    assert decoded(result.preview).size == (1280, 960) == result.preview_dimensions
    assert (result.metadata.width, result.metadata.height) == (2000, 1500)


def test_process_accepts_a_stream_as_well_as_bytes() -> None:
    data = photo()
    assert process(io.BytesIO(data)).metadata == process(data).metadata


def test_sizes_can_be_chosen() -> None:
    result = process(photo((1000, 500)), thumb_size=100, preview_size=400)

    assert result.thumbnail_dimensions == (100, 50)
    assert result.preview_dimensions == (400, 200)


def test_a_small_photo_is_not_enlarged() -> None:
    result = process(photo((200, 100)))

    assert result.thumbnail_dimensions == (200, 100)
    assert result.preview_dimensions == (200, 100)


def test_make_thumbnail_gives_the_thumbnail_alone() -> None:
    assert decoded(make_thumbnail(photo((1200, 900)))).size == (300, 225)


def test_jpeg_decoder_scales_down_instead_of_decoding_every_pixel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded_sizes: list[tuple[int, int]] = []
    original_load = JpegImagePlugin.JpegImageFile.load

    def spy(self: JpegImagePlugin.JpegImageFile) -> Any:
        decoded_sizes.append(self.size)
        return original_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    data = photo((2600, 1950))

    process(data)
    make_thumbnail(data)

    assert decoded_sizes[0] == (1300, 975)  # 1/2: the smallest scale still ≥ 1280
    assert decoded_sizes[-1] == (325, 244)  # 1/8 for the thumbnail alone


def quadrant_photo(orientation: int) -> bytes:
    """400×200, red in the stored top-left corner, grey elsewhere."""
    im = Image.new("RGB", (400, 200), GREY)
    im.paste(RED, (0, 0, 200, 100))
    return encode(im, exif=exif_with({0x0112: orientation}).tobytes(), quality=95)


@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [
        (1, (300, 150), "top-left"),
        (3, (300, 150), "bottom-right"),
        (6, (150, 300), "top-right"),
        (8, (150, 300), "bottom-left"),
    ],
)
def test_exif_orientation_is_applied(
    orientation: int, size: tuple[int, int], red_corner: str
) -> None:
    result = process(quadrant_photo(orientation))
    thumb = decoded(result.thumbnail)
    width, height = thumb.size
    corners = {
        "top-left": (5, 5),
        "top-right": (width - 6, 5),
        "bottom-left": (5, height - 6),
        "bottom-right": (width - 6, height - 6),
    }

    assert thumb.size == size
    assert close_to(thumb.getpixel(corners[red_corner]), RED, 30)
    assert result.metadata.orientation == orientation
    assert (result.metadata.width, result.metadata.height) == (size[0] * 4 // 3, size[1] * 4 // 3)


def test_derived_images_carry_no_metadata() -> None:
    exif = exif_with(
        {0x010F: "LeakyCam", 0x0112: 1},
        {0x9003: "2024:03:01 10:10:10"},
        {1: "N", 2: (52.0, 22.0, 12.0), 3: "E", 4: (4.0, 53.0, 30.0)},
    )
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = photo(exif=exif, icc_profile=srgb, comment=b"secret note")

    result = process(source)

    for data in (result.thumbnail, result.preview, make_thumbnail(source)):
        im = decoded(data)
        assert not im.getexif()
        assert not {"exif", "icc_profile", "comment"} & set(im.info)
        assert b"LeakyCam" not in data
        assert b"secret" not in data


@pytest.mark.parametrize(
    "im",
    [
        Image.new("RGBA", (40, 30), (0, 0, 0, 0)),
        Image.new("LA", (40, 30), (0, 0)),
        Image.new("P", (40, 30), 0),  # index 0 declared transparent below
    ],
    ids=["RGBA", "LA", "P-transparent"],
)
def test_transparency_is_flattened_onto_white(im: Image.Image) -> None:
    params = {"transparency": 0} if im.mode == "P" else {}
    thumb = decoded(make_thumbnail(encode(im, "PNG", **params)))

    assert close_to(thumb.convert("RGB").getpixel((20, 15)), (255, 255, 255), 2)


def test_palette_colours_are_kept() -> None:
    im = Image.new("RGB", (40, 30), RED).convert("P", palette=Image.Palette.ADAPTIVE)

    thumb = decoded(make_thumbnail(encode(im, "GIF")))

    assert close_to(thumb.getpixel((20, 15)), RED)


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    cyan_free_red = Image.new("CMYK", (40, 30), (0, 255, 255, 0))

    result = process(encode(cyan_free_red))

    thumb = decoded(result.thumbnail)
    assert thumb.mode == "RGB"
    assert close_to(thumb.getpixel((20, 15)), RED)


def test_16_bit_png_is_scaled_to_8_bits_not_clipped() -> None:
    half_grey = Image.new("I;16", (40, 30), 32768)

    result = process(encode(half_grey, "PNG"))

    assert result.metadata.format == "PNG"
    assert abs(decoded(result.thumbnail).convert("L").getpixel((20, 15)) - 128) <= 2  # type: ignore[operator]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_gives_its_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in (RED, (0, 0, 255), (0, 255, 0))]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)

    thumb = decoded(make_thumbnail(data))

    assert close_to(thumb.getpixel((20, 15)), RED, 20)


def test_heic_is_read_with_its_orientation() -> None:
    exif = exif_with({0x0112: 6, 0x010F: "Apple"}, {0x9003: "2024:03:01 10:10:10"})
    heic = encode(Image.new("RGB", (64, 32), RED), "HEIF", exif=exif.tobytes(), quality=90)

    result = process(heic)

    assert result.metadata.format == "HEIF"
    assert (result.metadata.width, result.metadata.height) == (32, 64)
    assert result.metadata.orientation == 6
    assert result.metadata.camera_make == "Apple"
    assert decoded(result.thumbnail).size == (32, 64)


def test_an_iphone_style_mpo_jpeg_is_read_as_a_jpeg() -> None:
    frames = [Image.new("RGB", (640, 480), RED), Image.new("RGB", (320, 240), (0, 0, 255))]
    mpo = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])

    result = process(mpo)

    assert result.metadata.format == "JPEG"
    assert close_to(decoded(result.thumbnail).getpixel((150, 100)), RED)


def test_a_broken_colour_profile_does_not_lose_the_photo() -> None:
    result = process(photo(colour=RED, icc_profile=b"not really a profile"))

    thumb = decoded(result.thumbnail)
    assert "icc_profile" not in thumb.info
    assert close_to(thumb.getpixel((150, 100)), RED)


# Metadata


def test_taken_at_is_aware_when_the_camera_recorded_an_offset() -> None:
    exif = exif_with(exif_ifd={0x9003: "2024:03:01 10:10:10", 0x9011: "+02:00"})

    taken_at = read_metadata(photo(exif=exif)).taken_at

    assert taken_at == datetime(2024, 3, 1, 10, 10, 10, tzinfo=timezone(timedelta(hours=2)))


def test_taken_at_is_naive_without_an_offset() -> None:
    exif = exif_with(exif_ifd={0x9003: "2024:03:01 10:10:10"})

    assert read_metadata(photo(exif=exif)).taken_at == datetime(2024, 3, 1, 10, 10, 10)


def test_taken_at_falls_back_to_the_modification_datetime() -> None:
    exif = exif_with({0x0132: "2023:12:31 23:59:58"})

    assert read_metadata(photo(exif=exif)).taken_at == datetime(2023, 12, 31, 23, 59, 58)


def test_camera_make_and_model_are_cleaned_of_nuls_and_spaces() -> None:
    exif = exif_with({0x010F: "Canon\x00\x00  ", 0x0110: "  EOS R6\x00"})

    metadata = read_metadata(photo(exif=exif))

    assert (metadata.camera_make, metadata.camera_model) == ("Canon", "EOS R6")


def test_gps_becomes_signed_decimal_degrees() -> None:
    gps = {1: "S", 2: (33.0, 51.0, 54.0), 3: "W", 4: (70.0, 30.0, 0.0)}

    metadata = read_metadata(photo(exif=exif_with(gps=gps)))

    assert metadata.latitude == pytest.approx(-33.865)
    assert metadata.longitude == pytest.approx(-70.5)


@pytest.mark.parametrize(
    "gps",
    [
        {2: (33.0, 51.0, 54.0), 3: "W", 4: (70.0, 30.0, 0.0)},  # no latitude ref
        {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)},  # null island
    ],
    ids=["missing-ref", "zero-zero"],
)
def test_gps_without_a_real_position_means_no_location(gps: dict[int, Any]) -> None:
    metadata = read_metadata(photo(exif=exif_with(gps=gps)))

    assert (metadata.latitude, metadata.longitude) == (None, None)


@pytest.mark.parametrize(("flash", "fired"), [(0x19, True), (0x10, False), (None, None)])
def test_flash_fired_is_bit_zero_of_the_flash_tag(flash: int | None, fired: bool | None) -> None:
    exif = exif_with(exif_ifd={0x9209: flash} if flash is not None else {})

    assert read_metadata(photo(exif=exif)).flash_fired is fired


def test_garbage_exif_values_are_omitted_not_fatal() -> None:
    exif = exif_with(
        {0x0112: 42, 0x010F: "\x00\x00  ", 0x0132: "yesterday"},
        {0x9003: "2024:13:45 99:99:99", 0x9209: "bright"},
        {1: "N", 2: 52.5, 3: "E", 4: (1.0, 2.0)},  # one or two numbers, not three
    )

    metadata = read_metadata(photo(exif=exif))

    assert metadata == PhotoMetadata(width=400, height=300, format="JPEG")


def test_corrupt_exif_block_does_not_lose_the_photo() -> None:
    jpeg = photo()
    junk_app1 = (
        b"\xff\xe1" + struct.pack(">H", 2 + 6 + 24) + b"Exif\x00\x00" + b"MM\x00*" + b"\xff" * 20
    )
    corrupt = jpeg[:2] + junk_app1 + jpeg[2:]

    result = process(corrupt)

    assert result.metadata.taken_at is None
    assert decoded(result.thumbnail).size == (300, 225)


# File names and tags


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG-20240301-WA0003.jpg", datetime(2024, 3, 1)),
        ("PXL_20240301_101010123.jpg", datetime(2024, 3, 1, 10, 10, 10, 123000)),
        ("20240301_101010.jpg", datetime(2024, 3, 1, 10, 10, 10)),
        ("IMG_20240301_101010.jpg", datetime(2024, 3, 1, 10, 10, 10)),
        ("00000012-PHOTO-2024-03-01-10-10-10.jpg", datetime(2024, 3, 1, 10, 10, 10)),
        ("uploads/alice/IMG_20240301_101010.jpg", datetime(2024, 3, 1, 10, 10, 10)),
    ],
)
def test_date_from_filename_reads_phone_names(name: str, expected: datetime) -> None:
    assert date_from_filename(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "IMG_20241301_101010.jpg",  # month 13
        "IMG-20240230-WA0001.jpg",  # 30 February
        "PXL_20240301_256010000.jpg",  # hour 25
        "holiday.jpg",
        "IMG_1234.JPG",
    ],
)
def test_date_from_filename_rejects_impossible_or_missing_dates(name: str) -> None:
    assert date_from_filename(name) is None


@pytest.mark.parametrize(
    ("metadata", "tags"),
    [
        (PhotoMetadata(400, 300, "JPEG"), ["landscape"]),
        (PhotoMetadata(300, 400, "JPEG"), ["portrait"]),
        (PhotoMetadata(300, 300, "JPEG", flash_fired=True), ["square", "flash"]),
        (PhotoMetadata(400, 300, "JPEG", latitude=52.1, longitude=4.3), ["landscape", "gps"]),
    ],
)
def test_tags_follow_shape_flash_and_location(metadata: PhotoMetadata, tags: list[str]) -> None:
    assert tags_for(metadata) == tags


def test_tags_use_the_orientation_corrected_shape() -> None:
    assert tags_for(read_metadata(quadrant_photo(6))) == ["portrait"]


# Rejections


def test_an_empty_file_is_rejected() -> None:
    with pytest.raises(BadImage, match="the file is empty"):
        process(b"")


def test_a_truncated_jpeg_is_rejected() -> None:
    data = encode(Image.effect_noise((800, 600), 60).convert("RGB"))

    with pytest.raises(BadImage, match="the file is truncated"):
        process(data[: len(data) // 2])


def test_text_named_jpg_is_rejected() -> None:
    with pytest.raises(BadImage, match="not an image Pillow/HEIF can read"):
        process(b"Dear diary, today I took no photos.\n")


def test_an_unsupported_format_is_named() -> None:
    with pytest.raises(BadImage, match="PCX images are not supported"):
        process(encode(Image.new("RGB", (10, 10)), "PCX"))


def with_dimensions(jpeg: bytes, width: int, height: int) -> bytes:
    """The same small JPEG, its header claiming another size (nothing past it is read)."""
    sof = jpeg.index(b"\xff\xc0")
    return jpeg[: sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9 :]


def test_too_many_pixels_are_rejected_from_the_header_before_decoding() -> None:
    claimed = with_dimensions(photo((16, 16)), 12_000, 10_000)

    with pytest.raises(BadImage, match="image is 12000×10000 = 120 MP, over the limit of"):
        process(claimed, max_pixels=50_000_000)


def test_a_decompression_bomb_beyond_pillows_limit_is_rejected() -> None:
    claimed = with_dimensions(photo((16, 16)), 50_000, 50_000)

    with pytest.raises(BadImage, match=r"image is 2\.5 GP, over the limit of"):
        process(claimed)


def test_a_failing_stream_is_the_environments_error_not_the_images() -> None:
    class BrokenStream(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise ConnectionResetError("storage went away")

    with pytest.raises(ConnectionResetError):
        process(BrokenStream())


# Duplicates


def test_content_hash_is_the_sha256_of_the_bytes_and_rewinds() -> None:
    data = photo()
    stream = io.BytesIO(data)

    digest = content_hash(stream, chunk_size=1000)

    assert digest == hashlib.sha256(data).hexdigest() == content_hash(data)
    assert stream.tell() == 0
