"""Silver builds: an owner's bronze exports → its silver files, under the owner's lock.

``build_export_silver`` (after an upload) adds one export's new messages;
``rebuild_chats`` (rename, admin action, ``build_silver --full``, a deleted export) first
drops the chats' rows and writes them again from every bronze export that carries their
names and whose upload is not deleted. Both hold the owner's lock (chats.lake.lock) while
they write, and an import checks that its upload still exists once it holds the lock and
again just before it publishes (generation marker, "built" status). The merging itself is
chats.lake.date_writer's :class:`SilverWriter`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Max, Min
from django.utils import timezone

from chats.lake import glue
from chats.lake.date_writer import SilverWriter, WriteStats, mark_generation, owner_dates
from chats.lake.lock import owner_lock
from chats.lake.rows import silver_column_batches
from chats.models import ChatExport, SilverStatus
from chats.whatsapp.parser import DateOrder, MessageColumns, parse_columns
from ingestion import storage
from ingestion.models import StoredObject

__all__ = [
    "ExportCounts",
    "SilverWriter",
    "SourceDeleted",
    "WriteStats",
    "build_export_silver",
    "count_export",
    "export_batches",
    "mark_generation",
    "rebuild_chats",
    "silver_root_dates",
    "source_alive",
]

log = logging.getLogger(__name__)

DATE_ORDERS: tuple[DateOrder, ...] = ("day-first", "month-first", "year-first")
COUNT_FIELDS = [
    "message_count",
    "media_count",
    "system_count",
    "participants",
    "first_ts",
    "last_ts",
]


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

    def span(self) -> tuple[str, str] | None:
        """First and last date (ISO) of the export's messages, None when it had none."""
        if self.first_ts is None or self.last_ts is None:
            return None
        return self.first_ts.date().isoformat(), self.last_ts.date().isoformat()

    def add_columns(self, columns: MessageColumns) -> None:
        """The same counts from the parser's columns (when no silver rows are made here)."""
        if not columns.timestamp:
            return
        self.messages += len(columns.timestamp)
        self.media += sum(columns.has_media)
        self.system += sum(columns.system)
        self.senders.update(s for s in columns.sender if s is not None)
        low = dt.datetime.fromisoformat(min(columns.timestamp))
        high = dt.datetime.fromisoformat(max(columns.timestamp))
        self.first_ts = low if self.first_ts is None else min(self.first_ts, low)
        self.last_ts = high if self.last_ts is None else max(self.last_ts, high)

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


def count_export(export: ChatExport) -> ExportCounts:
    """The counts of one bronze export, from the parser alone (AWS: Glue makes the rows)."""
    counts = ExportCounts()
    order = export.date_order if export.date_order in DATE_ORDERS else None
    with storage.open_object(export.bronze_key) as handle:
        for columns in parse_columns(handle, order):  # type: ignore[arg-type]  # checked
            counts.add_columns(columns)
    return counts


class SourceDeleted(Exception):
    """The export's upload was deleted (or is being deleted): nothing of it is published."""


def source_alive(export: ChatExport) -> bool:
    """Whether the export's upload still exists and no deletion of it was asked for."""
    return StoredObject.objects.filter(pk=export.source_id, deleted_at__isnull=True).exists()


Written = list[tuple[ChatExport, ExportCounts]]


def _write(
    writer: SilverWriter,
    exports: list[ChatExport],
    purge_dates: Callable[[], Iterable[str]] = lambda: (),
    progress: Callable[[ChatExport, WriteStats], None] | None = None,
) -> tuple[WriteStats, Written]:
    """Write the exports' rows; readers are told (generation marker) only by _publish."""
    done: Written = []
    try:
        for export in exports:
            counts = ExportCounts()
            for batch in export_batches(export, counts):
                writer.add(batch)
            done.append((export, counts))
            if progress is not None:
                progress(export, writer.stats)
        stats = writer.finish(purge_dates())
    except Exception:
        writer.close()
        if writer.stats.files_written or writer.stats.files_deleted:
            # Some files did change: readers must not keep serving what they cached.
            try:
                mark_generation()
            except Exception:
                log.exception("could not write the silver generation marker")
        raise
    return stats, done


