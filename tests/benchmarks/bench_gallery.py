"""Render time and SQL query count of the gallery's first page with 10, 1,000 and 10,000 photos.

A fresh SQLite database in a temp DATA_DIR (or DATABASE_URL if set) gets ledger and Photo rows
(no image work); the page is rendered through Django's test client, as a signed-in owner, the
median of several runs reported. Peers: the same page with 10 photos (a constant-cost page stays
flat), and an OFFSET page deep in the timeline against the keyset cursor that replaces it.

Run: ``.venv/bin/python -m tests.benchmarks.bench_gallery [--photos 10,1000,10000]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-gallery-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from gallery import timeline  # noqa: E402
from gallery.models import Photo  # noqa: E402
from gallery.query import PAGE_SIZE, GalleryQuery, Position  # noqa: E402
from tests.factories.gallery import make_photo_rows  # noqa: E402


def median_ms(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm caches (templates, SQLite pages)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", default="10,1000,10000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    counts = [int(n) for n in args.photos.split(",")]

    setup_test_environment()
    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    print(f"database: {connection.vendor}; page size {PAGE_SIZE}; median of {args.repeat} runs")
    print(f"{'photos':>8} {'queries':>8} {'page ms':>9} {'api ms':>8} {'vs 10':>7}")
    baseline = None
    for index, count in enumerate(counts):
        owner = users.create_user(username=f"bench{index}-{count}", password="x")
        make_photo_rows(owner, count)
        client = Client()
        client.force_login(owner)

        def page(c: Client = client) -> None:
            response = c.get("/photos/")
            assert response.status_code == 200, response.status_code

        def api(c: Client = client) -> None:
            assert c.get("/api/photos").status_code == 200

        with CaptureQueriesContext(connection) as captured:
            page()
        queries = len(captured)  # read now: the next request resets the connection's log
        page_ms, api_ms = median_ms(page, args.repeat), median_ms(api, args.repeat)
        baseline = baseline or page_ms
        print(f"{count:>8} {queries:>8} {page_ms:>9.1f} {api_ms:>8.1f} {page_ms / baseline:>6.2f}×")

    deep_offset(owner, args.repeat)
    return 0


def deep_offset(owner: Any, repeat: int) -> None:
    """Page 60 (photos 7,081-7,200) by OFFSET against the same page by keyset cursor."""
    query = GalleryQuery()
    photos = timeline.photos_for(owner, query).select_related("source")
    total = photos.count()
    skip = min(total - PAGE_SIZE, 59 * PAGE_SIZE)
    if skip <= 0:
        return
    before = photos[skip - 1 : skip].get()
    keyed = GalleryQuery(older=Position(before.taken_at or before.uploaded_at, before.pk))

    def by_offset() -> list[Photo]:
        return list(photos[skip : skip + PAGE_SIZE])

    def by_cursor() -> list[Photo]:
        return timeline.page_of(owner, keyed).photos

    assert [p.pk for p in by_offset()] == [p.pk for p in by_cursor()]
    offset_ms, cursor_ms = median_ms(by_offset, repeat), median_ms(by_cursor, repeat)
    print(
        f"page at offset {skip:,} of {total:,}: OFFSET {offset_ms:.2f} ms, "
        f"keyset cursor {cursor_ms:.2f} ms ({offset_ms / cursor_ms:.1f}× faster)"
    )


if __name__ == "__main__":
    sys.exit(main())
