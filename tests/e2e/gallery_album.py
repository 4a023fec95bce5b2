"""A realistic photo library for the gallery's browser tests and screenshots: 35 photos over
three years (phones and a camera, landscapes, portraits, a panorama, a screenshot, WhatsApp and
Android names without EXIF) and one file that is not a photo, all uploaded through the upload
API and processed by the app's worker."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.conftest import Platform
from tests.e2e.test_every_page import _session
from tests.factories.gallery import IPHONE_EXPOSURE, photo_bytes

IPHONE, PIXEL, CANON = ("Apple", "iPhone 13"), ("Google", "Pixel 7"), ("Canon", "EOS R6")
LANDSCAPE, PORTRAIT, WIDE, SQUARE, PANORAMA = (
    (960, 720),
    (720, 960),
    (1120, 630),
    (800, 800),
    (
        1500,
        500,
    ),
)
# (month, days, camera, shape of each photo) newest first; file names are made from the dates.
MONTHS: tuple[
    tuple[str, tuple[int, ...], tuple[str, str] | None, tuple[tuple[int, int], ...]], ...
] = (
    ("2024-08", (29, 24, 23, 22, 21), PIXEL, (LANDSCAPE, PORTRAIT, WIDE, LANDSCAPE, PANORAMA)),
    ("2024-03", (16, 9), IPHONE, (PORTRAIT, SQUARE)),
    ("2024-02", (14, 3), IPHONE, (LANDSCAPE, PORTRAIT)),
    ("2024-01", (1,), CANON, (WIDE,)),
    ("2023-12", (31, 25, 24, 20), IPHONE, (PORTRAIT, LANDSCAPE, LANDSCAPE, PORTRAIT)),
    ("2023-10", (8, 7), CANON, (LANDSCAPE, WIDE)),
    (
        "2023-07",
        (30, 28, 27, 26, 24),
        CANON,
        (PANORAMA, LANDSCAPE, PORTRAIT, SQUARE, LANDSCAPE),
    ),
    ("2023-05", (21, 14), IPHONE, (PORTRAIT, LANDSCAPE)),
    ("2022-11", (19, 5), PIXEL, (LANDSCAPE, PORTRAIT)),
    ("2022-08", (18, 14, 13, 12), PIXEL, (WIDE, LANDSCAPE, PORTRAIT, LANDSCAPE)),
    ("2022-04", (23, 17, 2), CANON, (LANDSCAPE, LANDSCAPE, PORTRAIT)),
)
# Photos whose only date is their name: a screenshot, an Android camera and a WhatsApp photo.
NAMED = (
    ("Screenshot 2024-03-02 at 14.22.01.png", (585, 1266), "PNG"),
    ("IMG_20240829_134700.jpg", LANDSCAPE, "JPEG"),
    ("IMG-20230506-WA0012.jpg", PORTRAIT, "JPEG"),
)
BROKEN = ("IMG_4032.jpg", b"\xff\xd8\xff\xe0 this upload was cut short")


@dataclass
class Album:
    url: str
    username: str
    password: str
    photos: int = 0
    uploads: dict[str, int] = field(default_factory=dict)


def album_files() -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    seed = 0
    for month, days, camera, shapes in MONTHS:
        for day, size in zip(days, shapes, strict=True):
            seed += 1
            taken = f"{month.replace('-', ':')}:{day:02d} {8 + seed % 11:02d}:{seed % 60:02d}:00"
            make, model = camera or (None, None)
            data = photo_bytes(
                size,
                scene=True,
                seed=seed,
                taken=taken,
                make=make,
                model=model,
                gps=(48.85 + seed / 100, 2.35 + seed / 50) if seed % 3 == 0 else None,
                exposure=IPHONE_EXPOSURE if camera == IPHONE else None,
            )
            files.append((f"{'DSC' if camera == CANON else 'IMG'}_{seed:04d}.jpg", data))
    for name, size, fmt in NAMED:
        seed += 1
        files.append((name, photo_bytes(size, scene=True, seed=seed, fmt=fmt)))
    files.append(BROKEN)
    return files


USER = ("juno", "juno-pass-123")


def seed_album(platform: Platform, user: tuple[str, str] = USER) -> Album:
    username, password = user
    platform.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model;"
        f"get_user_model().objects.filter(username={username!r}).exists() or "
        f"get_user_model().objects.create_user({username!r}, password={password!r})",
    )
    album = Album(platform.url, username, password)
    s = _session(platform.url, username, password)
    headers = {"X-CSRFToken": s.cookies["csrftoken"], "Referer": platform.url}
    for name, data in album_files():
        response = s.post(
            f"{platform.url}/api/uploads", headers=headers, files={"file": (name, data)}
        )
        assert response.status_code == 201, response.text
        album.uploads[name] = response.json()["id"]
    ids = ",".join(str(i) for i in album.uploads.values())
    deadline = time.monotonic() + 180
    while True:
        objects: list[dict[str, Any]] = s.get(f"{platform.url}/api/objects?ids={ids}").json()[
            "objects"
        ]
        if all(o["final"] for o in objects):
            break
        assert time.monotonic() < deadline, [o for o in objects if not o["final"]]
        time.sleep(0.3)
    album.photos = sum(o["status"] == "done" for o in objects)
    return album
