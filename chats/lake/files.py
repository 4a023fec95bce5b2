"""Silver files: one Parquet file per (date, owner), merged by message id. Pure: no Django.

Layout: ``silver/whatsapp/date=YYYY-MM-DD/part-<owner>.parquet``. The date is the Hive
partition and is not stored in the file (DuckDB and Athena take it from the path); every
other column of :data:`chats.lake.rows.SILVER_SCHEMA` is. Each owner's rows of a date live
in one file that a writer reads, merges with new rows and writes back whole, so the local
writer (``chats.lake.writer``) and the Glue job (``deploy/glue``) produce the same files and can
take turns on the same prefix.

After every write the writer also replaces ``silver/whatsapp/_generation`` with a fresh random
token: a reader that caches what it knows of the files (the DuckDB engine) reloads when the
token changes. Its leading underscore keeps it out of Hive/Athena tables and of the
``date=*/*.parquet`` globs.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Iterator
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chats.lake.rows import SILVER_SCHEMA

__all__ = [
    "FILE_SCHEMA",
    "GENERATION_FILE",
    "SILVER_PREFIX",
    "by_date",
    "dates_of",
    "file_key",
    "from_parquet",
    "generation_key",
    "generation_token",
    "merge",
    "parse_file_key",
    "to_parquet",
    "without_chats",
]

SILVER_PREFIX: Final = "silver/whatsapp/"
FILE_SCHEMA: Final = pa.schema([f for f in SILVER_SCHEMA if f.name != "date"])
GENERATION_FILE: Final = "_generation"
_FILE_KEY: Final = re.compile(r"(?:^|/)date=(\d{4}-\d{2}-\d{2})/part-([^/]+)\.parquet$")


def file_key(date: str, owner: str, prefix: str = SILVER_PREFIX) -> str:
    """The key of one owner's rows of one date."""
    return f"{prefix}date={date}/part-{owner}.parquet"


def generation_key(prefix: str = SILVER_PREFIX) -> str:
    """The key of the marker that changes after every silver write."""
    return f"{prefix}{GENERATION_FILE}"


def generation_token() -> bytes:
    """A fresh random token for the generation marker."""
    return secrets.token_hex(16).encode("ascii")


def parse_file_key(key: str) -> tuple[str, str] | None:
    """(date, owner) of a silver file key, or None for any other key."""
    match = _FILE_KEY.search(key)
    return (match[1], match[2]) if match else None


def by_date(table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    """The rows of a silver table (with its ``date`` column) per date, as file tables.

    Within a date rows are in time order, as :func:`merge` leaves them (the sort is stable:
    file order within a timestamp).
    """
    if table.num_rows == 0:
        return
    table = table.take(pc.sort_indices(table, [("date", "ascending"), ("ts", "ascending")]))
    dates = table.column("date").combine_chunks()
    files = table.select(FILE_SCHEMA.names)
    runs = pc.run_end_encode(dates)
    ends = runs.run_ends.to_pylist()
    start = 0
    for date, end in zip(runs.values.to_pylist(), ends, strict=True):
        yield date, files.slice(start, end - start)
        start = end


def dates_of(table: pa.Table) -> set[str]:
    return set(pc.unique(table.column("date")).to_pylist())


def without_chats(
    existing: pa.Table, chats: Collection[str] = (), *, every: bool = False
) -> pa.Table:
    """A file's rows less those of ``chats`` (less all of them when ``every``)."""
    if every:
        return existing.slice(0, 0)
    if not chats:
        return existing
    return existing.filter(pc.invert(pc.is_in(existing.column("chat"), pa.array(list(chats)))))


def merge(existing: pa.Table | None, new: pa.Table) -> pa.Table:
    """Existing rows and the new rows whose message id is not among them.

    The first row of an id wins, existing before new, so a row keeps the source file it came
    from first. The result is ordered by timestamp (stable: file order within a timestamp).
    """
    new = _first_of_each_id(new)
    if existing is None or existing.num_rows == 0:
        merged = new
    else:
        seen = existing.column("message_id")
        new = new.filter(pc.invert(pc.is_in(new.column("message_id"), value_set=seen)))
        merged = pa.concat_tables([existing, new])
    if _ascending(merged.column("ts")):
        return merged
    return merged.take(pc.sort_indices(merged, [("ts", "ascending")]))


def _ascending(values: pa.ChunkedArray) -> bool:
    """Whether ``values`` never decrease (rows usually come in time order: no sort needed)."""
    if len(values) < 2:
        return True
    return bool(pc.all(pc.less_equal(values[:-1], values[1:])).as_py())


def _first_of_each_id(table: pa.Table) -> pa.Table:
    ids = table.column("message_id")
    if len(pc.unique(ids)) == table.num_rows:
        return table
    seen: set[str] = set()
    keep = []
    for value in ids.to_pylist():
        keep.append(value not in seen)
        seen.add(value)
    return table.filter(pa.array(keep))


def to_parquet(table: pa.Table) -> bytes:
    """One file's bytes: snappy, one row group, plain encoding, no column statistics.

    A file holds one owner's messages of one day (about a hundred rows): dictionaries and
    statistics would save readers nothing (the date is in the path, the owner in the name)
    and cost the writer a fifth of its time per file, thousands of files per large chat.
    The Arrow schema is not stored either (a tenth of the time per file): Parquet's own
    types are what DuckDB, Athena and Spark read, and :func:`from_parquet` casts to
    :data:`FILE_SCHEMA` (``ts`` comes back in milliseconds, as Parquet keeps it).
    """
    if not table.schema.equals(FILE_SCHEMA):
        table = table.cast(FILE_SCHEMA)
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression="snappy",
        row_group_size=max(table.num_rows, 1),
        use_dictionary=False,
        write_statistics=False,
        store_schema=False,
    )
    data: bytes = sink.getvalue().to_pybytes()
    return data


def from_parquet(data: bytes | pa.NativeFile) -> pa.Table:
    """A silver file's rows in :data:`FILE_SCHEMA` (columns by name, whoever wrote them)."""
    source = pa.BufferReader(data) if isinstance(data, bytes) else data
    # ParquetFile reads one file without the dataset machinery of pq.read_table.
    table = pq.ParquetFile(source).read(columns=FILE_SCHEMA.names)
    return table if table.schema.equals(FILE_SCHEMA) else table.cast(FILE_SCHEMA)
