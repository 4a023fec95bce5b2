"""Streaming parser for WhatsApp chat exports (Android and iOS "export chat" text files).

Pure: no Django, no boto3. Takes a binary stream and yields :class:`Message` tuples.

Two passes, because the day/month order of a file can only be decided after seeing all
of its headers: pass 1 (:func:`detect_format`) scans the headers, pass 2 yields messages.
:func:`parse` does both itself when the stream is seekable (it seeks back to where it
started); a non-seekable stream is first spooled to a temporary file. A caller that already
knows the order (say, from an earlier :func:`detect_format`) passes ``date_order`` and the
stream is read once.

Memory does not grow with the number of messages: the text is decoded in large chunks and
one compiled regular expression splits each chunk into messages, so the Python-level work
is per message, not per character. Those per-message steps live in :mod:`chats.whatsapp.steps`,
which runs them in C when ``chats/whatsapp/_speedups.c`` is built (same results, 2-2.5x faster).
"""

from __future__ import annotations

import itertools
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from io import BytesIO
from typing import IO, Any, Final, NamedTuple

from chats.whatsapp import steps as parse_steps
from chats.whatsapp.grammar import (
    ANDROID_SYSTEM,
    ATTACHED,
    DIGITS,
    IOS_SYSTEM,
    LAYOUTS,
    MEDIA,
    SPLIT,
    SPLIT_RAW,
    DateOrder,
    Layout,
    is_blank,
    line_regions,
    order_patterns,
    shape,
)

__all__ = [
    "DateOrder",
    "ExportFormat",
    "ExportSummary",
    "Layout",
    "Message",
    "MessageColumns",
    "NotAChatExport",
    "attachment_names",
    "detect_format",
    "parse",
    "parse_bytes",
    "summarize",
]

CHUNK_SIZE: Final = 1 << 20


class NotAChatExport(ValueError):
    """The input is not a WhatsApp chat export; the message says why, for the user."""


class Message(NamedTuple):
    """One message of an export.

    ``timestamp`` is the local time as written in the file, ``YYYY-MM-DDTHH:MM:SS``.
    ``sender`` is None for system messages. ``line`` is the 1-based line of its header.
    """

    timestamp: str
    sender: str | None
    message: str
    system: bool
    has_media: bool
    line: int


class MessageColumns(NamedTuple):
    """Consecutive messages as columns: the fields of :class:`Message`, one list each."""

    timestamp: list[str]
    sender: list[str | None]
    message: list[str]
    system: list[bool]
    has_media: list[bool]
    line: list[int]


class ExportFormat(NamedTuple):
    layout: Layout
    date_order: DateOrder


class ExportSummary(NamedTuple):
    message_count: int
    first_timestamp: str | None
    last_timestamp: str | None
    senders: dict[str, int]
    system_count: int
    media_count: int


def _first_header(regions: Iterator[bytes]) -> tuple[Layout, re.Match[bytes], bytes, int]:
    """Find the first non-blank line, which must be a header; it fixes the layout.

    Returns the layout, the header match, the chunk holding it and the number of newlines
    in the blank chunks before that one.
    """
    newlines = 0
    for region in regions:
        pos = 0
        while True:
            end = region.find(b"\n", pos + 1)
            line = parse_steps.decode(region[pos + 1 : end if end >= 0 else len(region)])
            if not is_blank(line):
                for layout in LAYOUTS:
                    match = SPLIT[layout].match(region, pos)
                    if match and _valid_header(match):
                        return layout, match, region, newlines
                shown = line if len(line) <= 80 else line[:77] + "..."
                raise NotAChatExport(
                    "This is not a WhatsApp chat export: its first line does not start with "
                    f"a date and time like '01/03/2024, 10:15 - ' or '[01/03/2024, 10:15:00] ' "
                    f"(it reads {shown!r})."
                )
            if end < 0:
                break
            pos = end
        newlines += region.count(b"\n")
    raise NotAChatExport("This is not a WhatsApp chat export: the file is empty.")


