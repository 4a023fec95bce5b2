"""Render time and SQL query count of the file library with a few thousand files.

A fresh SQLite database in a temp DATA_DIR (or DATABASE_URL if set) gets ledger rows of every
kind, with Photo, ChatExport and Dataset rows made of them and one file in twenty uploaded
twice (no file is written: the page reads only the ledger). Each view is rendered through
Django's test client as a signed-in owner; the median of several runs is reported. Peers: the
same page with 100 files (a page whose cost does not grow with the library stays flat), and
the listing query without the one-row-per-content grouping (what grouping copies costs).

Run: ``.venv/bin/python -m tests.benchmarks.bench_library [--files 100,1000,5000]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-library-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from chats.models import ChatExport  # noqa: E402
from datasets.models import Dataset  # noqa: E402
from gallery.models import Photo  # noqa: E402
from ingestion import library  # noqa: E402
from ingestion.models import Status, StoredObject  # noqa: E402

KINDS = ("photo", "photo", "photo", "photo", "chat", "csv", "zip", "misc", "misc", "archive")
NAMES = {
    "photo": "IMG_{n:05d}.jpg",
    "chat": "WhatsApp Chat with friend {n}.txt",
    "csv": "export {n}.csv",
    "zip": "backup {n}.zip",
    "misc": "document {n}.pdf",
    "archive": "raw {n}.bin",
}
VIEWS = {
    "newest first": "/library/",
    "by name": "/library/?sort=name",
    "search": "/library/?q=12",
    "photos by size": "/library/?kind=photo&sort=-size",
    "page 20": "/library/?page=20",
}


def make_library(owner: Any, count: int) -> None:
    """``count`` ledger rows of every kind with what was made of them; 5% are second copies."""
    now = timezone.now()
    rows = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        copy_of = n - 7 if n % 20 == 19 else n  # the same size and ETag as a file before it
        rows.append(
            StoredObject(
                owner=owner,
                bucket="local",
                key=f"bench/{owner.pk}/{n}",
                etag=f"etag-{owner.pk}-{copy_of}",
                size=1000 + (copy_of * 7919) % 5_000_000,
                kind=kinds_of(copy_of) if copy_of != n else kind,
                original_name=NAMES[kind].format(n=n),
                status=Status.DONE if n % 50 else Status.FAILED,
                created_at=now - timedelta(minutes=count - n),
            )
        )
    objects = StoredObject.objects.bulk_create(rows, batch_size=2000)
    firsts = [o for n, o in enumerate(objects) if n % 20 != 19]
    Photo.objects.bulk_create(
        [
            Photo(
                source=o,
                owner=owner,
                content_hash=o.etag,
                thumbnail_key=f"photos/thumbnails/{owner.pk}/{o.pk}.jpg",
            )
            for o in firsts
            if o.kind == "photo"
        ],
        batch_size=2000,
    )
    ChatExport.objects.bulk_create(
        [
            ChatExport(owner=owner, source=o, chat_name=o.original_name)
            for o in firsts
            if o.kind == "chat"
        ]
    )
    Dataset.objects.bulk_create(
        [Dataset(owner=owner, source=o, name=o.original_name) for o in firsts if o.kind == "csv"]
    )


def kinds_of(n: int) -> str:
    return KINDS[n % len(KINDS)]


def median_ms(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm caches (templates, database pages)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    counts = [int(n) for n in args.files.split(",")]

    setup_test_environment()
    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    print(f"database: {connection.vendor}; 50 files a page; median of {args.repeat} runs (ms)")
    print(f"{'files':>6} {'queries':>8} " + " ".join(f"{name:>15}" for name in VIEWS) + "   vs 100")
    baseline = None
    for index, count in enumerate(counts):
        owner = users.create_user(username=f"bench{index}-{count}", password="x")
        make_library(owner, count)
        client = Client()
        client.force_login(owner)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/library/").status_code == 200
        queries = len(captured)
        figures = {}
        for name, url in VIEWS.items():

            def render(u: str = url, c: Client = client) -> None:
                assert c.get(u).status_code == 200

            figures[name] = median_ms(render, args.repeat)
        baseline = baseline or figures["newest first"]
        ratio = figures["newest first"] / baseline
        print(
            f"{count:>6} {queries:>8} "
            + " ".join(f"{ms:>15.1f}" for ms in figures.values())
            + f"   {ratio:>5.2f}×"
        )
        grouping_cost(owner, args.repeat)
    return 0


def grouping_cost(owner: Any, repeat: int) -> None:
    """The first page's listing query with and without one row per content."""
    query = library.Query()
    grouped = library.listing(owner, query)
    plain = library.visible(owner).select_related("source", "photo", "chat_export", "dataset")
    plain = plain.order_by("-created_at", "-id")

    def with_grouping() -> int:
        return len(list(grouped[:50])) + grouped.count()

    def without() -> int:
        return len(list(plain[:50])) + plain.count()

    a, b = median_ms(with_grouping, repeat), median_ms(without, repeat)
    print(f"{'':>6} first page + count: grouped {a:.1f} ms, ungrouped {b:.1f} ms ({a / b:.1f}×)")


if __name__ == "__main__":
    sys.exit(main())