def _publish(done: Written) -> None:
    """Tell readers the files changed and record what each export holds."""
    mark_generation()
    now = timezone.now()
    for export, counts in done:
        counts.apply(export)
        export.silver_status = SilverStatus.BUILT
        export.silver_built_at = now
        export.silver_error = ""
        export.save(
            update_fields=[*COUNT_FIELDS, "silver_status", "silver_built_at", "silver_error"]
        )


def _mark_failed(exports: Iterable[ChatExport], exc: Exception) -> None:
    # Outside the owner's lock: on PostgreSQL its transaction is rolled back by the error.
    ChatExport.objects.filter(pk__in=[e.pk for e in exports]).update(
        silver_status=SilverStatus.FAILED, silver_error=f"{type(exc).__name__}: {exc}"
    )


def build_export_silver(export: ChatExport) -> WriteStats:
    """Add one export's messages to silver; those already there (same id) are skipped.

    Runs under the owner's lock (chats.lake.lock). Raises SourceDeleted, leaving none of the
    export's messages in silver, when its upload is deleted before or while it is written:
    the upload is checked once the lock is held and again just before the write is published.

    AWS with a Glue job (chats.lake.glue): the export is counted here and queued for the
    owner's next Glue run, which the lock lets start only with exports that are not deleted.
    """
    if glue.enabled():
        counts = count_export(export)
        counts.apply(export)
        export.silver_status = SilverStatus.PENDING
        export.save(update_fields=[*COUNT_FIELDS, "silver_status"])
        return glue.queue_build(export.owner_id)
    gone = False
    try:
        with owner_lock(export.owner_id):
            if not source_alive(export):
                gone = True
                stats = WriteStats()
            else:
                stats, done = _write(SilverWriter(str(export.owner_id)), [export])
                if source_alive(export):
                    _publish(done)
                else:
                    gone = True
                    _, counts = done[0]
                    span = counts.span()
                    # Deleted while this import ran: its rows go before anyone is told.
                    rebuild_chats(export.owner_id, {export.chat_name}, also_span=span)
    except Exception as exc:
        _mark_failed([export], exc)
        raise
    if gone:
        raise SourceDeleted(f"Export {export.pk} was deleted; none of its messages were kept.")
    return stats


def rebuild_chats(
    owner_id: int,
    chats: Collection[str] | None = None,
    *,
    progress: Callable[[ChatExport, WriteStats], None] | None = None,
    also_span: tuple[str, str] | None = None,
) -> WriteStats:
    """Rewrite the silver rows of the owner's chats (all of them when ``chats`` is None).

    The chats' rows are dropped and written again from every bronze export named like them
    whose upload is not deleted, oldest first; dates where they had rows and have none now
    lose them. ``also_span`` (first and last date, ISO) widens the dates looked at, for rows
    of an export that is gone. Runs under the owner's lock.
    """
    exports = ChatExport.objects.filter(owner_id=owner_id, source__deleted_at__isnull=True).exclude(
        bronze_key=""
    )
    if chats is not None:
        exports = exports.filter(chat_name__in=list(chats))
    chosen: list[ChatExport] = []
    try:
        with owner_lock(owner_id):
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
                    low, high = found["low"].date().isoformat(), found["high"].date().isoformat()
                    spans.append((low, high))
                return {d for d in existing if any(low <= d <= high for low, high in spans)}

            # The span is read before the run: a renamed chat's rows lie in its exports' dates.
            dates = purge_dates()
            if glue.enabled():
                return glue.queue_rebuild(owner_id, chats, dates)
            stats, done = _write(writer, chosen, lambda: dates, progress)
            _publish(done)
    except Exception as exc:
        _mark_failed(chosen, exc)
        raise
    return stats


def silver_root_dates(owner_id: int) -> list[str]:
    """The owner's silver dates, sorted (for pages that list them)."""
    return sorted(owner_dates(str(owner_id)))
