"""Parameterized SQL over the silver WhatsApp messages, for DuckDB and Athena.

Pure: no Django, no boto3, no duckdb. The values a query is built from (the filter, the
cursor) are chats.search.query's. Every builder returns `Statement`s whose SQL text is made
only of constants from this module (and, for Athena, a table name checked against a strict
identifier pattern); every value that came from a user travels in `params`.

Every statement starts from the same owner-scoped common table expression
(`WITH m AS (SELECT ... FROM <source> WHERE owner = ?)`), so no query can see another
owner's rows whatever its other filters say.

Text matching semantics, the same on both engines:
- `chat` is exact, case-sensitive equality;
- `sender` and the words of `q` ignore case and accents ("joao" finds "João"): both sides are
  folded, `lower()` then accents dropped. DuckDB: `strip_accents(lower(x))`. Trino (Athena)
  has no strip_accents: `normalize(translate(normalize(lower(x), NFD), <marks>, ''), NFC)`
  decomposes, deletes the combining marks of the diacritical-mark blocks (`COMBINING_MARKS`:
  Latin, Greek and Cyrillic accents; DuckDB also drops the marks of other scripts, e.g.
  Hebrew points) and composes again, as DuckDB does.
  Both lower-case code point by code point with the Unicode simple case mapping;
- the sender must equal the folded name; `q` is split on whitespace (Python `str.split()`)
  and each word must occur in the folded message as a substring (`strpos(...) > 0`).
  `strpos` needs no escaping, so `%`, `_`, quotes and backslashes in a word are just text.

The `date` column is a string `YYYY-MM-DD` on both engines (the Athena partition column is a
string; the DuckDB engine reads the Hive partition as VARCHAR), so date bounds are compared as
ISO strings.
"""

# S608 flags every f-string that looks like SQL. This module is where SQL text is assembled,
# and only from its own constants, validated identifiers and placeholders; values go in params.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

from chats.search.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_QUERY_WORDS,
    BadQuery,
    Cursor,
    MessageFilter,
    clamp_limit,
)
from chats.search.text import COMBINING_MARKS, sql_fold

__all__ = [
    "COMBINING_MARKS",
    "COUNT_LIMIT",
    "DEFAULT_LIMIT",
    "MAX_CONTEXT_RADIUS",
    "MAX_LIMIT",
    "MAX_QUERY_WORDS",
    "BadQuery",
    "Cursor",
    "Dialect",
    "MessageFilter",
    "Statement",
    "chat_stats",
    "chat_summaries",
    "clamp_limit",
    "conversation",
    "count_messages",
    "message_context",
    "search_messages",
]

DialectName = Literal["duckdb", "athena"]
SqlParam = str | int | bool

MAX_CONTEXT_RADIUS = 500
# Matches counted at most (the search page then says "over 1,000").
COUNT_LIMIT = 1000

# Glue database and table names: letters, digits and underscores, not starting with a digit.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")

MESSAGE_COLUMNS = (
    "message_id",
    "chat",
    '"date"',
    "ts",
    '"time"',
    "sender",
    "message",
    "word_count",
    "is_system",
    "has_media",
    "source_file",
)
_SELECT_MESSAGE = ", ".join(MESSAGE_COLUMNS)
_BASE_COLUMNS = "owner, " + _SELECT_MESSAGE


class Statement(NamedTuple):
    """One SQL statement and its positional parameters.

    For DuckDB the placeholders are `?`; for Athena they are PyAthena pyformat placeholders
    `%(p0)s`, `%(p1)s`, ... numbered in the order of `params` (see `named_params`).
    """

    sql: str
    params: list[SqlParam]

    def named_params(self) -> dict[str, SqlParam]:
        """The parameters keyed as the Athena placeholders name them."""
        return {f"p{i}": value for i, value in enumerate(self.params)}


