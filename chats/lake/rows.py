"""Parsed chat messages -> silver rows (Arrow record batches), plus chat names from file names.

Pure: no Django, no boto3. The silver writer (local worker, ``manage.py build_silver``, the
Glue job) partitions these batches by ``date`` and writes Parquet.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import itertools
import operator
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any, Final, cast

import pyarrow as pa
import pyarrow.compute as pc

from chats.whatsapp.parser import Message, MessageColumns

__all__ = [
    "SILVER_SCHEMA",
    "MessageIds",
    "message_ids",
    "silver_batches",
    "silver_column_batches",
    "silver_table",
]

SILVER_SCHEMA: Final = pa.schema(
    [
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("owner", pa.string(), nullable=False),
        pa.field("chat", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("s"), nullable=False),  # local time as written, no zone
        pa.field("date", pa.string(), nullable=False),  # partition value, YYYY-MM-DD
        pa.field("time", pa.string(), nullable=False),  # HH:MM:SS
        pa.field("sender", pa.string(), nullable=True),
        pa.field("message", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("is_system", pa.bool_(), nullable=False),
        pa.field("has_media", pa.bool_(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
    ]
)

BATCH_ROWS: Final = 50_000
# How many recent timestamps remember the (sender, message) pairs seen at them. Identical
# messages at one timestamp are told apart by their ordinal; WhatsApp exports are in
# arrival order, so a timestamp comes back only briefly (a late delivery), well within this.
_ORDINAL_WINDOW: Final = 4096


class MessageIds:
    """Content-derived message ids, stable across cumulative exports of the same chat.

    sha256 over owner, chat, timestamp, sender, message and the ordinal of the message among
    earlier identical (timestamp, sender, message) ones, as 32 hex digits (128 bits). The
    hashed text is the fields length-prefixed (``<len>:<value>``, lengths in code points; a
    missing sender is ``-``) followed by the ordinal in decimal. The ordinal depends only on
    earlier messages, so a later export that starts with the same messages gives them the
    same ids. Memory stays bounded: only a window of recent timestamps is remembered.

    Ids are made a batch at a time (:meth:`batch`): the texts are assembled by Arrow and only
    the hashing is done per message in Python.
    """

    def __init__(self, owner: str, chat: str) -> None:
        self._prefix = _field(owner) + _field(chat)
        # Timestamp -> how often each (sender, message) came at it. A timestamp first seen in
        # a run without repeated messages keeps just where that run lies, (batch serial,
        # start, end) (a plain tuple of ints, which the garbage collector stops tracking),
        # and is counted only if it comes back; _batches keeps the columns such runs need.
        self._seen: OrderedDict[str, _Counts | tuple[int, int, int]] = OrderedDict()
        self._batches: dict[int, tuple[Sequence[str | None], Sequence[str]]] = {}
        self._serial = 0

    def batch(
        self,
        stamps: Sequence[str],
        senders: Sequence[str | None],
        texts: Sequence[str],
        arrays: tuple[pa.Array, pa.Array, pa.Array] | None = None,
    ) -> pa.StringArray:
        """The ids of the messages given as columns, in order.

        ``arrays``: the same three columns as Arrow strings, when the caller has them.
        """
        rows = len(stamps)
        if arrays is None:
            arrays = (
                pa.array(stamps, pa.string()),
                pa.array(senders, pa.string()),
                pa.array(texts, pa.string()),
            )
        stamp_array, sender_array, text_array = arrays
        keys = pc.binary_join_element_wise(
            _fields(stamp_array),
            pc.fill_null(_fields(sender_array), "-"),
            _fields(text_array),
            "",
        )
        repeated: list[int] = []
        if len(pc.unique(keys)) != rows:
            counts = pc.value_counts(keys)
            twice = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
            repeated = pc.indices_nonzero(pc.is_in(keys, value_set=twice)).to_pylist()
        ordinals = self._ordinals(stamp_array, senders, texts, repeated)
        hashed = pc.binary_join_element_wise(
            self._prefix,
            keys,
            "0" if ordinals is None else pa.array(ordinals, pa.int64()).cast(pa.string()),
            "",
        )
        return _sha256_prefixes(hashed)

    def _ordinals(
        self,
        stamps: pa.Array,
        senders: Sequence[str | None],
        texts: Sequence[str],
        repeated: list[int],
    ) -> list[int] | None:
        """Each message's ordinal (None: all 0), run by run of equal timestamps.

        ``repeated``: the rows (ascending) whose message comes more than once in the batch.
        Only a timestamp seen before or a run holding such a row can give an ordinal above
        0; the messages of other runs are not looked at one by one.
        """
        runs = pc.run_end_encode(stamps)
        seen = self._seen
        serial = self._serial
        self._serial += 1
        self._batches[serial] = (senders, texts)
        if not repeated and self._all_new(runs.values):
            self._remember_new(serial, runs)
            return None
        ordinals: list[int] | None = None
        start = 0
        next_repeated = iter([*repeated, len(stamps)]).__next__
        repeat_at = next_repeated()
        for stamp, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
            repeats = repeat_at < end
            while repeat_at < end:
                repeat_at = next_repeated()
            at = seen.get(stamp)
            if at is None:
                if len(seen) >= _ORDINAL_WINDOW:
                    seen.popitem(last=False)
                if not repeats:
                    seen[stamp] = (serial, start, end)
                    start = end
                    continue
                at = seen[stamp] = {}
            elif isinstance(at, tuple):
                run_senders, run_texts = self._batches[at[0]]
                run = slice(at[1], at[2])
                at = seen[stamp] = Counter(zip(run_senders[run], run_texts[run], strict=True))
            if ordinals is None:
                ordinals = [0] * len(stamps)
            for i in range(start, end):
                key = (senders[i], texts[i])
                ordinal = ordinals[i] = at.get(key, 0)
                at[key] = ordinal + 1
            start = end
        self._forget_batches(serial)
        return ordinals

    def _all_new(self, run_stamps: pa.Array) -> bool:
        """Whether no run's timestamp was seen before, in this batch or earlier ones."""
        if len(pc.unique(run_stamps)) != len(run_stamps):
            return False
        if not self._seen:
            return True
        known = pa.array(list(self._seen), pa.string())
        return not pc.any(pc.is_in(run_stamps, value_set=known)).as_py()

    def _remember_new(self, serial: int, runs: pa.RunEndEncodedArray) -> None:
        """What the loop of :meth:`_ordinals` leaves in the window when every run is new and
        none repeats a message: each run's place, oldest forgotten first; built for the last
        window's worth of runs only."""
        last = runs.values[-_ORDINAL_WINDOW:].to_pylist()
        bounds = [0, *runs.run_ends.to_pylist()][-len(last) - 1 :]
        seen = self._seen
        for _ in range(max(0, len(seen) + len(last) - _ORDINAL_WINDOW)):
            seen.popitem(last=False)
        seen.update(zip(last, zip(repeat(serial), bounds, bounds[1:]), strict=True))
        self._forget_batches(serial)

    def _forget_batches(self, serial: int) -> None:
        # Runs are remembered in insertion order: batches before the oldest are not needed.
        seen = self._seen
        oldest = next((at[0] for at in seen.values() if isinstance(at, tuple)), serial + 1)
        for old in [n for n in self._batches if n < oldest]:
            del self._batches[old]


