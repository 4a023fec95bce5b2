"""Benchmark gallery.imaging against naive Pillow, pyvips and the JPEG-decode floor.

Run from the project root: .venv/bin/python -m tests.benchmarks.bench_imaging [--reps N]
Prints ms per 12 MP photo (median of the reps, then the median over photos), the ratios the
project aims for, and the peak RSS of a worker that processes every photo.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from gallery import imaging
from tests.benchmarks.photo_gen import photo_paths

THUMB_GOAL = 1.3  # thumbnail-only / 1/8 decode floor
FULL_GOAL = 0.8  # full step / pyvips making the same two sizes
RSS_GOAL_MB = 150


def load_pyvips() -> Any:
    try:
        import pyvips  # optional peer: needs the libvips system library
    except (ImportError, OSError) as error:
        print(f"pyvips unavailable ({error}); skipping the pyvips rows.")
        print("Install the system library: apt-get install -y libvips42")
        return None
    return pyvips


def project_full(path: Path) -> None:
    with path.open("rb") as stream:
        imaging.process(stream)


def project_thumbnail(path: Path) -> None:
    with path.open("rb") as stream:
        imaging.make_thumbnail(stream)


def naive_pillow(path: Path) -> None:
    with Image.open(path) as im:
        oriented = ImageOps.exif_transpose(im)
        oriented.thumbnail((300, 300), Image.Resampling.LANCZOS)
        oriented.save(io.BytesIO(), "JPEG", quality=85)


def floor_eighth_decode(path: Path) -> None:
    with Image.open(path) as im:
        im.draft("RGB", (im.width // 8, im.height // 8))
        im.load()


def vips_functions(pyvips: Any) -> dict[str, Callable[[Path], None]]:
    def vips_thumbnail(path: Path) -> None:
        pyvips.Image.thumbnail(str(path), 300).jpegsave_buffer(Q=85, strip=True)

    def vips_two_sizes(path: Path) -> None:
        # The faster of libvips' two routes (they swap places with load and core count):
        # shrink-on-load twice, or once to 1280 kept in memory and the 300 derived from it.
        vips_two_loads(path) if _two_loads_faster else vips_one_load(path)

    def vips_two_loads(path: Path) -> None:
        pyvips.Image.thumbnail(str(path), 1280).jpegsave_buffer(Q=85, strip=True)
        pyvips.Image.thumbnail(str(path), 300).jpegsave_buffer(Q=85, strip=True)

    def vips_one_load(path: Path) -> None:
        preview = pyvips.Image.thumbnail(str(path), 1280).copy_memory()
        preview.jpegsave_buffer(Q=85, strip=True)
        preview.thumbnail_image(300).jpegsave_buffer(Q=85, strip=True)

    probe = photo_paths(1)
    timings = median_ms({"two": vips_two_loads, "one": vips_one_load}, probe, reps=3)
    _two_loads_faster = timings["two"] < timings["one"]
    route = "two shrink-on-loads" if _two_loads_faster else "one load, 300 from the 1280"
    print(f"pyvips two sizes: {route} was faster here")
    return {"pyvips thumbnail 300": vips_thumbnail, "pyvips 1280 + 300": vips_two_sizes}


def median_ms(
    functions: dict[str, Callable[[Path], None]], paths: list[Path], reps: int
) -> dict[str, float]:
    """ms per photo for each function: the median over reps, then over photos.

    The functions take turns on each photo, so background load on a shared machine falls on
    all of them alike and the ratios stay meaningful.
    """
    per_photo: dict[str, list[float]] = {name: [] for name in functions}
    for path in paths:
        times: dict[str, list[float]] = {name: [] for name in functions}
        for function in functions.values():
            function(path)  # warm the page cache and any lazy initialisation
        for _ in range(reps):
            for name, function in functions.items():
                start = time.perf_counter()
                function(path)
                times[name].append((time.perf_counter() - start) * 1000)
        for name, samples in times.items():
            per_photo[name].append(statistics.median(samples))
    return {name: statistics.median(medians) for name, medians in per_photo.items()}


_RSS_WORKER = """
import resource, sys
from pathlib import Path
from gallery import imaging

def peak_mb():
    # Linux keeps ru_maxrss across exec (a child inherits its parent's peak), so prefer the
    # per-process high-water mark; ru_maxrss is the fallback elsewhere.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

base = peak_mb()
for name in sys.argv[1:]:
    with open(name, "rb") as stream:
        imaging.process(stream)
    with open(name, "rb") as stream:
        imaging.make_thumbnail(stream)
print(base, peak_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_rss_mb(paths: list[Path]) -> tuple[float, float, float]:
    """A fresh worker processing every photo: peak after imports, peak overall, ru_maxrss."""
    result = subprocess.run(
        [sys.executable, "-c", _RSS_WORKER, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    base, peak, maxrss = (float(value) for value in result.stdout.split())
    return base, peak, maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--photos", type=int, default=5)
    args = parser.parse_args()

    paths = photo_paths(args.photos)
    # First, while this process is still small: a forked child starts from our ru_maxrss.
    base_mb, peak_mb, maxrss_mb = peak_rss_mb(paths)
    size_mb = statistics.mean(path.stat().st_size for path in paths) / 1e6
    with Image.open(paths[0]) as first:
        print(f"{len(paths)} photos, {first.width}×{first.height}, {size_mb:.1f} MB on average")

    functions: dict[str, Callable[[Path], None]] = {
        "project full step (300 + 1280 + EXIF)": project_full,
        "project thumbnail only": project_thumbnail,
        "naive Pillow thumbnail": naive_pillow,
        "floor: 1/8 JPEG decode": floor_eighth_decode,
    }
    pyvips = load_pyvips()
    if pyvips is not None:
        functions |= vips_functions(pyvips)

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    results = median_ms(functions, paths, args.reps)
    print(f"load average after:  {os.getloadavg()[0]:.2f}")
    width = max(map(len, results))
    print(f"\n{'step':<{width}}  ms/photo")
    for name, ms in results.items():
        print(f"{name:<{width}}  {ms:8.1f}")

    print()
    thumb_ratio = results["project thumbnail only"] / results["floor: 1/8 JPEG decode"]
    print(f"thumbnail only / floor        {thumb_ratio:5.2f}  (goal ≤ {THUMB_GOAL})")
    naive_ratio = results["project thumbnail only"] / results["naive Pillow thumbnail"]
    print(f"thumbnail only / naive Pillow {naive_ratio:5.2f}")
    if pyvips is not None:
        full_ratio = results["project full step (300 + 1280 + EXIF)"] / results["pyvips 1280 + 300"]
        print(f"full step / pyvips two sizes  {full_ratio:5.2f}  (goal ≤ {FULL_GOAL})")
        vips_ratio = results["project thumbnail only"] / results["pyvips thumbnail 300"]
        print(f"thumbnail only / pyvips 300   {vips_ratio:5.2f}")

    print(
        f"\nworker peak RSS over {len(paths)} photos: {peak_mb:.0f} MB "
        f"(after imports {base_mb:.0f} MB; ru_maxrss {maxrss_mb:.0f} MB; goal < {RSS_GOAL_MB} MB)"
    )


if __name__ == "__main__":
    main()
