"""The silver writer: bronze exports → Parquet rows by date, through ingestion.storage.

One run (:class:`SilverWriter`) belongs to one owner. Messages stream from the parser in
bounded record batches (``chats.lake.rows``); rows are held per date only until the export
moves past that date, then the date's file (``chats.lake.files``) is read, merged by message
id and written back whole by one background thread while parsing goes on. An export that
goes back to a date already written merges with it again, so nothing is lost or doubled, and
only the dates an export touches are rewritten.

``build_export_silver`` (after an upload) adds one export's new messages;
``rebuild_chats`` (rename, admin action, ``build_silver --full``) first drops the chats'
rows and writes them again from every bronze export that carries their names.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zlib
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Max, Min
from django.utils import timezone

from chats.lake.files import (
    SILVER_PREFIX,
    by_date,
    file_key,
    from_parquet,
    generation_key,
    generation_token,
    merge,
    parse_file_key,
    without_chats,
)
from chats.lake.files import to_parquet as file_bytes
from chats.lake.rows import silver_column_batches
from chats.models import ChatExport, SilverStatus
from chats.whatsapp.parser import DateOrder, parse_columns
from ingestion import storage

log = logging.getLogger(__name__)

# Writes queued behind the parser before it waits: bounds the rows held in memory. A batch
# of 50,000 messages spans some 500 dates of a busy chat; with fewer queued, the writers ran
# dry while the next batch was made (1M messages: 11.1-11.7 s with 16, 9.7-10.2 with 512).
MAX_QUEUED_WRITES = 512
# Writer threads; a date always goes to the same one, so its writes stay in order. Encoding
# Parquet and file I/O release the GIL, so they overlap the parsing and each other.
WRITER_THREADS = 2
DATE_ORDERS: tuple[DateOrder, ...] = ("day-first", "month-first", "year-first")


@dataclass
class WriteStats:
    rows_added: int = 0
    files_written: int = 0
    files_deleted: int = 0
    dates: set[str] = field(default_factory=set)


def mark_generation() -> bytes:
    """Replace ``silver/whatsapp/_generation`` with a fresh token; returns the token.

    Readers that cache silver (the DuckDB engine) compare it to know when to reload.
    """
    token = generation_token()
    storage.save_bytes(generation_key(), token, content_type="text/plain")
    return token


def owner_dates(owner: str) -> set[str]:
    """Dates for which the owner has a silver file."""
    found = set()
    for key in storage.list_keys(SILVER_PREFIX):
        parsed = parse_file_key(key)
        if parsed is not None and parsed[1] == owner:
            found.add(parsed[0])
    return found


class SilverWriter:
    """Merge record batches of one owner's messages into that owner's silver files.

    ``drop_chats`` / ``drop_all``: rows of those chats (or all the owner's rows) already in a
    file are dropped the first time the run writes that file; ``finish(purge_dates)`` does
    the same to files of those dates the run did not otherwise touch.
    """

    def __init__(
        self, owner: str, *, drop_chats: Collection[str] = (), drop_all: bool = False
    ) -> None:
        self.owner = owner
        self.drop_chats = frozenset(drop_chats)
        self.drop_all = drop_all
        self.stats = WriteStats()
        self._existing = owner_dates(owner)
        self._written: set[str] = set()
        # Per date: pieces of rows, each with whether its message ids are distinct.
        self._buffer: dict[str, list[tuple[pa.Table, bool]]] = {}
        self._queue: deque[Future[None]] = deque()
        self._pools = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"silver-writer-{n}")
            for n in range(WRITER_THREADS)
        ]
        self._lock = threading.Lock()

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        # An export repeats an id only if a timestamp comes back after its ordinal window
        # forgot it: checked once per batch rather than once per file.
        distinct = pc.count_distinct(batch.column("message_id")).as_py() == batch.num_rows
        for date, rows in by_date(pa.Table.from_batches([batch])):
            self._buffer.setdefault(date, []).append((rows, distinct))
        # The export may go on with the date of its last row; every other date is complete
        # (or, if the export comes back to it, merged again).
        tail = batch.column("date")[-1].as_py()
        for date in [d for d in self._buffer if d != tail]:
            self._submit(date)

    def finish(self, purge_dates: Iterable[str] = ()) -> WriteStats:
        """Write what is buffered, clean the purge dates, wait for every write."""
        try:
            for date in list(self._buffer):
                self._submit(date)
            while self._queue:
                self._queue.popleft().result()
            for date in sorted(set(purge_dates) - set(self._written)):
                self._wait(self._pool(date).submit(self._write, date, None))
            while self._queue:
                self._queue.popleft().result()
        finally:
            self.close()
        return self.stats

    def close(self) -> None:
        """Let the writes already started end, drop the queued ones (after an error)."""
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)

    def _pool(self, date: str) -> ThreadPoolExecutor:
        return self._pools[zlib.crc32(date.encode()) % len(self._pools)]

    def _submit(self, date: str) -> None:
        pieces = self._buffer.pop(date)
        if len(pieces) == 1:
            new, ready = pieces[0]
        else:
            new, ready = pa.concat_tables([rows for rows, _ in pieces]), False
        self._wait(self._pool(date).submit(self._write, date, new, ready))

    def _wait(self, future: Future[None]) -> None:
        self._queue.append(future)
        while len(self._queue) > MAX_QUEUED_WRITES:
            self._queue.popleft().result()

    def _write(self, date: str, new: pa.Table | None, ready: bool = False) -> None:
        """Runs on the date's writer thread, in submission order for that date.

        ``ready``: ``new`` is one piece of a batch (in time order, see ``by_date``) with
        distinct ids, so without an existing file it is the file as it stands.
        """
        key = file_key(date, self.owner)
        existing = from_parquet(storage.read_bytes(key)) if date in self._existing else None
        before = existing.num_rows if existing is not None else 0
        if existing is not None and date not in self._written:
            existing = without_chats(existing, self.drop_chats, every=self.drop_all)
        self._written.add(date)
        kept = existing.num_rows if existing is not None else 0
        if new is None:
            if existing is None:
                return
            merged = existing
        else:
            merged = new if existing is None and ready else merge(existing, new)
        if existing is not None and before == kept == merged.num_rows:
            return  # nothing dropped, nothing new: the file stays as it is
        if merged.num_rows == 0:
            storage.delete(key)
            self._existing.discard(date)
            with self._lock:
                self.stats.dates.add(date)
                self.stats.files_deleted += 1
            return
        _save_file(key, file_bytes(merged))
        self._existing.add(date)
        with self._lock:
            self.stats.dates.add(date)
            self.stats.rows_added += merged.num_rows - kept
            self.stats.files_written += 1


def _save_file(key: str, data: bytes) -> None:
    storage.save_bytes(key, data, content_type="application/vnd.apache.parquet")


@dataclass
class ExportCounts:
    """What the rows of one export say about it (computed on the Arrow batches)."""

    messages: int = 0
    media: int = 0
    system: int = 0
    senders: Counter[str] = field(default_factory=Counter)
    first_ts: dt.datetime | None = None
    last_ts: dt.datetime | None = None

    def add(self, batch: pa.RecordBatch) -> None:
        self.messages += batch.num_rows
        self.media += int(pc.sum(batch.column("has_media")).as_py() or 0)
        self.system += int(pc.sum(batch.column("is_system")).as_py() or 0)
        for item in pc.value_counts(batch.column("sender").drop_null()).to_pylist():
            self.senders[item["values"]] += item["counts"]
        low, high = pc.min_max(batch.column("ts")).values()
        low_ts, high_ts = low.as_py(), high.as_py()
        self.first_ts = low_ts if self.first_ts is None else min(self.first_ts, low_ts)
        self.last_ts = high_ts if self.last_ts is None else max(self.last_ts, high_ts)

    def apply(self, export: ChatExport) -> None:
        export.message_count = self.messages
        export.media_count = self.media
        export.system_count = self.system
        export.participants = [name for name, _ in self.senders.most_common()]
        export.first_ts = _as_utc(self.first_ts)
        export.last_ts = _as_utc(self.last_ts)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    # The wall-clock time as written; stored as UTC so that the database shows it unchanged.
    return None if value is None else value.replace(tzinfo=dt.UTC)


def export_batches(
    export: ChatExport, counts: ExportCounts | None = None
) -> Iterator[pa.RecordBatch]:
    """The silver batches of one bronze export (read once, streamed)."""
    order = export.date_order if export.date_order in DATE_ORDERS else None
    with storage.open_object(export.bronze_key) as handle:
        batches = silver_column_batches(
            parse_columns(handle, order),  # type: ignore[arg-type]  # checked against DATE_ORDERS
            owner=str(export.owner_id),
            chat=export.chat_name,
            source_file=export.bronze_key,
        )
        for batch in batches:
            if counts is not None:
                counts.add(batch)
            yield batch


def _run(
    writer: SilverWriter,
    exports: list[ChatExport],
    purge_dates: Callable[[], Iterable[str]] = lambda: (),
    progress: Callable[[ChatExport, WriteStats], None] | None = None,
) -> WriteStats:
    done: list[tuple[ChatExport, ExportCounts]] = []
    try:
        for export in exports:
            counts = ExportCounts()
            for batch in export_batches(export, counts):
                writer.add(batch)
            done.append((export, counts))
            if progress is not None:
                progress(export, writer.stats)
        stats = writer.finish(purge_dates())
    except Exception as exc:
        writer.close()
        if writer.stats.files_written or writer.stats.files_deleted:
            # Some files did change: readers must not keep serving what they cached.
            try:
                mark_generation()
            except Exception:
                log.exception("could not write the silver generation marker")
        for export in exports:
            ChatExport.objects.filter(pk=export.pk).update(
                silver_status=SilverStatus.FAILED, silver_error=f"{type(exc).__name__}: {exc}"
            )
        raise
    mark_generation()
    now = timezone.now()
    for export, counts in done:
        counts.apply(export)
        export.silver_status = SilverStatus.BUILT
        export.silver_built_at = now
        export.silver_error = ""
        export.save(
            update_fields=[
                "message_count",
                "media_count",
                "system_count",
                "participants",
                "first_ts",
                "last_ts",
                "silver_status",
                "silver_built_at",
                "silver_error",
            ]
        )
    return stats


def build_export_silver(export: ChatExport) -> WriteStats:
    """Add one export's messages to silver; those already there (same id) are skipped."""
    writer = SilverWriter(str(export.owner_id))
    return _run(writer, [export])


def rebuild_chats(
    owner_id: int,
    chats: Collection[str] | None = None,
    *,
    progress: Callable[[ChatExport, WriteStats], None] | None = None,
    also_span: tuple[str, str] | None = None,
) -> WriteStats:
    """Rewrite the silver rows of the owner's chats (all of them when ``chats`` is None).

    The chats' rows are dropped and written again from every bronze export named like them,
    oldest first; dates where they had rows and have none now lose them. ``also_span``
    (first and last date, ISO) widens the dates looked at, for rows of an export that is gone.
    """
    exports = ChatExport.objects.filter(owner_id=owner_id).exclude(bronze_key="")
    if chats is not None:
        exports = exports.filter(chat_name__in=list(chats))
    chosen = list(exports.order_by("created_at", "pk"))
    writer = SilverWriter(str(owner_id), drop_chats=chats or (), drop_all=chats is None)

    def purge_dates() -> set[str]:
        existing = owner_dates(str(owner_id))
        if chats is None:
            return existing
        spans = [also_span] if also_span else []
        found = ChatExport.objects.filter(pk__in=[e.pk for e in chosen]).aggregate(
            low=Min("first_ts"), high=Max("last_ts")
        )
        if found["low"] is not None:
            spans.append((found["low"].date().isoformat(), found["high"].date().isoformat()))
        return {d for d in existing if any(low <= d <= high for low, high in spans)}

    # The span is read before the run: a renamed chat's rows lie in its exports' dates.
    dates = purge_dates()
    return _run(writer, chosen, lambda: dates, progress)


def silver_root_dates(owner_id: int) -> list[str]:
    """The owner's silver dates, sorted (for pages that list them)."""
    return sorted(owner_dates(str(owner_id)))


def glue_manifest(exports: Iterable[ChatExport]) -> list[dict[str, str]]:
    """The Glue job's manifest lines (deploy/glue/whatsapp_silver_job.py), in upload order."""
    chosen = sorted((e for e in exports if e.bronze_key), key=lambda e: (e.created_at, e.pk))
    return [
        {
            "key": e.bronze_key,
            "owner": str(e.owner_id),
            "chat": e.chat_name,
            "date_order": e.date_order,
        }
        for e in chosen
    ]