def detect_format(stream: IO[bytes], *, chunk_size: int = CHUNK_SIZE) -> ExportFormat:
    """Pass 1: the layout (from the first line) and the day/month order (from all headers).

    A 4-digit first field means year-month-day; else any first field over 12 means
    day-first; else any second field over 12 means month-first; else the order under which
    dates go backwards least often; a tie means day-first. Only headers in the first line's
    layout count (one layout per file). Reads the stream as far as it needs to (stopping
    early once a day over 12 comes first) and does not seek back.
    """
    regions = line_regions(stream, chunk_size)
    layout, match, region, _ = _first_header(regions)
    if len(DIGITS.findall(match[1])[0]) == 4:
        return ExportFormat(layout, "year-first")
    first_gt12, second_gt12, all_dates = order_patterns(layout, match[1], match[2])
    month_first_seen = False
    backwards = {"day-first": 0, "month-first": 0}
    previous: tuple[bytes, bytes, bytes] | None = None
    last: dict[str, tuple[int, int, int]] = {}
    for text in _chain_one(region, regions):
        if first_gt12.search(text):
            return ExportFormat(layout, "day-first")
        if month_first_seen:
            continue
        if second_gt12.search(text):
            month_first_seen = True
            continue
        for fields in all_dates.findall(text):
            if fields == previous:
                continue
            previous = fields
            a, b, y = int(fields[0]), int(fields[1]), int(fields[2])
            for order, value in (("day-first", (y, b, a)), ("month-first", (y, a, b))):
                if order in last and value < last[order]:
                    backwards[order] += 1
                last[order] = value
    if month_first_seen or backwards["month-first"] < backwards["day-first"]:
        return ExportFormat(layout, "month-first")
    return ExportFormat(layout, "day-first")


def _valid_header(match: re.Match[bytes]) -> bool:
    orders: tuple[DateOrder, ...] = ("day-first", "month-first", "year-first")
    return parse_steps.time_value(match[2]) is not None and any(
        parse_steps.date_value(match[1], order) is not None for order in orders
    )


