"""Merge one owner's silver rows into its per-date Parquet files, through ingestion.storage.

One run (:class:`SilverWriter`) belongs to one owner and runs under that owner's lock
(chats.lake.lock: a writer reads each date file, merges and writes it back whole, so two at
once would lose rows). Messages stream from the parser in bounded record batches
(``chats.lake.rows``); rows are held per date only until the export moves past that date,
then the date's file (``chats.lake.files``) is read, merged by message id and written back
whole by one background thread while parsing goes on. An export that goes back to a date
already written merges with it again, so nothing is lost or doubled, and only the dates an
export touches are rewritten. What runs the writer over exports: chats.lake.writer.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections import deque
from collections.abc import Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

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
from ingestion import storage

log = logging.getLogger(__name__)

# Writes queued behind the parser before it waits: bounds the rows held in memory. A batch
# of 50,000 messages spans some 500 dates of a busy chat; with fewer queued, the writers ran
# dry while the next batch was made (1M messages: 11.1-11.7 s with 16, 9.7-10.2 with 512).
MAX_QUEUED_WRITES = 512
# Writer threads; a date always goes to the same one, so its writes stay in order. Encoding
# Parquet and file I/O release the GIL, so they overlap the parsing and each other.
WRITER_THREADS = 2


@dataclass
class WriteStats:
    rows_added: int = 0
    files_written: int = 0
    files_deleted: int = 0
    dates: set[str] = field(default_factory=set)
    # AWS: the Glue run that writes these rows ("queued": the one after the running run).
    glue_run: str = ""


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
