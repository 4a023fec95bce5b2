"""How much of DuckDB's memory one profiling query may plan for, and how work is split to fit.

DuckDB holds, for each thread of a query, a chunk of every column the scan reads, the state of
every aggregate and, for a grouping set, a hash table of about 4 MB before the first row. A
query's memory therefore grows with columns × threads: 40 columns of small numbers grouped on
2 threads, or 2,000 columns in one aggregate, ran out of a 300 MB limit. So each query is
costed here; work that does not fit on one thread is split into batches of columns (each batch
one more scan of the file), and each batch runs on as many threads as fit.

The figures are DuckDB's own accounting, measured at a 300 MB limit (tests/unit/
test_profiling_limits.py profiles the widest file allowed under an address-space cap), with a
margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# The CSV reader's buffers in flight per thread (buffer_size is 8 MB: `sql.BUFFER_BYTES`).
BUFFER_MB = 24.0
# One column the scan reads: 2,048 values per chunk and the vectors computed from them.
READ_MB = 0.125
# One column profiled by an aggregate pass (its read included): counts, lengths, a HyperLogLog,
# its typed value and statistics.
COLUMN_MB = 0.5
# One grouping set: DuckDB's hash table starts with 16 partitions of 256 KB on every thread.
SET_MB = 5.0


@dataclass(frozen=True)
class Budget:
    memory_mb: int
    threads: int

    @property
    def room_mb(self) -> float:
        """What one thread may use beside its reader's buffers."""
        return self.memory_mb - BUFFER_MB

    def threads_for(self, per_thread_mb: float) -> int:
        """As many threads as fit a query costing `per_thread_mb` on each (at least one)."""
        fitting = int(self.memory_mb // (BUFFER_MB + per_thread_mb))
        return max(1, min(self.threads, fitting))

    def batches(self, items: Sequence[T], each_mb: float, first_mb: float = 0.0) -> list[list[T]]:
        """Consecutive batches of `items` that fit on one thread at `each_mb` an item.

        `first_mb` is a fixed cost of the first batch (a read of every column, say); when
        nothing fits beside it, the first batch is empty: that part runs alone. A batch
        otherwise holds at least one item, so an item too large still runs, alone.
        """
        result: list[list[T]] = [[]]
        used = first_mb
        for item in items:
            if used + each_mb > self.room_mb and used > 0:
                result.append([])
                used = 0.0
            result[-1].append(item)
            used += each_mb
        return result