@dataclass(frozen=True)
class Dialect:
    """Which engine the SQL is for and what it reads from.

    DuckDB reads `read_parquet(?)` with the Parquet glob passed as a parameter (columns matched
    by name, so files from older and newer silver writers read together), or a table of one
    owner's rows that the engine keeps in memory; Athena reads a configured table. Table names
    are validated here, never taken from a request.

    `folded` says the source also has `message_fold` and `sender_fold` columns holding the
    fold of `message` and `sender` (see the module docstring), which searches then read
    instead of folding every row again (the DuckDB engine's in-memory tables have them).

    `hidden_sources`: source files (bronze keys) whose rows no statement returns: exports
    whose deletion is recorded but whose rows are still in silver.
    """

    name: DialectName
    parquet_glob: str | None = None
    table: str | None = None
    database: str | None = None
    folded: bool = False
    hidden_sources: tuple[str, ...] = ()

    @classmethod
    def duckdb(cls, parquet_glob: str) -> Dialect:
        if not parquet_glob:
            raise ValueError("DuckDB dialect needs a Parquet glob")
        return cls(name="duckdb", parquet_glob=parquet_glob)

    @classmethod
    def duckdb_table(cls, table: str) -> Dialect:
        """A DuckDB table with the silver columns plus `message_fold` and `sender_fold`."""
        if not _IDENTIFIER.fullmatch(table):
            raise ValueError(f"DuckDB table name {table!r} must match {_IDENTIFIER.pattern}")
        return cls(name="duckdb", table=table, folded=True)

    @classmethod
    def athena(cls, table: str, database: str | None = None) -> Dialect:
        for label, value in (("table", table), ("database", database)):
            if value is not None and not _IDENTIFIER.fullmatch(value):
                raise ValueError(f"Athena {label} name {value!r} must match {_IDENTIFIER.pattern}")
        return cls(name="athena", table=table, database=database)


class _Builder:
    """Collects parameters and hands out the dialect's placeholder for each."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.params: list[SqlParam] = []

    def __call__(self, value: SqlParam) -> str:
        self.params.append(value)
        if self.dialect.name == "duckdb":
            return "?"
        return f"%(p{len(self.params) - 1})s"

    def source(self) -> str:
        if self.dialect.parquet_glob is not None:
            glob = self(self.dialect.parquet_glob)
            return (
                f"read_parquet({glob}, hive_partitioning = true, "
                "hive_types = {'date': 'VARCHAR'}, union_by_name = true)"
            )
        assert self.dialect.table is not None
        if self.dialect.database:
            return f'"{self.dialect.database}"."{self.dialect.table}"'
        return f'"{self.dialect.table}"'

    def scoped(self, owner: str, chat: str | None = None) -> str:
        """The owner-scoped CTE every statement starts from."""
        if not owner:
            raise ValueError("A chat query needs an owner")
        source = self.source()
        where = f"owner = {self(owner)}"
        if chat is not None:
            where += f" AND chat = {self(chat)}"
        if self.dialect.hidden_sources:
            hidden = ", ".join(self(source) for source in self.dialect.hidden_sources)
            where += f" AND source_file NOT IN ({hidden})"
        columns = _BASE_COLUMNS + (", message_fold, sender_fold" if self.dialect.folded else "")
        return f"WITH m AS (SELECT {columns} FROM {source} WHERE {where})"

    def fold(self, expression: str) -> str:
        """`expression` lower-cased without accents (see the module docstring)."""
        return sql_fold(self.dialect.name, expression)

    def contains_word(self, word: str) -> str:
        """The message holds `word`, ignoring case and accents."""
        message = "message_fold" if self.dialect.folded else self.fold("message")
        return f"strpos({message}, {self.fold(self(word))}) > 0"

    def is_sender(self, sender: str) -> str:
        """The message is `sender`'s, ignoring case and accents."""
        column = "sender_fold" if self.dialect.folded else self.fold("sender")
        return f"{column} = {self.fold(self(sender))}"

    def timestamp(self, value: str) -> str:
        # Trino casts only the space-separated form; DuckDB accepts it too.
        text = dt.datetime.fromisoformat(value).isoformat(sep=" ")
        return f"CAST({self(text)} AS TIMESTAMP)"

    def keyset(self, cursor: Cursor, op: Literal[">", "<"]) -> str:
        """Rows strictly after (`>`) or before (`<`) the cursor in (date, ts, message_id)."""
        return (
            f'("date" {op} {self(cursor.date)} OR ("date" = {self(cursor.date)} AND '
            f"(ts {op} {self.timestamp(cursor.ts)} OR (ts = {self.timestamp(cursor.ts)} AND "
            f"message_id {op} {self(cursor.message_id)}))))"
        )

    def statement(self, sql: str) -> Statement:
        return Statement(sql, list(self.params))


