"""Run the chat statements of `chats.search.sql` on DuckDB (local Parquet) or Athena (PyAthena).

No Django here: the Django side builds an engine from settings and calls its methods. Both
engines return rows as lists of dicts of JSON-friendly values (dates and timestamps as ISO
strings). duckdb and pyathena are imported lazily so either can be absent.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeVar

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
    "DuckDBEngine",
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


# The marker the silver writer replaces with a fresh token after every write
# (chats.lake.files.GENERATION_FILE; spelled here so this module needs no pyarrow).
GENERATION_FILE = "_generation"

# How `chats.search.sql` reads the silver files on DuckDB; the cache loads an owner's rows with the
# same source.
_PARQUET_SOURCE = (
    "read_parquet(?, hive_partitioning = true, "
    "hive_types = {'date': 'VARCHAR'}, union_by_name = true)"
)
_OWNER_SCOPE = f"FROM {_PARQUET_SOURCE} WHERE owner = ?"

# A silver file is always whole on disk (written beside its name and renamed into place), but
# DuckDB opens a file more than once in one read (its footer, then its pages): a writer's
# rename in between fails that read ("Invalid data", "Prefetch registered for bytes outside
# file"). The next attempt reads the new file whole, so such reads are tried again.
_READ_ATTEMPTS: Final = 5
_T = TypeVar("_T")


def _retrying_reads(read: Callable[[], _T]) -> _T:
    import time as clock

    import duckdb

    for attempt in range(1, _READ_ATTEMPTS + 1):
        try:
            return read()
        except (duckdb.CatalogException, duckdb.ProgrammingError):
            raise  # a table evicted meanwhile (the caller's business) or a bad statement
        except duckdb.Error:
            if attempt == _READ_ATTEMPTS:
                raise
            clock.sleep(0.02 * attempt)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _OwnerTable:
    """One owner's silver rows as of a generation token; `table` None when there were none."""

    generation: bytes
    table: str | None


class DuckDBEngine(ChatEngine):
    """Local Parquet through DuckDB: one in-memory database per process, a cursor per thread.

    `silver_root` is the directory holding the `date=YYYY-MM-DD/` partitions
    (`<storage root>/silver/whatsapp`). Until a partition exists every query returns no rows.

    Reading the Parquet files costs a file open per date, which is most of a query's time
    once a chat spans years. So while the writer's generation marker (`GENERATION_FILE`)
    exists, the rows of the `cached_owners` most recently queried owners are kept as tables
    in the database, loaded once per marker token, and statements are built for those
    (`Dialect.duckdb_table`, with the folded message and sender kept beside them for
    searches). Every query reads the marker first, so a write in another process is seen by
    the next query; without a marker (or with `cached_owners=0`) every query reads the files.
    """

    def __init__(self, silver_root: str | Path, *, cached_owners: int = 2) -> None:
        self.silver_root = Path(silver_root)
        self.cached_owners = max(0, cached_owners)
        self._glob = str(self.silver_root / "date=*" / "*.parquet")
        self._dialect = Dialect.duckdb(self._glob)
        self._local = threading.local()
        # _lock guards the database handle and the table map (held briefly); _load_lock
        # makes loads one at a time, so queries on fresh tables never wait for a load.
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._database: tuple[int, Any] | None = None
        self._tables: OrderedDict[str, _OwnerTable] = OrderedDict()
        self._names = itertools.count()

    @classmethod
    def for_storage_root(cls, storage_root: str | Path, *, cached_owners: int = 2) -> DuckDBEngine:
        return cls(Path(storage_root) / "silver" / "whatsapp", cached_owners=cached_owners)

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    def has_data(self) -> bool:
        return any(self.silver_root.glob("date=*/*.parquet"))

    def generation(self) -> bytes | None:
        """The writer's current marker token, or None when there is no marker."""
        try:
            token = (self.silver_root / GENERATION_FILE).read_bytes().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return token or None

    def cached_tables(self) -> dict[str, str | None]:
        """Owner → name of the table holding their rows (None: no rows), least recent first."""
        with self._lock:
            return {owner: entry.table for owner, entry in self._tables.items()}

    def _connection(self) -> Any:
        # One in-memory database per process (a connection must not cross a fork: prefork
        # workers, gunicorn) holding the cached tables; threads each use their own cursor.
        with self._lock:
            if self._database is None or self._database[0] != os.getpid():
                import duckdb

                self._database = (os.getpid(), duckdb.connect(":memory:"))
                self._tables.clear()
            return self._database[1]

    def _cursor(self) -> Any:
        connection = self._connection()
        parent, cursor = getattr(self._local, "cursor", (None, None))
        if cursor is None or parent is not connection:
            cursor = connection.cursor()
            self._local.cursor = (connection, cursor)
        return cursor

    def query(self, owner: str, build: Build) -> list[Row]:
        generation = self.generation() if self.cached_owners else None
        if generation is None:
            return super().query(owner, build)
        import duckdb

        for _attempt in range(2):
            table = self._owner_table(owner, generation)
            if table is None:
                return []
            statement = build(self.scoped_dialect(owner, Dialect.duckdb_table(table)))
            try:
                return self._execute(statement.sql, statement.params)
            except duckdb.CatalogException:
                # Another thread replaced or evicted the table between lookup and query.
                continue
        return super().query(owner, build)

    def run(self, statement: Statement) -> list[Row]:
        if not self.has_data():
            return []
        return self._execute(statement.sql, statement.params)

    def _execute(self, sql: str, params: Sequence[Any]) -> list[Row]:
        def read() -> list[Row]:
            result = self._cursor().execute(sql, params)
            columns = [d[0] for d in result.description]
            return _rows(columns, result.fetchall())

        return _retrying_reads(read)

    def _owner_table(self, owner: str, generation: bytes) -> str | None:
        """The name of the table of `owner`'s rows as of `generation`, loading it if needed."""
        return _retrying_reads(lambda: self._load_owner_table(owner, generation))

    def _load_owner_table(self, owner: str, generation: bytes) -> str | None:
        fresh = self._fresh(owner, generation)
        if fresh is not None:
            return fresh.table
        with self._load_lock:
            fresh = self._fresh(owner, generation)
            if fresh is not None:
                return fresh.table
            connection = self._connection()
            table = None
            if self.has_data():
                # The name is ours, never user input; rows sorted so date ranges skip blocks.
                table = f"silver_owner_{next(self._names)}"
                connection.execute(
                    f'CREATE TABLE "{table}" AS SELECT *, '
                    "strip_accents(lower(message)) AS message_fold, "
                    "strip_accents(lower(sender)) AS sender_fold "
                    f'{_OWNER_SCOPE} ORDER BY "date", ts, message_id',
                    [self._glob, owner],
                )
            with self._lock:
                if self._database is None or self._database[1] is not connection:
                    return table  # forked meanwhile; that database is not ours any more
                stale = [self._tables.pop(owner)] if owner in self._tables else []
                self._tables[owner] = _OwnerTable(generation, table)
                while len(self._tables) > self.cached_owners:
                    stale.append(self._tables.popitem(last=False)[1])
            for entry in stale:
                if entry.table is not None:
                    connection.execute(f'DROP TABLE IF EXISTS "{entry.table}"')
            return table

    def _fresh(self, owner: str, generation: bytes) -> _OwnerTable | None:
        with self._lock:
            if self._database is None or self._database[0] != os.getpid():
                return None
            entry = self._tables.get(owner)
            if entry is None or entry.generation != generation:
                return None
            self._tables.move_to_end(owner)
            return entry


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