def _chain_one(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _merge_invalid(
    records: list[Any], dates: parse_steps.Dates, times: parse_steps.Times
) -> list[Any]:
    """Turn header-looking lines with an impossible date or time, or in another layout than
    the file's, into continuation lines.

    ``records`` here carry the verbatim header first: six fields per message.
    """
    merged: list[Any] = []
    for i in range(0, len(records), 6):
        raw, date, time, _, _, body = records[i : i + 6]
        if dates[date] is not None and times[time] is not None:
            merged.extend(records[i + 1 : i + 6])
        elif merged:
            merged[-1] = merged[-1] + raw + body
        else:
            shown = parse_steps.decode(raw).strip()
            raise NotAChatExport(
                "This is not a WhatsApp chat export: its first header has an impossible date "
                f"or time ({shown!r})."
            )
    return merged


def parse(
    stream: IO[bytes],
    date_order: DateOrder | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Message]:
    """The messages of an export, in file order, read lazily with bounded memory.

    Without ``date_order`` the order is detected first (:func:`detect_format`): a seekable
    stream is read twice, from its current position; a non-seekable one is spooled to a
    temporary file first. The first chunk is read at once, so :class:`NotAChatExport`
    (first non-blank line not a header, fewer than two headers) is raised by this call,
    before any message is returned.
    """
    batches = parse_columns(stream, date_order, chunk_size=chunk_size)
    first = next(batches, None)
    if first is None:
        return iter(())
    # Iterating the chain is C-level; the Python generator resumes once per chunk only.
    return itertools.chain(
        _as_messages(first), itertools.chain.from_iterable(map(_as_messages, batches))
    )


def _as_messages(columns: MessageColumns) -> Iterable[Message]:
    return parse_steps.rows(Message, columns)


def parse_columns(
    stream: IO[bytes],
    date_order: DateOrder | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[MessageColumns]:
    """What :func:`parse` yields, as columns a chunk of the file at a time.

    For callers that want columns anyway (``chats.lake.rows``): no message tuple is made.
    Raises :class:`NotAChatExport` as :func:`parse` does, by this call.
    """
    owned: IO[bytes] | None = None
    if date_order is None:
        if not stream.seekable():
            owned = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115
            shutil.copyfileobj(stream, owned, chunk_size)
            owned.seek(0)
            stream = owned
        start = stream.tell()
        try:
            date_order = detect_format(stream, chunk_size=chunk_size).date_order
        except BaseException:
            if owned is not None:
                owned.close()
            raise
        stream.seek(start)
    batches = _batches(stream, date_order, chunk_size, owned)
    first = next(batches, None)
    if first is None:
        return iter(())
    return itertools.chain((first,), batches)


def parse_bytes(data: bytes, date_order: DateOrder | None = None) -> list[Message]:
    """All messages of an export held in memory (convenient for small files and tests)."""
    return list(parse(BytesIO(data), date_order))


def _batches(
    stream: IO[bytes], order: DateOrder, chunk_size: int, owned: IO[bytes] | None
) -> Iterator[MessageColumns]:
    """The messages of each chunk as columns; nothing until two headers have been seen."""
    try:
        yield from _chunk_batches(stream, order, chunk_size)
    finally:
        if owned is not None:
            owned.close()


def _chunk_batches(
    stream: IO[bytes], order: DateOrder, chunk_size: int
) -> Iterator[MessageColumns]:
    regions = line_regions(stream, chunk_size)
    layout, first, region, newlines = _first_header(regions)
    split = parse_steps.splitter(layout)
    # Caches from what is written to what is returned stay small (distinct dates, times of
    # day and senders) and turn per-message work into C-level dict lookups. One layout per
    # file: a header-like line written otherwise than the first gets no date or time from
    # them, and so is a continuation line (see _merge_invalid).
    date_shape, time_shape = shape(first)
    dates = parse_steps.Dates(order, date_shape)
    times = parse_steps.Times(time_shape)
    names = parse_steps.Names()
    line = newlines + 1
    emitted = 0
    # Records are flat: date, time, sender, U+200E, body; five per message. The last
    # record of a chunk is held back, as the next chunk may continue its body.
    pending: list[Any] = []
    extra: list[bytes] = []  # continuation of the pending message from header-less chunks
    for text in itertools.chain((region,), regions, (None,)):
        records: list[Any]
        if text is None:
            if emitted == 0:
                raise NotAChatExport(
                    "This is not a WhatsApp chat export: it holds only one message header."
                )
            if extra:
                pending[4] += b"".join(extra)
            records, pending = pending, []
            timestamps = parse_steps.timestamps(records, dates, times)
        else:
            records = split(text)
            if len(records) == 1:
                extra.append(text)
                continue
            head: bytes = records[0]
            if pending:
                pending[4] = b"".join([pending[4], *extra, head])
                extra.clear()
            else:
                line += head.count(b"\n")  # blank lines before the first header
            records[0:1] = pending
            try:
                timestamps = parse_steps.timestamps(records, dates, times)
            except TypeError:  # an impossible date or time: not a header after all
                verbatim: list[Any] = SPLIT_RAW[layout].split(text)
                verbatim[0:1] = [b"", *pending] if pending else []
                records = _merge_invalid(verbatim, dates, times)
                timestamps = parse_steps.timestamps(records, dates, times)
            pending = records[-5:]
            timestamps.pop()
            del records[-5:]
        if records:
            emitted += len(timestamps)
            columns, line = _messages(records, timestamps, layout, names, line)
            yield columns


def _messages(
    records: list[Any], timestamps: list[str], layout: Layout, names: parse_steps.Names, line: int
) -> tuple[MessageColumns, int]:
    """Messages from flat records, as columns, and the line after them.

    The per-message work is done by :func:`chats.whatsapp.steps.columns`; Python loops run only
    over the few messages that may be group events or attachments.
    """
    who, bodies, system, lines, after, media_candidates, events = parse_steps.columns(
        records, line, names, layout
    )
    if layout == "ios":
        for i in events:
            if IOS_SYSTEM.fullmatch(bodies[i]):
                system[i], who[i] = True, None
    else:
        for i in events:
            whole = f"{parse_steps.decode(records[5 * i + 2])}: {bodies[i]}"
            if ANDROID_SYSTEM.fullmatch(whole):
                system[i], who[i], bodies[i] = True, None, whole
    media = [False] * len(bodies)
    for i in media_candidates:
        media[i] = MEDIA.search(bodies[i]) is not None
    return MessageColumns(timestamps, who, bodies, system, media, lines), after


def attachment_names(message: str) -> list[str]:
    """File names attached by a message (``<attached: NAME>`` or ``NAME (file attached)``)."""
    return [a or b for a, b in ATTACHED.findall(message)]


def summarize(messages: Iterable[Message]) -> ExportSummary:
    """Count, first and last timestamps, messages per sender, system and media counts."""
    count = system_count = media_count = 0
    first = last = None
    senders: Counter[str] = Counter()
    for message in messages:
        count += 1
        if first is None:
            first = message.timestamp
        last = message.timestamp
        if message.sender is not None:
            senders[message.sender] += 1
        system_count += message.system
        media_count += message.has_media
    return ExportSummary(count, first, last, dict(senders), system_count, media_count)
