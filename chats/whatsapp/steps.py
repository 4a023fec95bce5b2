"""The per-message steps of :mod:`chats.whatsapp.parser`, in Python and, when built, in C.

Each step here has a C version in ``_speedups.c`` beside it that returns exactly what the Python
does (tests/unit/test_chat_speedups.py compares them on generated input). The C module is
built in place by ``setup.py`` (``make speedups``; `make run` and `make test` do it); where
it is not built (no C compiler, the Glue job) the Python runs and the parser is 2-2.5x slower.

Records are flat: date, time, sender, U+200E, body; five per message, as the header
expression's split gives them (groups of :data:`chats.whatsapp.grammar.SPLIT`).

Pure: no Django, no boto3.
"""

from __future__ import annotations

import datetime
import itertools
import operator
from collections.abc import Callable, Iterable
from itertools import repeat
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) quotes with
from typing import Any, TypeVar

from chats.whatsapp.grammar import (
    BIDI_DELETE,
    DIGITS,
    SPLIT,
    TIME_PARTS,
    DateOrder,
    Layout,
    date_shape,
    time_shape,
)

try:
    from chats.whatsapp import _speedups
except ImportError:  # not built (no C compiler): the Python steps give the same results
    _speedups = None  # type: ignore[assignment]

Row = TypeVar("Row", bound=tuple[Any, ...])

__all__ = [
    "Columns",
    "Dates",
    "Names",
    "Times",
    "columns",
    "date_value",
    "decode",
    "json_rows",
    "rows",
    "splitter",
    "time_value",
    "timestamps",
]


class Dates(dict[bytes, str | None]):
    """Dates as written -> ``YYYY-MM-DDT``, computed on first use.

    None for an impossible date, or one written in another layout than ``shape`` (the
    file's, :func:`chats.whatsapp.grammar.date_shape`; None: any): its line is no header.
    """

    def __init__(self, order: DateOrder, shape: bytes | None = None) -> None:
        super().__init__()
        self.order: DateOrder = order
        self.shape = shape

    def __missing__(self, raw: bytes) -> str | None:
        date = None
        if self.shape is None or date_shape(raw) == self.shape:
            date = date_value(raw, self.order)
        value = self[raw] = None if date is None else date + "T"
        return value


class Times(dict[bytes, str | None]):
    """Times as written -> ``HH:MM:SS``, computed on first use; None for an impossible time
    or one written in another layout than ``shape`` (:func:`chats.whatsapp.grammar.time_shape`).
    """

    def __init__(self, shape: bytes | None = None) -> None:
        super().__init__()
        self.shape = shape

    def __missing__(self, raw: bytes) -> str | None:
        value = None
        if self.shape is None or time_shape(raw) == self.shape:
            value = time_value(raw)
        self[raw] = value
        return value


class Names(dict[bytes | None, str | None]):
    """Senders as written -> text without bidi marks, computed on first use."""

    def __missing__(self, raw: bytes | None) -> str | None:
        value = self[raw] = None if raw is None else decode(raw).translate(BIDI_DELETE)
        return value


def decode(raw: bytes) -> str:
    """Text of UTF-8 bytes; invalid bytes become U+FFFD."""
    return raw.decode("utf-8", "replace")


def date_value(raw: bytes, order: DateOrder) -> str | None:
    """``YYYY-MM-DD`` for a date as written (what precedes a header's time), or None if it is
    not a calendar date."""
    fields = DIGITS.findall(raw)
    if len(fields) != 3:
        return None
    if order == "year-first":
        year, month, day = fields
    elif order == "day-first":
        day, month, year = fields
    else:
        month, day, year = fields
    if len(year) == 2:
        year = b"20" + year
    elif len(year) != 4:
        return None
    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def time_value(raw: bytes) -> str | None:
    """``HH:MM:SS`` (24-hour) for a time as written, or None if it is not a time of day."""
    match = TIME_PARTS.match(raw.decode())
    if match is None:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    half = match[4]
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half in "Pp" else 0)
    if hour > 23:
        return None
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def splitter(layout: Layout) -> Callable[[bytes], list[Any]]:
    """The flat records of a chunk: the header expression's split, in C when it is built."""
    if _speedups is None:
        return SPLIT[layout].split
    ios = layout == "ios"
    return lambda text: _speedups.split(text, ios)


