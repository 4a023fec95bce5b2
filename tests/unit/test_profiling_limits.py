"""CSV profiling within bounds: a documented column limit, and memory that does not grow with
the width of the file. The memory tests run the profiler in a child process whose address space
is capped (RLIMIT_AS), so a profiler that grows with the file dies instead of passing."""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from datasets.profiling.profile import MAX_COLUMNS, CsvUnreadable, profile_csv

ROOT = Path(__file__).resolve().parents[2]
# DuckDB alone maps about 1 GB of address space (thread arenas) before it reads a byte; the
# profile itself stays far below the rest.
ADDRESS_SPACE_CAP = 2 << 30

CHILD = textwrap.dedent(
    """
    import json, resource, sys
    cap = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from datasets.profiling.profile import CsvUnreadable, profile_csv
    try:
        result = profile_csv(sys.argv[1], threads=int(sys.argv[3]))
        outcome = {
            "status": "profiled",
            "rows": result["row_count"],
            "columns": result["column_count"],
            "ragged": result["ragged_rows"],
            "last": result["columns"][-1],
        }
    except CsvUnreadable as error:
        outcome = {"status": "refused", "message": str(error)}
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent (here pytest) to
    # its forked child, while VmHWM belongs to this process's own address space.
    status = open("/proc/self/status").read()
    outcome["peak_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps(outcome, default=str))
    """
)


def profile_under_cap(path: Path, threads: int = 2) -> dict[str, Any]:
    """Profile `path` in a child whose address space is capped; its outcome and peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(ADDRESS_SPACE_CAP), str(threads)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{path.name}: {outcome['status']}, peak RSS {outcome['peak_mb']:.0f} MB")
    return outcome


def wide_csv(path: Path, columns: int, rows: int, *, header: bool = True) -> Path:
    rng = random.Random(columns)
    with path.open("w", encoding="utf-8") as out:
        if header:
            out.write(",".join(f"c{n}" for n in range(columns)) + "\n")
        for _ in range(rows):
            out.write(",".join(str(rng.randint(0, 999)) for _ in range(columns)) + "\n")
    return path


def test_a_file_wider_than_the_limit_is_refused_naming_both_widths(tmp_path: Path) -> None:
    path = wide_csv(tmp_path / "wide.csv", MAX_COLUMNS + 1, 3)
    with pytest.raises(CsvUnreadable) as refused:
        profile_csv(path, threads=1)
    message = str(refused.value)
    assert f"{MAX_COLUMNS + 1:,} columns" in message
    assert f"up to {MAX_COLUMNS:,} columns" in message


def test_a_file_at_the_limit_is_profiled_within_the_memory_cap(tmp_path: Path) -> None:
    outcome = profile_under_cap(wide_csv(tmp_path / "limit.csv", MAX_COLUMNS, 300))
    assert outcome["status"] == "profiled"
    assert (outcome["rows"], outcome["columns"]) == (300, MAX_COLUMNS)
    last = outcome["last"]
    assert (last["name"], last["type"], last["count"]) == (f"c{MAX_COLUMNS - 1}", "integer", 300)
    assert sum(last["histogram"]["counts"]) == 300


def test_one_line_of_a_million_columns_is_refused_within_the_memory_cap(tmp_path: Path) -> None:
    # The file that took a worker to 11.5 GB: 1.1 million columns on one 8.8 MB line.
    path = tmp_path / "one-line.csv"
    path.write_text(",".join(f"v{n % 1000}" for n in range(1_100_000)) + "\n")
    outcome = profile_under_cap(path)
    assert outcome["status"] == "refused"
    assert "more than" in outcome["message"]
    assert f"up to {MAX_COLUMNS:,} columns" in outcome["message"]


def test_a_hundred_thousand_columns_are_refused_within_the_memory_cap(tmp_path: Path) -> None:
    outcome = profile_under_cap(wide_csv(tmp_path / "100k.csv", 100_000, 2, header=False))
    assert outcome["status"] == "refused"
    assert "100,000 columns" in outcome["message"]


def test_a_row_of_a_million_fields_is_refused_naming_its_line(tmp_path: Path) -> None:
    # DuckDB records such a row once per extra field, each time with the whole line: hours.
    path = wide_csv(tmp_path / "narrow.csv", 3, 50)
    with path.open("a") as out:
        out.write(",".join("1" for _ in range(1_000_000)) + "\n")
        out.write("1,2,3\n")
    outcome = profile_under_cap(path)
    assert outcome["status"] == "refused"
    assert outcome["message"].startswith("Line 52 has 1,000,000 fields;")


def test_a_long_row_wider_than_its_header_but_within_the_limit_is_a_ragged_row(
    tmp_path: Path,
) -> None:
    path = wide_csv(tmp_path / "narrow.csv", 3, 50)
    with path.open("a") as out:
        out.write(",".join("x" * 40 for _ in range(1_500)) + "\n")
    result = profile_csv(path, threads=1)
    assert (result["row_count"], result["ragged_rows"]["count"]) == (50, 1)
    [example] = result["ragged_rows"]["examples"]
    assert (example["line"], example["fields"]) == (52, 1_500)
    assert len(example["text"]) <= 500  # a readable piece of a 61 KB line


def test_a_long_quoted_value_full_of_delimiters_is_one_field(tmp_path: Path) -> None:
    # A cell holding a JSON array: thousands of commas, but inside quotes.
    points = ",".join(str(n) for n in range(20_000))
    path = tmp_path / "shapes.csv"
    path.write_text(f'id,shape\n1,"[{points}]"\n2,"[1,2]"\n')
    result = profile_csv(path, threads=1)
    assert (result["row_count"], result["ragged_rows"]["count"]) == (2, 0)


@pytest.mark.parametrize("threads", [2, 8, 32])
def test_many_columns_of_few_values_profile_on_any_number_of_threads(
    tmp_path: Path, threads: int
) -> None:
    # 40 columns of small numbers, 100,000 rows: one hash table per column per thread ran out
    # of DuckDB's memory on 2 and 8 threads.
    rng = random.Random(1)
    path = tmp_path / "forty.csv"
    with path.open("w") as out:
        out.write(",".join(f"c{n}" for n in range(40)) + "\n")
        for _ in range(100_000):
            out.write(",".join(str(rng.randint(0, 50)) for _ in range(40)) + "\n")
    result = profile_csv(path, threads=threads)
    assert result["row_count"] == 100_000
    assert all(column["distinct"] == 51 for column in result["columns"])


def test_the_child_really_is_capped() -> None:
    # The cap must bite: a child asking for more than the cap fails.
    code = (
        "import resource, sys; cap = int(sys.argv[1]); "
        "resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); bytearray(cap)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ADDRESS_SPACE_CAP)], capture_output=True, check=False
    )
    assert done.returncode != 0 and b"MemoryError" in done.stderr
    assert resource.RLIMIT_AS  # the platform supports the cap these tests rely on
