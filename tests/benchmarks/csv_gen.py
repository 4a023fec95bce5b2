"""Write a deterministic CSV with known defects for the profiling benchmark.

`python -m tests.benchmarks.csv_gen [--rows N]` writes
`bench-data/profile_<N>.csv` and `bench-data/profile_<N>.expected.json` with the exact
number of injected missing values, type mismatches and duplicate rows. Values come from
integer arithmetic on the row number, so the same N always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "bench-data"
DEFAULT_ROWS = 5_000_000
FORMAT_VERSION = 1

HEADER = [
    "order_id",
    "customer_id",
    "amount",
    "quantity",
    "order_date",
    "ship_date",
    "created_at",
    "is_gift",
    "category",
    "score",
    "email",
    "currency",
]
CATEGORIES = ["books", "games", "garden", "kitchen", "music", "office", "sports", "toys"]
STRAY_LINE = 55_000
STRAY_VALUE = "12a"
MISSING_EVERY = 37
MISMATCH_EVERY = 1_009
DUPLICATE_EVERY = 50_000


def _row(i: int) -> list[str]:
    day = i % 28 + 1
    month = (i // 28) % 12 + 1
    year = 2015 + (i // 336) % 10
    ship_day = (i * 7) % 28 + 1
    return [
        str(i + 1),
        str((i * 7919) % 100_000 + 1),
        f"{(i * 104_729) % 1_000_000 / 100:.2f}",
        "" if i % MISSING_EVERY == 0 else str(i % 20 + 1),
        f"{year}-{month:02d}-{day:02d}",
        f"{ship_day:02d}/{month:02d}/{year}",
        f"{year}-{month:02d}-{day:02d} {i % 24:02d}:{i % 60:02d}:{(i * 13) % 60:02d}",
        "true" if i % 3 == 0 else "false",
        CATEGORIES[i % len(CATEGORIES)],
        "unknown" if i % MISMATCH_EVERY == 0 else f"{(i * 31) % 500 / 10:.1f}",
        f"user{(i * 48_271) % 2_000_003}@example.com",
        "EUR",
    ]


def generate(rows: int, path: Path) -> dict[str, Any]:
    """Write `rows` data rows (plus a header) to `path`; return the expected counts."""
    missing = 0
    mismatched = 0
    duplicates = 0
    stray_found = False
    written = 0
    source = 0
    previous: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        lines: list[str] = []
        while written < rows:
            line_number = written + 2  # the header is line 1
            if written and written % DUPLICATE_EVERY == 0:
                row = previous
                duplicates += 1
            else:
                row = _row(source)
                source += 1
                if line_number == STRAY_LINE:
                    row[1] = STRAY_VALUE
                    stray_found = True
            missing += row[3] == ""
            mismatched += row[9] == "unknown"
            mismatched += row[1] == STRAY_VALUE
            lines.append(",".join(row))
            previous = row
            written += 1
            if len(lines) >= 10_000:
                out.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            out.write("\n".join(lines) + "\n")
    return {
        "format_version": FORMAT_VERSION,
        "rows": rows,
        "columns": len(HEADER),
        "missing": {"quantity": missing},
        "invalid": {"customer_id": int(stray_found), "score": mismatched - int(stray_found)},
        "stray": {"column": "customer_id", "line": STRAY_LINE, "value": STRAY_VALUE}
        if stray_found
        else None,
        "duplicate_rows": duplicates,
        "constant_columns": ["currency"],
    }


def ensure(rows: int = DEFAULT_ROWS) -> tuple[Path, dict[str, Any]]:
    """Return the CSV path and expected counts, generating the file only when missing."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"profile_{rows}.csv"
    expected_path = path.with_suffix(".expected.json")
    if path.exists() and expected_path.exists():
        expected: dict[str, Any] = json.loads(expected_path.read_text())
        if expected.get("format_version") == FORMAT_VERSION:
            return path, expected
    expected = generate(rows, path)
    expected_path.write_text(json.dumps(expected, indent=2))
    return path, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    args = parser.parse_args()
    path, expected = ensure(args.rows)
    print(f"{path} ({path.stat().st_size / 1e6:.0f} MB)")
    print(json.dumps(expected, indent=2))


if __name__ == "__main__":
    main()
