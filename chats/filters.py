"""Search parameters from a query string, checked, for the search page and `/api/chats`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from chats.search.sql import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_WORDS, Cursor, MessageFilter

__all__ = ["BadQuery", "SearchParams"]

_TRUE = {"1", "on", "true", "yes"}


class BadQuery(ValueError):
    """A query parameter that cannot be used; the message names it and says why."""


def _date(params: Mapping[str, str], name: str) -> dt.date | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name}: {value!r} is not a date; use YYYY-MM-DD") from None


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = (params.get(name) or "").strip()
    return value or None


@dataclass(frozen=True)
class SearchParams:
    """What the search page and the API accept; `from_query` refuses bad values."""

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

    @classmethod
    def from_query(
        cls, params: Mapping[str, str], *, default_limit: int = DEFAULT_LIMIT
    ) -> SearchParams:
        raw_limit = (params.get("limit") or "").strip()
        if raw_limit:
            try:
                limit = int(raw_limit)
            except ValueError:
                raise BadQuery(f"limit: {raw_limit!r} is not a whole number") from None
            if limit < 1:
                raise BadQuery("limit: must be at least 1")
            limit = min(limit, MAX_LIMIT)
        else:
            limit = default_limit
        cursor = _text(params, "cursor")
        if cursor is not None:
            try:
                Cursor.decode(cursor)
            except ValueError as exc:
                raise BadQuery(f"cursor: {exc}") from None
        q = _text(params, "q")
        if q and len(q.split()) > MAX_QUERY_WORDS:
            raise BadQuery(f"q: search for at most {MAX_QUERY_WORDS} words")
        found = cls(
            chat=_text(params, "chat"),
            sender=_text(params, "sender"),
            q=q,
            date=_date(params, "date"),
            date_from=_date(params, "from"),
            date_to=_date(params, "to"),
            hide_system=(params.get("hide_system") or "").lower() in _TRUE,
            only_media=(params.get("only_media") or "").lower() in _TRUE,
            limit=limit,
            cursor=cursor,
        )
        if found.date_from and found.date_to and found.date_from > found.date_to:
            raise BadQuery("from: must not be after to")
        return found

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.q.split()) if self.q else ()

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the search (a page shows results only then)."""
        narrowing = (self.chat, self.sender, self.q, self.date, self.date_from, self.date_to)
        return any(narrowing) or self.hide_system or self.only_media

    def to_filter(self, owner: str, *, newest_first: bool = False) -> MessageFilter:
        return MessageFilter(
            owner=owner,
            chat=self.chat,
            sender=self.sender,
            q=self.q,
            date=self.date,
            date_from=self.date_from,
            date_to=self.date_to,
            hide_system=self.hide_system,
            only_media=self.only_media,
            limit=self.limit,
            cursor=self.cursor,
            newest_first=newest_first,
        )

    def params(self, **changes: Any) -> str:
        """The query string for these parameters (with `changes`), for links."""
        p = replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        for name, value in (
            ("q", p.q),
            ("chat", p.chat),
            ("sender", p.sender),
            ("date", p.date),
            ("from", p.date_from),
            ("to", p.date_to),
        ):
            if value:
                pairs.append((name, str(value)))
        if p.hide_system:
            pairs.append(("hide_system", "1"))
        if p.only_media:
            pairs.append(("only_media", "1"))
        if p.cursor:
            pairs.append(("cursor", p.cursor))
        return urlencode(pairs)