def _order(descending: bool) -> str:
    direction = "DESC" if descending else "ASC"
    return f'ORDER BY "date" {direction}, ts {direction}, message_id {direction}'


def _conditions(b: _Builder, f: MessageFilter) -> list[str]:
    """The filter's conditions on the rows of `m` (not the cursor)."""
    conditions: list[str] = []
    if f.sender is not None:
        conditions.append(b.is_sender(f.sender))
    for word in f.words:
        conditions.append(b.contains_word(word))
    if f.date is not None:
        conditions.append(f'"date" = {b(f.date.isoformat())}')
    if f.date_from is not None:
        conditions.append(f'"date" >= {b(f.date_from.isoformat())}')
    if f.date_to is not None:
        conditions.append(f'"date" <= {b(f.date_to.isoformat())}')
    if f.hide_system:
        conditions.append("NOT is_system")
    if f.only_media:
        conditions.append("has_media")
    return conditions


def search_messages(dialect: Dialect, f: MessageFilter) -> Statement:
    """One page of messages matching the filter, `f.limit + 1` rows at most.

    The extra row tells the engine whether there is a next page. Raises ValueError for a
    malformed cursor.
    """
    b = _Builder(dialect)
    head = b.scoped(f.owner, f.chat)
    conditions = _conditions(b, f)
    cursor = f.decoded_cursor()
    if cursor is not None:
        conditions.append(b.keyset(cursor, "<" if f.newest_first else ">"))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    limit = b(f.limit + 1)
    return b.statement(
        f"{head} SELECT {_SELECT_MESSAGE} FROM m{where} {_order(f.newest_first)} LIMIT {limit}"
    )


def count_messages(dialect: Dialect, f: MessageFilter, at_most: int = COUNT_LIMIT) -> Statement:
    """How many messages match the filter, whatever the page, counted up to `at_most + 1`
    (one row: `matches`; more than `at_most` reads "over at_most").

    The bound lets a common word stop the scan early: counting every match of a word in a
    million messages took longer than finding the page itself.
    """
    b = _Builder(dialect)
    head = b.scoped(f.owner, f.chat)
    conditions = _conditions(b, f)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    limit = b(max(1, int(at_most)) + 1)
    return b.statement(
        f"{head} SELECT count(*) AS matches FROM (SELECT 1 AS hit FROM m{where} LIMIT {limit}) "
        "AS hits"
    )


def conversation(
    dialect: Dialect,
    owner: str,
    chat: str,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    *,
    backwards: bool = False,
) -> Statement:
    """A page of one chat in reading order, keyset-paginated.

    Without a cursor: the first page (or the last one when `backwards`). With a cursor: the
    page after it (or before it when `backwards`). Rows always come back oldest first; at most
    `limit + 1` rows, the extra one (first row when backwards, last row otherwise) says there
    is more.
    """
    f = MessageFilter(owner=owner, chat=chat, limit=limit, cursor=cursor, newest_first=backwards)
    if f.chat is None:
        raise ValueError("A conversation needs a chat")
    page = search_messages(dialect, f)
    if not backwards:
        return page
    return Statement(f"SELECT * FROM ({page.sql}) AS page {_order(False)}", page.params)


