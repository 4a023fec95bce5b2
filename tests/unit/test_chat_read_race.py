"""Searches while an import rewrites the same silver files never fail (found by bench_load:
chat searches answered 500 with DuckDB's "TProtocolException: Invalid data" while the worker
built silver). The writer here does what the silver writer does: each file is written beside
its name and renamed into place, then the generation marker changes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chats.search.duckdb_engine import DuckDBEngine
from chats.search.query import MessageFilter
from tests.unit.test_chat_query import ROWS, expected, ids, mark_generation, write_silver

# A separate process, as the worker is: it rewrites every date file of both owners, whole and
# atomically, each time with more of alice's rows than the last (so sizes differ), until told.
WRITER = """
import os, sys
from pathlib import Path
import pyarrow as pa, pyarrow.parquet as pq
from tests.unit.test_chat_query import ROWS, SCHEMA, mark_generation
silver, stop = Path(sys.argv[1]), Path(sys.argv[2])
round = 0
while not stop.exists():
    round += 1
    rows = ROWS + [dict(r, message_id=f"x{round}-{i}") for i, r in enumerate(ROWS[: round % 50])]
    by_date = {}
    for row in rows:
        by_date.setdefault(row["ts"].date().isoformat(), []).append(row)
    for day, day_rows in by_date.items():
        path = silver / f"date={day}" / "part-0.parquet"
        temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
        pq.write_table(pa.Table.from_pylist(day_rows, schema=SCHEMA), temporary)
        os.replace(temporary, path)
    mark_generation(silver)
    (stop.parent / "started").touch()
"""


@pytest.mark.parametrize("cached", [True, False], ids=["cached", "files"])
def test_searches_racing_a_silver_writer_all_answer(tmp_path: Path, cached: bool) -> None:
    silver = tmp_path / "silver" / "whatsapp"
    write_silver(silver, ROWS)
    if cached:
        mark_generation(silver)
    engine = DuckDBEngine(silver, cached_owners=2 if cached else 0)
    stop = tmp_path / "stop"
    root = Path(__file__).resolve().parents[2]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(silver), str(stop)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    bob = set(ids(engine.search(MessageFilter("bob", limit=1000))))
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():  # the writer's first round is written
            assert writer.poll() is None and time.monotonic() < deadline, "the writer stopped"
            time.sleep(0.01)

        def search(i: int) -> set[str]:
            return set(ids(engine.search(MessageFilter("bob", limit=1000))))

        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(search, range(300)))
    finally:
        stop.touch()
        writer.wait(30)
    assert writer.returncode == 0
    # bob's rows are the same in every version the writer wrote: every answer has them all.
    assert all(answer == bob for answer in answers)
    assert bob == set(expected(MessageFilter("bob", limit=1000)))
