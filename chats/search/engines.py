"""Run the chat statements of `chats.search.sql`: the engine interface, and Athena (PyAthena).
The DuckDB engine (local Parquet) is in `chats.search.duckdb_engine`.

No Django here: the Django side builds an engine from settings and calls its methods. Both
engines return rows as lists of dicts of JSON-friendly values (dates and timestamps as ISO
strings). duckdb and pyathena are imported lazily so either can be absent.
"""

from __future__ import annotations

import dataclasses
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final

from chats.search.sql import (
    DEFAULT_LIMIT,
    Cursor,
    Dialect,
    MessageFilter,
    Statement,
    chat_stats,
    chat_summaries,
    clamp_limit,
    conversation,
    count_messages,
    message_context,
    search_messages,
)

__all__ = [
    "AthenaEngine",
    "ChatEngine",
    "Cursor",
    "MessageFilter",
    "Page",
    "Row",
]

Row = dict[str, Any]
# Makes one statement for the dialect of the source it will run on.
Build = Callable[[Dialect], Statement]


@dataclass(frozen=True)
class Page:
    """A page of message rows, oldest-first unless the filter asked for newest first.

    `next_cursor` continues in the same direction; None means this is the last page.
    """

    rows: list[Row]
    next_cursor: str | None


# Most values are already JSON's: one set lookup spares them the isinstance checks below
# (a page of 200 rows holds some 2,000 values; the checks were a third of a cached search).
_JSON_TYPES: Final = frozenset({str, int, bool, float, type(None)})


def _json_value(value: Any) -> Any:
    if type(value) in _JSON_TYPES:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _rows(columns: Sequence[str], records: Sequence[Sequence[Any]]) -> list[Row]:
    return [
        {column: _json_value(value) for column, value in zip(columns, record, strict=True)}
        for record in records
    ]


def _page(rows: list[Row], limit: int, *, extra_at_start: bool = False) -> Page:
    if len(rows) <= limit:
        return Page(rows=rows, next_cursor=None)
    if extra_at_start:
        rows = rows[1:]
        return Page(rows=rows, next_cursor=Cursor.after_row(rows[0]).encode())
    rows = rows[:limit]
    return Page(rows=rows, next_cursor=Cursor.after_row(rows[-1]).encode())


class ChatEngine(ABC):
    """Runs the statements of `chats.search.sql`; subclasses say how and where."""

    @property
    @abstractmethod
    def dialect(self) -> Dialect: ...

    @abstractmethod
    def run(self, statement: Statement) -> list[Row]:
        """Execute one statement and return its rows as JSON-friendly dicts."""

    _hidden: Callable[[str], Sequence[str]] | None = None

    def hide_sources(self, hidden: Callable[[str], Sequence[str]]) -> None:
        """Have every query leave out the rows of the source files `hidden(owner)` names
        (exports being deleted, whose rows silver still holds)."""
        self._hidden = hidden

    def scoped_dialect(self, owner: str, dialect: Dialect) -> Dialect:
        hidden = tuple(self._hidden(owner)) if self._hidden is not None else ()
        return dataclasses.replace(dialect, hidden_sources=hidden) if hidden else dialect

    def query(self, owner: str, build: Build) -> list[Row]:
        """Rows of the statement `build` makes for a query of `owner`'s rows.

        Engines may run it on a narrower source holding only that owner's rows; here, on the
        whole silver table.
        """
        return self.run(build(self.scoped_dialect(owner, self.dialect)))

    def search(self, f: MessageFilter) -> Page:
        """Messages matching `f`, one page (`f` checked its cursor when it was made)."""
        return _page(self.query(f.owner, lambda d: search_messages(d, f)), f.limit)

    def count(self, f: MessageFilter) -> int:
        """How many messages match `f` on all its pages, counted up to COUNT_LIMIT + 1."""
        rows = self.query(f.owner, lambda d: count_messages(d, f))
        return int(rows[0]["matches"]) if rows else 0

    def conversation(
        self,
        owner: str,
        chat: str,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        backwards: bool = False,
    ) -> Page:
        """A page of one chat, oldest first; `backwards` pages towards older messages.

        With `backwards`, `next_cursor` points at the first (oldest) row of the page, so
        passing it back with `backwards=True` gives the page before.
        """
        rows = self.query(
            owner, lambda d: conversation(d, owner, chat, cursor, limit, backwards=backwards)
        )
        return _page(rows, clamp_limit(limit), extra_at_start=backwards)

    def message_context(
        self, owner: str, chat: str, message_id: str, radius: int = 20
    ) -> list[Row]:
        """The message and up to `radius` neighbours either side; [] if it does not exist."""
        return self.query(owner, lambda d: message_context(d, owner, chat, message_id, radius))

    def senders(self, owner: str, chat: str) -> list[Row]:
        """The chat's senders, most active first: {sender, messages, words, media}."""
        return self.query(owner, lambda d: chat_stats(d, owner, chat)["senders"])

    def chat_summaries(self, owner: str) -> list[Row]:
        """One row per chat: chat, messages, media, first_date, last_date, last_ts and
        participants (list of {sender, messages}, most active first). Latest chat first.
        """
        chats = self.query(owner, lambda d: chat_summaries(d, owner)["chats"])
        by_chat: dict[str, list[Row]] = {}
        for row in self.query(owner, lambda d: chat_summaries(d, owner)["participants"]):
            by_chat.setdefault(row["chat"], []).append(
                {"sender": row["sender"], "messages": row["messages"]}
            )
        for row in chats:
            row["participants"] = by_chat.get(row["chat"], [])
        return chats

    def chat_stats(self, owner: str, chat: str) -> dict[str, Any]:
        """Statistics of one chat.

        {"totals": {messages, system_messages, media, words, senders, first_date, last_date},
         "senders": [{sender, messages, words, media}],
         "months": [{month, messages}],
         "heatmap": [{weekday (1 = Monday), hour, messages}]}
        """

        def one(name: str) -> Build:
            return lambda dialect: chat_stats(dialect, owner, chat)[name]

        results = {
            name: self.query(owner, one(name)) for name in chat_stats(self.dialect, owner, chat)
        }
        totals = results.pop("totals")
        return {"totals": totals[0] if totals else {}, **results}


class AthenaEngine(ChatEngine):
    """The silver table in the Glue catalog, queried through PyAthena.

    One connection per thread, opened on first use. `table` and `database` are validated as
    plain identifiers. `endpoint_url`: an Athena-compatible server instead of AWS's.
    """

    def __init__(
        self,
        work_group: str,
        database: str,
        s3_staging_dir: str,
        region: str,
        table: str,
        endpoint_url: str | None = None,
    ) -> None:
        self._dialect = Dialect.athena(table, database)
        self.work_group = work_group
        self.database = database
        self.s3_staging_dir = s3_staging_dir
        self.region = region
        self.endpoint_url = endpoint_url or None
        self._local = threading.local()

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            from pyathena import connect

            options: dict[str, Any] = {
                "work_group": self.work_group,
                "schema_name": self.database,
                "s3_staging_dir": self.s3_staging_dir or None,
                "region_name": self.region,
            }
            if self.endpoint_url:
                options["endpoint_url"] = self.endpoint_url
            connection = connect(**options)
            self._local.connection = connection
        return connection

    def run(self, statement: Statement) -> list[Row]:
        cursor = self._connection().cursor()
        try:
            cursor.execute(statement.sql, statement.named_params(), paramstyle="pyformat")
            columns = [d[0] for d in cursor.description or ()]
            return _rows(columns, cursor.fetchall())
        finally:
            cursor.close()
