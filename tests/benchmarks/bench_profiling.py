"""Benchmark `datasets.profiling.profile.profile_csv` against DuckDB's SUMMARIZE on the same CSV.

Run from the repository root: `python -m tests.benchmarks.bench_profiling [--rows N]`.
Each contender runs in its own subprocess so wall time and peak RSS are its own. The script
also checks that the profile found exactly the defects `csv_gen` injected.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.csv_gen import DEFAULT_ROWS, ensure

GOAL_RATIO = 2.0
GOAL_PEAK_MB = 500


def _run_peer(path: str, _out: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(
        "SUMMARIZE SELECT * FROM read_csv($path, ignore_errors = true)", {"path": path}
    ).fetchall()


def _run_profile(path: str, out: str) -> None:
    from datasets.profiling.profile import profile_csv

    Path(out).write_text(json.dumps(profile_csv(path)))


CONTENDERS = {
    "duckdb SUMMARIZE (ignore_errors)": _run_peer,
    "datasets.profiling.profile.profile_csv": _run_profile,
}


def measure(name: str, path: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one contender in a fresh interpreter."""
    command = [sys.executable, "-m", "tests.benchmarks.bench_profiling", "--child", name]
    command += [str(path), str(out)]
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{name} failed with exit code {process.returncode}")
    return seconds, usage.ru_maxrss / 1024


def check(profile: dict[str, Any], expected: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(what, expected, found) for every injected defect."""
    columns = {column["name"]: column for column in profile["columns"]}
    found: list[tuple[str, Any, Any]] = [
        ("row count", expected["rows"], profile["row_count"]),
        ("duplicate rows", expected["duplicate_rows"], profile["duplicate_rows"]["count"]),
        ("ragged rows", 0, profile["ragged_rows"]["count"]),
    ]
    for name, count in expected["missing"].items():
        found.append((f"missing in {name}", count, columns[name]["missing"]))
    for name, count in expected["invalid"].items():
        found.append((f"invalid in {name}", count, columns[name]["invalid"]))
    stray = expected["stray"]
    if stray:
        examples = columns[stray["column"]]["invalid_examples"]
        found.append(
            (
                f"stray value in {stray['column']}",
                {"line": stray["line"], "value": stray["value"]},
                examples[0] if examples else None,
            )
        )
    constant = sorted(
        issue["column"] for issue in profile["quality_issues"] if issue["type"] == "constant_column"
    )
    found.append(("constant columns", expected["constant_columns"], constant))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, path, out = args.child
        CONTENDERS[name](path, out)
        return

    path, expected = ensure(args.rows)
    size_mb = path.stat().st_size / 1e6
    print(f"{path.name}: {args.rows:,} rows, {size_mb:.0f} MB, {os.cpu_count()} CPUs")
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "profile.json"
        for name in CONTENDERS:
            results[name] = measure(name, path, out)
        profile = json.loads(out.read_text())

    peer_seconds = results["duckdb SUMMARIZE (ignore_errors)"][0]
    print(f"\n{'contender':<36} {'seconds':>8} {'peak MB':>8} {'ratio':>6}")
    for name, (seconds, peak) in results.items():
        print(f"{name:<36} {seconds:>8.2f} {peak:>8.0f} {seconds / peer_seconds:>6.2f}")
    seconds, peak = results["datasets.profiling.profile.profile_csv"]
    ratio_met = "met" if seconds / peer_seconds <= GOAL_RATIO else "MISSED"
    peak_met = "met" if peak < GOAL_PEAK_MB else "MISSED"
    print(f"goal: ratio <= {GOAL_RATIO} ({ratio_met}), peak < {GOAL_PEAK_MB} MB ({peak_met})")

    print("\ninjected defects found:")
    exact = True
    for what, wanted, got in check(profile, expected):
        ok = wanted == got
        exact &= ok
        print(f"  {'ok ' if ok else 'BAD'} {what}: expected {wanted}, found {got}")
    if not exact:
        raise SystemExit("the profile did not find the injected defects exactly")


if __name__ == "__main__":
    main()
