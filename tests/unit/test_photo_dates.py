"""Dates that phones, cameras and computers write into file names (gallery.exif, pure)."""

from __future__ import annotations

from datetime import datetime

import pytest

from gallery.exif import date_from_filename


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Screenshot 2024-03-02 at 14.22.01.png", datetime(2024, 3, 2, 14, 22, 1)),
        ("Screen Shot 2020-01-02 at 3.04.05 PM.png", datetime(2020, 1, 2, 15, 4, 5)),
        ("Screen Shot 2020-01-02 at 12.04.05 AM.png", datetime(2020, 1, 2, 0, 4, 5)),
        ("Screenshot 2024-03-02 at 14.22.01 (2).png", datetime(2024, 3, 2, 14, 22, 1)),
        ("Screenshot_20240302-142201.png", datetime(2024, 3, 2, 14, 22, 1)),
        ("Screenshot_20240302-142201_Chrome.jpg", datetime(2024, 3, 2, 14, 22, 1)),
        ("Screenshot 2024-03-02 142201.png", datetime(2024, 3, 2, 14, 22, 1)),
    ],
)
def test_screenshots_are_dated_by_their_name(name: str, expected: datetime) -> None:
    assert date_from_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_20240829_134700.jpg", datetime(2024, 8, 29, 13, 47)),
        ("IMG-20230506-WA0012.jpg", datetime(2023, 5, 6)),
        ("VID_20240829_134700.mp4", datetime(2024, 8, 29, 13, 47)),
    ],
)
def test_android_camera_and_whatsapp_names_are_dated(name: str, expected: datetime) -> None:
    assert date_from_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("WhatsApp Image 2024-03-02 at 14.22.01.jpeg", datetime(2024, 3, 2, 14, 22, 1)),
        ("WhatsApp Image 2024-03-02 at 14.22.01 (1).jpeg", datetime(2024, 3, 2, 14, 22, 1)),
    ],
)
def test_whatsapp_desktop_downloads_are_dated(name: str, expected: datetime) -> None:
    assert date_from_filename(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Screenshot 2024-13-02 at 14.22.01.png",  # month 13
        "Screen Shot 2020-01-02 at 13.04.05 PM.png",  # 13 PM
        "Screenshot 2024-03-02 at 25.22.01.png",  # hour 25
        "Screenshot.png",
        "my screenshot 2024.png",
    ],
)
def test_names_without_a_real_date_give_none(name: str) -> None:
    assert date_from_filename(name) is None
