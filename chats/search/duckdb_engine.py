"""The DuckDB chat engine: an owner's silver Parquet rows loaded into an in-memory table on first
use and kept while their generation marker stays the same, queried with the statements of
`chats.search.sql`. duckdb is imported lazily so it can be absent where Athena is used.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from chats.search.engines import Build, ChatEngine, Row, _rows
from chats.search.sql import Dialect, Statement

__all__ = ["GENERATION_FILE", "DuckDBEngine"]


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
_READ_ATTEMPTS: Final = 10  # a writer replaces files rarely; ten misses in a row is a real error
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
