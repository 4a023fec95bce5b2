"""Exposure details (ISO, aperture, shutter speed, focal length, lens) read from real EXIF that
Pillow writes, and how they read on the photo page. Pure: gallery.exif and gallery.imaging."""

from __future__ import annotations

import io
from fractions import Fraction
from typing import Any

import pytest
from PIL import Image, TiffImagePlugin

from gallery.exif import describe_exposure, describe_focal_length
from gallery.imaging import read_metadata

_EXIF_IFD = 0x8769
EXPOSURE_TIME, F_NUMBER, ISO, FOCAL_LENGTH = 0x829A, 0x829D, 0x8827, 0x920A
FOCAL_35MM, LENS_MAKE, LENS_MODEL = 0xA405, 0xA433, 0xA434


def rational(value: Fraction | float) -> TiffImagePlugin.IFDRational:
    f = Fraction(value).limit_denominator(100_000)
    return TiffImagePlugin.IFDRational(f.numerator, f.denominator)


def jpeg_with(exif_ifd: dict[int, Any], ifd0: dict[int, Any] | None = None) -> bytes:
    exif = Image.Exif()
    for tag, value in (ifd0 or {}).items():
        exif[tag] = value
    exif.get_ifd(_EXIF_IFD).update(exif_ifd)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 130, 140)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


IPHONE = {
    EXPOSURE_TIME: rational(Fraction(1, 120)),
    F_NUMBER: rational(Fraction(8, 5)),
    ISO: 50,
    FOCAL_LENGTH: rational(Fraction(51, 10)),
    FOCAL_35MM: 26,
    LENS_MAKE: "Apple",
    LENS_MODEL: "iPhone 13 back dual wide camera 5.1mm f/1.6",
}


def test_exposure_is_read_from_the_exif_ifd() -> None:
    meta = read_metadata(jpeg_with(IPHONE))

    assert meta.iso == 50
    assert meta.f_number == pytest.approx(1.6)
    assert meta.exposure_time == pytest.approx(1 / 120)
    assert meta.focal_length == pytest.approx(5.1)
    assert meta.focal_length_35mm == 26


def test_the_lens_is_named_by_make_and_model_once() -> None:
    assert read_metadata(jpeg_with(IPHONE)).lens == (
        "Apple iPhone 13 back dual wide camera 5.1mm f/1.6"
    )
    canon = {LENS_MAKE: "Canon", LENS_MODEL: "Canon RF 24-105mm F4 L IS USM"}
    assert read_metadata(jpeg_with(canon)).lens == "Canon RF 24-105mm F4 L IS USM"
    assert read_metadata(jpeg_with({LENS_MODEL: "XF23mmF2 R WR"})).lens == "XF23mmF2 R WR"


def test_a_photo_without_exposure_details_has_none() -> None:
    meta = read_metadata(jpeg_with({}))

    assert (meta.iso, meta.f_number, meta.exposure_time) == (None, None, None)
    assert (meta.focal_length, meta.focal_length_35mm, meta.lens) == (None, None, None)


def test_iso_written_as_a_list_takes_the_first_value() -> None:
    assert read_metadata(jpeg_with({ISO: (400, 400)})).iso == 400


@pytest.mark.parametrize(
    "values",
    [
        {F_NUMBER: TiffImagePlugin.IFDRational(16, 0)},  # unknown: a zero denominator
        {F_NUMBER: rational(0)},
        {EXPOSURE_TIME: rational(0)},
        {FOCAL_LENGTH: rational(0)},
        {ISO: 0},
        {EXPOSURE_TIME: rational(-1)},
        {F_NUMBER: "f/2.8"},
    ],
)
def test_unknown_or_impossible_values_are_left_out(values: dict[int, Any]) -> None:
    meta = read_metadata(jpeg_with(values))

    assert (meta.iso, meta.f_number, meta.exposure_time, meta.focal_length) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("f_number", "seconds", "iso", "text"),
    [
        (1.6, 1 / 120, 50, "ƒ/1.6 · 1/120 s · ISO 50"),
        (8.0, 1 / 250, 100, "ƒ/8 · 1/250 s · ISO 100"),
        (2.8, 1 / 3, 3200, "ƒ/2.8 · 1/3 s · ISO 3200"),
        (11.0, 0.8, None, "ƒ/11 · 0.8 s"),
        (None, 2.5, 64, "2.5 s · ISO 64"),
        (4.0, 30.0, None, "ƒ/4 · 30 s"),
        (None, 1 / 8000, None, "1/8000 s"),
        (None, None, None, ""),
    ],
)
def test_exposure_reads_as_a_photographer_writes_it(
    f_number: float | None, seconds: float | None, iso: int | None, text: str
) -> None:
    assert describe_exposure(f_number, seconds, iso) == text


@pytest.mark.parametrize(
    ("mm", "equivalent", "text"),
    [
        (5.1, 26, "5.1 mm (26 mm in 35 mm terms)"),
        (50.0, None, "50 mm"),
        (35.0, 35, "35 mm"),
        (None, 26, "26 mm in 35 mm terms"),
        (None, None, ""),
    ],
)
def test_focal_length_reads_with_its_35mm_equivalent(
    mm: float | None, equivalent: int | None, text: str
) -> None:
    assert describe_focal_length(mm, equivalent) == text