def timestamps(records: list[Any], dates: Dates, times: Times) -> list[str]:
    """``YYYY-MM-DDTHH:MM:SS`` of each record; TypeError if a date or time is impossible."""
    if _speedups is not None:
        return _speedups.timestamps(records, dates, times)
    return list(
        map(
            operator.add,
            map(dates.__getitem__, records[0::5]),
            map(times.__getitem__, records[1::5]),
        )
    )


Columns = tuple[
    list[str | None], list[str], list[bool], list[int], int, Iterable[int], Iterable[int]
]


def columns(records: list[Any], line: int, names: Names, layout: Layout) -> Columns:
    """Columns of flat records: senders, decoded bodies, system flags, header lines, the
    line after them, and the indexes of messages that may hold an attachment (a cheap test;
    :data:`chats.whatsapp.grammar.MEDIA` decides) or be a group event (iOS: a sender and a
    leading U+200E; Android: a double quote in the sender)."""
    if _speedups is not None:
        return _speedups.columns(records, line, names, layout == "ios")
    senders = records[2::5]
    raw = records[4::5]
    lines = list(
        itertools.accumulate(
            map(operator.add, map(bytes.count, raw, repeat(b"\n")), repeat(1)), initial=line
        )
    )
    after = lines.pop()
    bodies = list(map(bytes.decode, raw, repeat("utf-8"), repeat("replace")))
    who = list(map(names.__getitem__, senders))
    system = list(map(operator.is_, senders, repeat(None)))
    if layout == "ios":
        flags: Iterable[bool] = map(
            operator.and_,
            map(operator.is_not, senders, repeat(None)),
            map(operator.is_not, records[3::5], repeat(None)),
        )
    else:
        quoted = {raw: raw is not None and b'"' in raw for raw in set(senders)}
        flags = map(quoted.__getitem__, senders)
    media = map(
        operator.or_,
        map(operator.contains, bodies, repeat("omitted")),
        map(operator.contains, bodies, repeat("attached")),
    )
    count = range(len(bodies))
    return (
        who,
        bodies,
        system,
        lines,
        after,
        itertools.compress(count, media),
        itertools.compress(count, flags),
    )


def rows(row: type[Row], columns: tuple[list[Any], ...]) -> Iterable[Row]:
    """Instances of ``row`` (a named tuple such as :class:`chats.whatsapp.parser.Message`) made from
    columns of equal length, lazily."""
    if _speedups is not None:
        return _speedups.rows(row, columns)
    return map(tuple.__new__, repeat(row), zip(*columns, strict=True))


# One message, as json.dumps({...}, ensure_ascii=False) writes it (keys in this order).
JSON_ROW = (
    '{"timestamp": "%s", "sender": %s, "message": %s, "system": %s, "has_media": %s, "line": %d}'
)
_FLAGS = ("false", "true")


def json_rows(columns: tuple[list[Any], ...]) -> str:
    """Messages given as columns (:class:`chats.whatsapp.parser.MessageColumns`) as JSON
    objects, ``",\\n"`` between them, each as ``json.dumps(message, ensure_ascii=False)``.

    A column at a time rather than a dict and an encoder call per message (3.7 of the 5.2 s
    of ``parse_chat`` on 1M messages went there): strings are quoted by the json module's own
    function, timestamps need no quoting (digits, dashes, colons, a T), the few senders are
    quoted once each, and one %-format per message makes its line. The C version writes
    UTF-8 directly; it declines (None) values the parser never makes, which the Python takes.
    """
    if _speedups is not None:
        done = _speedups.json_rows(columns)
        if done is not None:
            return done
    timestamp, sender, message, system, has_media, line = columns
    quoted = {s: "null" if s is None else encode_basestring(s) for s in set(sender)}
    return ",\n".join(
        map(
            JSON_ROW.__mod__,
            zip(
                timestamp,
                map(quoted.__getitem__, sender),
                map(encode_basestring, message),
                map(_FLAGS.__getitem__, system),
                map(_FLAGS.__getitem__, has_media),
                line,
                strict=True,
            ),
        )
    )