_Counts = dict[tuple[str | None, str], int]

# Batches at least this long are hashed by DuckDB, which does it without holding the GIL (the
# silver writer's threads go on meanwhile); shorter ones are not worth a query.
_DUCKDB_HASH_ROWS: Final = 4096
_hashers = threading.local()


def _sha256_prefixes(texts: pa.Array) -> pa.Array:
    """The first 32 hex digits of the sha256 of each text's UTF-8."""
    if len(texts) >= _DUCKDB_HASH_ROWS:
        try:
            return _duckdb_sha256_prefixes(texts)
        except ImportError:  # a Glue job need not have DuckDB; hashlib gives the same
            pass
    return _hashlib_sha256_prefixes(texts)


def _duckdb_sha256_prefixes(texts: pa.Array) -> pa.Array:
    import duckdb

    connection = getattr(_hashers, "connection", None)
    if connection is None or _hashers.pid != os.getpid():
        connection = _hashers.connection = duckdb.connect()
        _hashers.pid = os.getpid()
    connection.register("texts", pa.table({"text": texts}))
    try:
        result = connection.sql("SELECT substr(sha256(text), 1, 32) AS id FROM texts")
        return result.to_arrow_table().column("id").combine_chunks().cast(pa.string())
    finally:
        connection.unregister("texts")


def _hashlib_sha256_prefixes(texts: pa.Array) -> pa.Array:
    rows = len(texts)
    digests = map(_DIGEST, map(hashlib.sha256, texts.cast(pa.binary()).to_pylist()))
    hexed = binascii.hexlify(b"".join(digests))  # 64 hex digits per message
    full = pa.StringArray.from_buffers(rows, _hex_offsets(rows), pa.py_buffer(hexed))
    return pc.utf8_slice_codeunits(full, 0, 32)


