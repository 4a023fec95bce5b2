"""AWS Glue (Spark) job: bronze WhatsApp exports → silver Parquet, as chats.lake.writer writes it.

The same pure modules the web app runs do the work: ``chats.whatsapp.parser`` reads an export
(with ``chats.whatsapp.grammar``, its grammar, and ``chats.whatsapp.steps``, its per-message
steps, here in Python: the C versions are not shipped), ``chats.lake.rows`` makes its rows and
content-derived message ids, ``chats.lake.files`` names, merges and encodes the files. No
Django here. deploy/terraform/glue.tf uploads them (the list is deploy/glue/modules.txt) to
``s3://<bucket>/glue/python/`` and passes that as ``--python_modules``: the job zips the tree
and hands it to Spark (``addPyFile``), so the driver and every executor import the same code.
Its parameters::

    --python_modules s3://<bucket>/glue/python/   (job default)
    --bronze_root s3://<bucket>  --silver_root s3://<bucket>/silver/whatsapp   (job defaults)
    --manifest s3://<bucket>/glue/manifests/<run>.jsonl   (per run)

The manifest has one JSON object per export, in upload order::

    {"key": "bronze/whatsapp/owner=7/year=2024/month=03/12.txt", "owner": "7",
     "chat": "Anna", "date_order": "day-first"}

and, for a rebuild (a renamed chat, a deleted export, ``build_silver --full``), first a line
saying which rows of an owner go before the exports are added again::

    {"drop": {"owner": "7", "chats": ["Anna"], "all": false, "dates": ["2024-03-13", ...]}}

(the chat name and date order live in the database, so whoever starts the run writes them;
``chats.lake.glue.glue_manifest`` does, and chats.lake.glue starts one run per owner at a
time). Spark spreads the exports over executors, one task per export (a message id's ordinal
depends on the messages before it in its file), shuffles rows by (date, owner) and writes each
``date=YYYY-MM-DD/part-<owner>.parquet`` merged by message id with what the file already holds,
exactly as the local writer does: a later cumulative export adds only its new messages, and
only the dates it touches are rewritten. A rebuild drops the chats' rows from every file of the
owner the run writes and from the files of the dates it names (a file left empty is deleted).
An export whose bronze object is gone (deleted since the run was queued) is skipped.

S3 is read and written through ``pyarrow.fs`` (Glue 5.0 ships pyarrow; its S3FileSystem takes
the job role's credentials from the environment like boto3), never through Spark's paths. The
role may list only under ``bronze/whatsapp/``, ``silver/`` and ``glue/python/``
(deploy/terraform/iam.tf), so the job never asks S3 about a key that may be missing nor about
the bucket itself: S3 answers a HEAD of a missing key with 404 only to a caller allowed to list
the whole bucket (403 otherwise), and pyarrow's ``create_dir`` starts with a HEAD of the bucket.
Whether a file exists is read from a listing of its directory (:func:`find_file`), and
directories are made only on a local file system (tests, ``file://`` roots).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs

# On Glue the chats modules are importable only once ship_modules has run; the names below are
# bound by _import_modules() then (in tests, at import: the repository is on sys.path).
try:
    from chats.lake.files import (
        FILE_SCHEMA,
        file_key,
        from_parquet,
        merge,
        to_parquet,
        without_chats,
    )
    from chats.lake.rows import silver_batches
    from chats.whatsapp.parser import DateOrder, parse
except ImportError:  # pragma: no cover - only on Glue before ship_modules
    pass

Export = dict[str, str]
# What a rebuild drops of one owner: {"owner", "chats", "all", "dates"}.
Drop = dict[str, Any]
# ((date, owner), (export index, row index, row values in FILE_SCHEMA order))
Keyed = tuple[tuple[str, str], tuple[int, int, tuple[Any, ...]]]
_DATE_ORDERS = ("day-first", "month-first", "year-first")


def read_manifest(uri: str) -> list[dict[str, Any]]:
    fs, path = pafs.FileSystem.from_uri(uri)
    with fs.open_input_stream(path) as stream:
        text = stream.read().decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def find_file(fs: pafs.FileSystem, path: str) -> pafs.FileInfo | None:
    """The file at ``path``, or None: from a listing of its directory (one ListObjectsV2 under
    the directory's prefix on S3), never from a HEAD of a key that may be missing."""
    directory = path.rsplit("/", 1)[0]
    for info in fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True)):
        if info.path == path and info.type == pafs.FileType.File:
            return info
    return None


def split_manifest(lines: Sequence[dict[str, Any]]) -> tuple[list[Export], dict[str, Drop]]:
    """The exports to add, in order, and what is dropped per owner."""
    exports = [line for line in lines if "drop" not in line]
    drops = {str(line["drop"]["owner"]): line["drop"] for line in lines if "drop" in line}
    return exports, drops


def export_rows(index: int, export: Export, bronze_root: str) -> Iterator[Keyed]:
    """The rows of one bronze export, keyed by the file they belong in."""
    fs, root = pafs.FileSystem.from_uri(bronze_root)
    order: DateOrder | None = export.get("date_order")  # type: ignore[assignment]
    if order not in _DATE_ORDERS:
        order = None
    names = FILE_SCHEMA.names
    path = f"{root.rstrip('/')}/{export['key']}"
    if find_file(fs, path) is None:
        print(f"skipped {export['key']}: the bronze object is gone (deleted)", file=sys.stderr)
        return
    with fs.open_input_file(path) as handle:
        batches = silver_batches(
            parse(handle, order),
            owner=export["owner"],
            chat=export["chat"],
            source_file=export["key"],
        )
        row = 0
        for batch in batches:
            columns = [batch.column(name).to_pylist() for name in names]
            dates = batch.column("date").to_pylist()
            for date, values in zip(dates, zip(*columns, strict=True), strict=True):
                yield (date, export["owner"]), (index, row, values)
                row += 1