def message_context(
    dialect: Dialect, owner: str, chat: str, message_id: str, radius: int = 20
) -> Statement:
    """The message `message_id` with up to `radius` messages either side, oldest first."""
    radius = max(0, min(MAX_CONTEXT_RADIUS, int(radius)))
    b = _Builder(dialect)
    head = b.scoped(owner, chat)
    anchor_id = b(message_id)
    before_limit = b(radius)
    after_limit = b(radius + 1)
    after = (
        'm."date" > a."date" OR (m."date" = a."date" AND '
        "(m.ts > a.ts OR (m.ts = a.ts AND m.message_id >= a.message_id)))"
    )
    cols = ", ".join(f"m.{c}" for c in MESSAGE_COLUMNS)
    return b.statement(
        f'{head}, a AS (SELECT "date", ts, message_id FROM m WHERE message_id = {anchor_id}'
        " LIMIT 1), "
        f"before_rows AS (SELECT {cols} FROM m, a WHERE NOT ({after}) "
        f'ORDER BY m."date" DESC, m.ts DESC, m.message_id DESC LIMIT {before_limit}), '
        f"after_rows AS (SELECT {cols} FROM m, a WHERE {after} "
        f'ORDER BY m."date", m.ts, m.message_id LIMIT {after_limit}) '
        f"SELECT * FROM (SELECT * FROM before_rows UNION ALL SELECT * FROM after_rows) AS c "
        f"{_order(False)}"
    )


def chat_summaries(dialect: Dialect, owner: str) -> dict[str, Statement]:
    """Statements for the owner's chat list.

    - "chats": chat, messages, media, first_date, last_date, last_ts (latest first)
    - "participants": chat, sender, messages (non-system messages with a sender)
    """
    b = _Builder(dialect)
    chats = b.statement(
        f"{b.scoped(owner)} SELECT chat, count(*) AS messages, "
        "count_if(has_media) AS media, "
        'min("date") AS first_date, max("date") AS last_date, max(ts) AS last_ts '
        "FROM m GROUP BY chat ORDER BY last_ts DESC, chat"
    )
    b = _Builder(dialect)
    participants = b.statement(
        f"{b.scoped(owner)} SELECT chat, sender, count(*) AS messages FROM m "
        "WHERE sender IS NOT NULL AND NOT is_system "
        "GROUP BY chat, sender ORDER BY chat, messages DESC, sender"
    )
    return {"chats": chats, "participants": participants}


def chat_stats(dialect: Dialect, owner: str, chat: str) -> dict[str, Statement]:
    """Statements for one chat's statistics.

    - "totals": messages, system_messages, media, words, senders, first_date, last_date (one row)
    - "senders": sender, messages, words, media (non-system, most active first)
    - "months": month ("YYYY-MM"), messages
    - "heatmap": weekday (1 = Monday … 7 = Sunday, ISO), hour (0-23), messages
    """
    weekday = "isodow(ts)" if dialect.name == "duckdb" else "day_of_week(ts)"

    def build(select: str) -> Statement:
        b = _Builder(dialect)
        return b.statement(f"{b.scoped(owner, chat)} {select}")

    return {
        "totals": build(
            "SELECT count(*) AS messages, count_if(is_system) AS system_messages, "
            "count_if(has_media) AS media, "
            "coalesce(sum(CASE WHEN is_system THEN 0 ELSE word_count END), 0) AS words, "
            "count(DISTINCT sender) AS senders, "
            'min("date") AS first_date, max("date") AS last_date FROM m'
        ),
        "senders": build(
            "SELECT sender, count(*) AS messages, coalesce(sum(word_count), 0) AS words, "
            "count_if(has_media) AS media FROM m "
            "WHERE sender IS NOT NULL AND NOT is_system "
            "GROUP BY sender ORDER BY messages DESC, sender"
        ),
        "months": build(
            'SELECT substr("date", 1, 7) AS month, count(*) AS messages FROM m '
            'GROUP BY substr("date", 1, 7) ORDER BY month'
        ),
        "heatmap": build(
            f"SELECT {weekday} AS weekday, hour(ts) AS hour, count(*) AS messages FROM m "
            f"WHERE NOT is_system GROUP BY {weekday}, hour(ts) ORDER BY weekday, hour"
        ),
    }
