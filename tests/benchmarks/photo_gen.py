"""Deterministic 12 MP test photos (4000×3000 JPEG with EXIF), cached under bench-data/.

The content is gradients, shapes and seeded noise so that the files are as big as a phone's
(3-5 MB) and the JPEG decoder has real work to do.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

BENCH_DATA = Path(__file__).resolve().parents[2] / "bench-data"
SIZE = (4000, 3000)
COUNT = 5
_VERSION = 1  # bump to regenerate after changing the recipe


def photo_paths(count: int = COUNT) -> list[Path]:
    """Paths of `count` cached photos, generating the missing ones."""
    BENCH_DATA.mkdir(exist_ok=True)
    paths = []
    for index in range(count):
        path = BENCH_DATA / f"photo-v{_VERSION}-{index}.jpg"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            make_photo(index).save(
                tmp, "JPEG", quality=93, exif=_exif(index).tobytes(), subsampling="4:2:0"
            )
            tmp.rename(path)
        paths.append(path)
    return paths


def make_photo(seed: int) -> Image.Image:
    rng = random.Random(seed)
    width, height = SIZE
    channels = []
    for _ in range(3):
        gradient = Image.linear_gradient("L").rotate(rng.uniform(0, 360)).resize(SIZE)
        channels.append(gradient)
    base = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(base)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(40, 600)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(3))
    # Seeded film grain: effect_noise is deterministic only through its own RNG, so build
    # the grain from a small seeded tile scaled up with a jitter.
    grain = Image.frombytes("L", (1000, 750), rng.randbytes(1000 * 750)).resize(
        SIZE, Image.Resampling.NEAREST
    )
    fine = Image.frombytes("L", (2000, 1500), rng.randbytes(2000 * 1500)).resize(
        SIZE, Image.Resampling.BILINEAR
    )
    noise = Image.blend(grain, fine, 0.5).convert("RGB")
    return Image.blend(base, noise, 0.25)


def _exif(seed: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0110] = f"Model {seed}"
    exif[0x0112] = 6 if seed % 2 else 1
    exif[0x0132] = f"2024:03:0{seed + 1} 10:10:10"
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = f"2024:03:0{seed + 1} 10:10:10"
    exif_ifd[0x9011] = "+01:00"
    exif_ifd[0x9209] = seed % 2
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 22.0, 12.5)
    gps[3], gps[4] = "E", (4.0, 53.0, 30.0)
    return exif


if __name__ == "__main__":
    for photo in photo_paths():
        print(photo, photo.stat().st_size // 1024, "KiB")