def write_file(
    silver_root: str,
    date: str,
    owner: str,
    rows: Iterable[tuple[int, int, tuple[Any, ...]] | None],
    drop: Drop | None = None,
) -> tuple[str, int, str]:
    """Merge one (date, owner) file with new rows, less what ``drop`` drops.

    ``rows`` may hold None (a date named by a rebuild). Returns the date, the rows added and
    what became of the file: "written", "deleted" or "" (left as it was).
    """
    ordered = sorted((r for r in rows if r is not None), key=lambda item: (item[0], item[1]))
    fs, root = pafs.FileSystem.from_uri(silver_root)
    path = file_key(date, owner, prefix=root.rstrip("/") + "/")
    existing = None
    if find_file(fs, path) is not None:
        with fs.open_input_file(path) as handle:
            existing = from_parquet(handle)
    before = existing.num_rows if existing is not None else 0
    if existing is not None and drop is not None:
        existing = without_chats(existing, drop.get("chats") or (), every=bool(drop.get("all")))
    kept = existing.num_rows if existing is not None else 0
    if ordered:
        columns = list(zip(*(values for _, _, values in ordered), strict=True))
        new = pa.Table.from_arrays(
            [pa.array(list(c), type=f.type) for c, f in zip(columns, FILE_SCHEMA, strict=True)],
            schema=FILE_SCHEMA,
        )
        merged = merge(existing, new)
    elif existing is None:
        return date, 0, ""
    else:
        merged = existing
    if existing is not None and before == kept == merged.num_rows:
        return date, 0, ""  # nothing dropped, nothing new: the file stays as it is
    if merged.num_rows == 0:
        fs.delete_file(path)
        return date, 0, "deleted"
    if fs.type_name == "local":  # S3 has no directories (and create_dir HEADs the bucket)
        fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(path) as out:
        out.write(to_parquet(merged))
    return date, merged.num_rows - kept, "written"


def run(
    spark: Any,
    exports: Sequence[Export],
    bronze_root: str,
    silver_root: str,
    drops: dict[str, Drop] | None = None,
) -> dict[str, int]:
    """Build silver for ``exports`` (in upload order) after ``drops`` (per owner); returns
    rows added, files written and files deleted."""
    drops = drops or {}
    purge = [((date, owner), None) for owner, d in drops.items() for date in d.get("dates", ())]
    if not exports and not purge:
        return {"rows_added": 0, "files_written": 0, "files_deleted": 0}
    sc = spark.sparkContext
    rows = sc.parallelize(list(enumerate(exports)), max(len(exports), 1)).flatMap(
        lambda item: export_rows(item[0], item[1], bronze_root)
    )
    if purge:
        rows = rows.union(sc.parallelize(purge, 1))
    partitions = int(spark.conf.get("spark.sql.shuffle.partitions", "200"))
    written = (
        rows.groupByKey(numPartitions=partitions)
        .map(
            lambda group: write_file(
                silver_root, group[0][0], group[0][1], group[1], drops.get(group[0][1])
            )
        )
        .collect()
    )
    return {
        "rows_added": sum(added for _, added, _ in written),
        "files_written": sum(1 for _, _, fate in written if fate == "written"),
        "files_deleted": sum(1 for _, _, fate in written if fate == "deleted"),
    }


def ship_modules(spark: Any, uri: str) -> Path:
    """Copy the module tree at ``uri`` (``s3://…/glue/python/``) into a zip Spark distributes.

    ``addPyFile`` puts the zip on the driver's ``sys.path`` and on every executor's.
    """
    work = Path(tempfile.mkdtemp(prefix="glue-python-"))
    fs, root = pafs.FileSystem.from_uri(uri)
    root = root.rstrip("/")
    tree = work / "python"
    # A listing under the prefix, then each file: pafs.copy_files would first HEAD the prefix
    # itself, a key that does not exist (see the module's docstring).
    for info in fs.get_file_info(pafs.FileSelector(root, recursive=True)):
        if info.type != pafs.FileType.File:
            continue
        target = tree / info.path[len(root) + 1 :]
        target.parent.mkdir(parents=True, exist_ok=True)
        with fs.open_input_stream(info.path) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
    bundle = Path(shutil.make_archive(str(work / "modules"), "zip", tree))
    spark.sparkContext.addPyFile(str(bundle))
    _import_modules()
    return bundle


def _import_modules() -> None:
    global DateOrder, parse, FILE_SCHEMA, file_key, from_parquet, merge, to_parquet, silver_batches
    global without_chats
    from chats.lake.files import (
        FILE_SCHEMA,
        file_key,
        from_parquet,
        merge,
        to_parquet,
        without_chats,
    )
    from chats.lake.rows import silver_batches
    from chats.whatsapp.parser import DateOrder, parse


def arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--bronze_root", required=True)
    parser.add_argument("--silver_root", required=True)
    parser.add_argument("--python_modules", default="", help="s3://…/glue/python/ (Glue)")
    # Glue adds its own arguments (--JOB_NAME, --job-bookmark-option, ...): ignore them.
    known, _ = parser.parse_known_args(argv)
    return known


def main(argv: Sequence[str]) -> None:
    from pyspark.sql import SparkSession

    args = arguments(argv)
    spark = SparkSession.builder.appName("whatsapp-silver").getOrCreate()
    if args.python_modules:
        ship_modules(spark, args.python_modules)
    exports, drops = split_manifest(read_manifest(args.manifest))
    stats = run(spark, exports, args.bronze_root, args.silver_root, drops)
    print(json.dumps(stats))


if __name__ == "__main__":
    main(sys.argv[1:])
