"""Run every benchmark in this folder, one after another: ``python -m tests.benchmarks [name…]``.

Benchmarks print figures and ratios against a named peer; they never assert a time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = set(sys.argv[1:])
    status = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem
        if wanted and name not in wanted and name.removeprefix("bench_") not in wanted:
            continue
        print(f"\n=== {name} ===", flush=True)
        result = subprocess.run([sys.executable, "-m", f"tests.benchmarks.{name}"], check=False)
        status = status or result.returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())
