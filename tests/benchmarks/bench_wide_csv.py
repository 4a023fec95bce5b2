"""Benchmark: profiling wide CSV files, peak memory and time, against DuckDB's SUMMARIZE.

Run from the repository root: `python -m tests.benchmarks.bench_wide_csv`. Each contender runs
in its own subprocess (peak RSS from wait4), on files of 40 to 2,000 columns (the profiler's
limit) and on two it refuses: 100,000 columns, and 1.1 million columns on one line (the file
that once took a worker to 11.5 GB).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.csv_gen import DATA_DIR

# (name, columns, rows, header)
FILES = [
    ("40 x 100,000", 40, 100_000, True),
    ("500 x 2,000", 500, 2_000, True),
    ("2,000 x 1,000", 2_000, 1_000, True),
    ("100,000 x 2", 100_000, 2, False),
    ("1,100,000 on one line", 1_100_000, 0, True),
]


def ensure(columns: int, rows: int, header: bool) -> Path:
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"wide_{columns}x{rows}.csv"
    if path.exists():
        return path
    rng = random.Random(columns)
    with path.open("w", encoding="utf-8") as out:
        if header:
            out.write(",".join(f"c{n}" for n in range(columns)) + "\n")
        for _ in range(rows):
            out.write(",".join(str(rng.randint(0, 999)) for _ in range(columns)) + "\n")
    return path


def _run_peer(path: str) -> str:
    import duckdb

    con = duckdb.connect()
    con.execute("SET memory_limit = '300MB'")
    con.execute("SUMMARIZE SELECT * FROM read_csv($path, ignore_errors = true)", {"path": path})
    return "summarized"


def _run_profile(path: str) -> str:
    from datasets.profiling.profile import CsvUnreadable, profile_csv

    try:
        result = profile_csv(path)
    except CsvUnreadable as error:
        return f"refused: {error}"
    return f"profiled {result['row_count']:,} rows x {result['column_count']:,} columns"


CONTENDERS = {"duckdb SUMMARIZE (300 MB)": _run_peer, "profile_csv": _run_profile}


def measure(name: str, path: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) and outcome of one contender in a fresh interpreter."""
    command = [sys.executable, "-m", "tests.benchmarks.bench_wide_csv", "--child", name, str(path)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    out = (process.stdout.read() if process.stdout else "").strip()
    err = (process.stderr.read() if process.stderr else "").strip().splitlines()
    outcome = (
        out if os.waitstatus_to_exitcode(status) == 0 else "FAILED: " + (err[-1] if err else "")
    )
    return seconds, usage.ru_maxrss / 1024, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, path = args.child
        print(CONTENDERS[name](path)[:160])
        return
    print(f"{'file':<24} {'contender':<26} {'seconds':>8} {'peak MB':>8}  outcome")
    for label, columns, rows, header in FILES:
        if rows == 0:
            path = DATA_DIR / "wide_one_line.csv"
            if not path.exists():
                DATA_DIR.mkdir(exist_ok=True)
                path.write_text(",".join(f"v{n % 1000}" for n in range(columns)) + "\n")
        else:
            path = ensure(columns, rows, header)
        for name in CONTENDERS:
            seconds, peak, outcome = measure(name, path)
            print(f"{label:<24} {name:<26} {seconds:>8.2f} {peak:>8.0f}  {outcome[:90]}")


if __name__ == "__main__":
    main()
