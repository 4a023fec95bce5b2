"""Silver build time for the 1,000,000-message export (search latency: ``bench_search``).

Run from the project root: ``.venv/bin/python -m tests.benchmarks.bench_silver``
(``--messages N`` for another size). The build is what the chats.ingest_export task runs
after bronze (chats.lake.writer: the streamed parse, the rows and ids of chats.lake.rows, the
per-date files written through ingestion.storage on local disk), with the export's counts
computed as the task does. The five typical searches are defined here and timed by
``bench_search`` on the cached tables the pages use. Goal: build < 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")
os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="bench-silver-")
os.environ.pop("STORAGE_BUCKET", None)

import django
import pyarrow as pa

django.setup()


from chats.lake.rows import silver_column_batches  # noqa: E402  (after django.setup)
from chats.lake.writer import ExportCounts, SilverWriter  # noqa: E402  (after django.setup)
from chats.search.engines import MessageFilter  # noqa: E402  (after django.setup)
from chats.whatsapp.parser import parse_columns  # noqa: E402  (after django.setup)
from tests.benchmarks.chat_export_gen import export_path  # noqa: E402  (after django.setup)

OWNER = "1"
CHAT = "Bench"


def warm_up() -> float:
    """Seconds of the one-time costs a long-lived worker pays once, not per export.

    pyarrow's first conversion of Python objects imports pandas when it is installed (the dev
    environment has it for pyspark; requirements.txt does not): about 0.3 s.
    """
    start = time.perf_counter()
    pa.array(["warm-up"], pa.string())
    return time.perf_counter() - start


def build(path: str) -> tuple[float, ExportCounts, int]:
    start = time.perf_counter()
    writer = SilverWriter(OWNER)
    counts = ExportCounts()
    with open(path, "rb") as stream:
        batches = silver_column_batches(
            parse_columns(stream, "day-first"), owner=OWNER, chat=CHAT, source_file="bench.txt"
        )
        for batch in batches:
            counts.add(batch)
            writer.add(batch)
    stats = writer.finish()
    return time.perf_counter() - start, counts, stats.files_written


def searches() -> dict[str, MessageFilter]:
    return {
        "chat filter": MessageFilter(owner=OWNER, chat=CHAT),
        "sender filter": MessageFilter(owner=OWNER, sender="Alice"),
        "word search": MessageFilter(owner=OWNER, q="station"),
        "date range": MessageFilter(
            owner=OWNER, date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 3, 31)
        ),
        "word + hide_system": MessageFilter(owner=OWNER, q="dinner tonight", hide_system=True),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    path = str(export_path(args.messages))

    print(f"one-time warm-up, not counted: {warm_up():.2f} s")
    seconds, counts, files = build(path)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"silver build: {counts.messages:,} messages in {seconds:.2f} s "
        f"({counts.messages / seconds:,.0f} messages/s), {files:,} date files, "
        f"peak RSS {rss:.0f} MB (goal < 10 s)"
    )
    print("search latency over this silver: python -m tests.benchmarks.bench_search")


if __name__ == "__main__":
    main()
