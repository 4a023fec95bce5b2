"""What a chat message search asks for, as pure values: the filter, its keyset cursor, its one
error. Pure: no Django, no duckdb, no boto3.

Every rule about a query lives here once: the web side (chats.forms) only turns query-string
text into these values, and a value that breaks a rule raises :class:`BadQuery` naming the
parameter. The SQL is built from these values by :mod:`chats.search.sql`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_QUERY_WORDS",
    "BadQuery",
    "Cursor",
    "MessageFilter",
    "clamp_limit",
]

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_QUERY_WORDS = 32


class BadQuery(ValueError):
    """A query value that cannot be used. ``str()``: ``"<parameter>: <why>"``."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


@dataclass(frozen=True)
class Cursor:
    """Keyset position (date, ts, message_id) of the last row of a page.

    Encoded as URL-safe base64 JSON. It is opaque to clients but not secret: decoding checks
    the shape and types, and the values only ever reach SQL as parameters.
    """

    date: str
    ts: str
    message_id: str

    def encode(self) -> str:
        raw = json.dumps([self.date, self.ts, self.message_id], ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a token made by `encode`; anything else raises BadQuery (a ValueError)."""

        def bad(why: str) -> BadQuery:
            return BadQuery("cursor", f"Invalid cursor: {why}")

        if not token or len(token) > 2048:
            raise bad("empty or too long")
        try:
            padded = token + "=" * (-len(token) % 4)
            raw = base64.urlsafe_b64decode(padded.encode("ascii"))
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeError, binascii.Error, ValueError) as exc:
            raise bad("not a cursor token") from exc
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(part, str) for part in value)
        ):
            raise bad("unexpected content")
        day, ts, message_id = value
        try:
            if dt.date.fromisoformat(day).isoformat() != day:
                raise ValueError(day)
            dt.datetime.fromisoformat(ts)
        except ValueError as exc:
            raise bad("bad date or timestamp") from exc
        if not message_id or len(message_id) > 256:
            raise bad("bad message id")
        return cls(date=day, ts=ts, message_id=message_id)

    @classmethod
    def after_row(cls, row: Mapping[str, object]) -> Cursor:
        """The cursor pointing at a message row as the engines return it (ISO strings)."""
        return cls(date=str(row["date"]), ts=str(row["ts"]), message_id=str(row["message_id"]))


def clamp_limit(limit: int) -> int:
    return max(1, min(MAX_LIMIT, int(limit)))


def _blank_to_none(value: str | None) -> str | None:
    return value if value else None


@dataclass(frozen=True)
class MessageFilter:
    """What a message search asks for. Empty strings mean "no filter"; limit is clamped.

    Raises BadQuery for a rule it breaks: more than MAX_QUERY_WORDS words, a ``date_from``
    after ``date_to``, a cursor that is not one of :class:`Cursor`'s tokens.
    """

    owner: str
    chat: str | None = None
    sender: str | None = None
    q: str | None = None
    date: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    hide_system: bool = False
    only_media: bool = False
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    newest_first: bool = False
    words: tuple[str, ...] = field(init=False, repr=False)
    position: Cursor | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.owner:
            raise ValueError("A message query needs an owner")
        object.__setattr__(self, "chat", _blank_to_none(self.chat))
        object.__setattr__(self, "sender", _blank_to_none(self.sender))
        object.__setattr__(self, "q", _blank_to_none(self.q))
        object.__setattr__(self, "cursor", _blank_to_none(self.cursor))
        object.__setattr__(self, "limit", clamp_limit(self.limit))
        words = tuple(self.q.split()) if self.q else ()
        if len(words) > MAX_QUERY_WORDS:
            raise BadQuery("q", f"search for at most {MAX_QUERY_WORDS} words")
        object.__setattr__(self, "words", words)
        if not words:
            object.__setattr__(self, "q", None)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise BadQuery("from", "must not be after to")
        object.__setattr__(self, "position", Cursor.decode(self.cursor) if self.cursor else None)

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the search (the search page shows results only then)."""
        narrowing = (self.chat, self.sender, self.q, self.date, self.date_from, self.date_to)
        return any(narrowing) or self.hide_system or self.only_media

    def decoded_cursor(self) -> Cursor | None:
        return self.position