_DIGEST: Final = operator.methodcaller("digest")


@functools.lru_cache(maxsize=4)
def _hex_offsets(rows: int) -> pa.Buffer:
    """Offsets of ``rows`` strings of 64 characters each."""
    return pa.array(range(0, 64 * rows + 1, 64), pa.int32()).buffers()[1]


def _word_counts(texts: pa.Array) -> pa.Array:
    """``len(text.split())`` of each text, computed by Arrow (same whitespace as Python's)."""
    trimmed = pc.utf8_trim_whitespace(texts)
    words = pc.list_value_length(pc.utf8_split_whitespace(trimmed))
    return pc.if_else(pc.equal(trimmed, ""), 0, words).cast(pa.int32())


def _fields(values: pa.Array) -> pa.Array:
    """Each value length-prefixed, as :func:`_field` does (null stays null)."""
    return pc.binary_join_element_wise(pc.utf8_length(values).cast(pa.string()), values, ":")


def message_ids(owner: str, chat: str, messages: Iterable[Message]) -> Iterator[str]:
    """The :class:`MessageIds` of ``messages``, in order."""
    listed = list(messages)
    if not listed:
        return iter(())
    stamps, senders, texts, *_ = zip(*listed, strict=True)
    return iter(MessageIds(owner, chat).batch(stamps, senders, texts).to_pylist())


def _field(value: str) -> str:
    """Length-prefixed, so that no two different field tuples hash the same text."""
    return f"{len(value)}:{value}"


def silver_batches(
    messages: Iterable[Message],
    *,
    owner: str,
    chat: str,
    source_file: str,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """Silver record batches (:data:`SILVER_SCHEMA`) of at most ``batch_rows`` rows, in order."""
    return silver_column_batches(
        _as_columns(iter(messages)),
        owner=owner,
        chat=chat,
        source_file=source_file,
        batch_rows=batch_rows,
    )


def silver_column_batches(
    chunks: Iterable[MessageColumns],
    *,
    owner: str,
    chat: str,
    source_file: str,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """:func:`silver_batches` of messages given as columns (``parser.parse_columns``)."""
    ids = MessageIds(owner, chat)
    pending: list[list[Any]] = [[] for _ in MessageColumns._fields]
    for chunk in chunks:
        for column, values in zip(pending, cast("tuple[list[Any], ...]", chunk), strict=True):
            column.extend(values)
        while len(pending[0]) >= batch_rows:
            batch = [column[:batch_rows] for column in pending]
            pending = [column[batch_rows:] for column in pending]
            yield _record_batch(batch, ids, owner, chat, source_file)
    if pending[0]:
        yield _record_batch(pending, ids, owner, chat, source_file)


# Messages are turned into columns this many at a time: a message tuple is one object the
# garbage collector tracks, and few of them alive at once keeps its collections cheap.
_SLICE_ROWS: Final = 1024


def _as_columns(messages: Iterator[Message]) -> Iterator[MessageColumns]:
    while part := tuple(zip(*itertools.islice(messages, _SLICE_ROWS), strict=True)):
        yield MessageColumns(*map(list, part))


def _record_batch(
    columns: list[list[Any]], ids: MessageIds, owner: str, chat: str, source_file: str
) -> pa.RecordBatch:
    stamps, senders, texts, system, media, _ = columns
    rows = len(stamps)
    stamp_array = pa.array(stamps, pa.string())
    sender_array = pa.array(senders, pa.string())
    text_array = pa.array(texts, pa.string())
    columns_out = [
        ids.batch(stamps, senders, texts, (stamp_array, sender_array, text_array)),
        pa.array([owner] * rows, pa.string()),
        pa.array([chat] * rows, pa.string()),
        pc.strptime(stamp_array, format="%Y-%m-%dT%H:%M:%S", unit="s"),
        pc.utf8_slice_codeunits(stamp_array, 0, 10),
        pc.utf8_slice_codeunits(stamp_array, 11),
        sender_array,
        text_array,
        _word_counts(text_array),
        pa.array(system, pa.bool_()),
        pa.array(media, pa.bool_()),
        pa.array([source_file] * rows, pa.string()),
    ]
    return pa.RecordBatch.from_arrays(columns_out, schema=SILVER_SCHEMA)


def silver_table(
    messages: Iterable[Message], *, owner: str, chat: str, source_file: str
) -> pa.Table:
    """All silver rows of an export as one table (convenient for one export; not bounded)."""
    batches = silver_batches(messages, owner=owner, chat=chat, source_file=source_file)
    return pa.Table.from_batches(list(batches), schema=SILVER_SCHEMA)
