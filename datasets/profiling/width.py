"""The column limit: a file whose header, or any row, has more than MAX_COLUMNS fields is refused.

Why rows too: DuckDB records a row with too many fields once per extra field, each time with the
whole line, so one row of a million fields (2 MB) would keep a worker busy for hours. Counting
every row's fields in Python would cost a scan's worth of time, so `LongLines` looks only at
lines that fill a whole window of `WINDOW` bytes (every line of 2 windows or more does; a
shorter line holds too few fields to matter) while the file is read for its encoding anyway,
and `check_rows` counts the fields of those that hold many delimiters.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from datasets.profiling.sniff import CHUNK_BYTES, DELIMITERS, CsvUnreadable, Dialect

MAX_COLUMNS = 2_000
WINDOW = 16_384
KEPT = 16  # lines remembered; one too wide is enough to refuse the file


def check_header(dialect: Dialect, *, cut: bool) -> None:
    """Refuse a header (or first row) wider than MAX_COLUMNS; `cut`: it did not fit the sample."""
    width = dialect.column_count
    if width > MAX_COLUMNS:
        _refuse(f"more than {width:,}" if cut else f"{width:,}", "The file has")


@dataclass
class LongLines:
    """Fed the file's bytes in order (chunks that are multiples of WINDOW): the lines that fill
    a window and whose whole windows hold MAX_COLUMNS or more of one candidate delimiter."""

    found: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    _line: tuple[int, dict[str, int]] | None = None  # the long line being read

    def feed(self, offset: int, chunk: bytes) -> None:
        for start in range(0, len(chunk), WINDOW):
            if chunk.find(b"\n", start, start + WINDOW) >= 0:
                self._end_line()
                continue
            counts = {d: chunk.count(d.encode(), start, start + WINDOW) for d in DELIMITERS}
            if self._line is None:
                self._line = (offset + start, counts)
            else:
                for d, n in counts.items():
                    self._line[1][d] += n

    def _end_line(self) -> None:
        line, self._line = self._line, None
        if line and len(self.found) < KEPT and max(line[1].values()) >= MAX_COLUMNS:
            self.found.append(line)

    def check_rows(self, path: Path, encoding: str, dialect: Dialect) -> None:
        """Refuse the file when one of its long lines is a row of more than MAX_COLUMNS fields."""
        self._end_line()
        for offset, counts in self.found:
            if counts[dialect.delimiter] < MAX_COLUMNS:
                continue
            start, fields = _fields_of_line_at(path, offset, encoding, dialect)
            if fields > MAX_COLUMNS:
                line = _line_number(path, start)
                _refuse(f"{fields:,}", f"Line {line:,} has", noun="fields")


def _fields_of_line_at(path: Path, offset: int, encoding: str, dialect: Dialect) -> tuple[int, int]:
    """(start of the line holding byte `offset`, its fields counted as CSV, quotes and all)."""
    with path.open("rb") as stream:
        start = offset
        while start > 0:
            low = max(0, start - CHUNK_BYTES)
            stream.seek(low)
            found = stream.read(start - low).rfind(b"\n")
            if found >= 0:
                start = low + found + 1
                break
            start = low
        stream.seek(start)
        text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        limit = csv.field_size_limit()
        # A long line may hold one long field; the module's default limit is 128 KB.
        csv.field_size_limit(1 << 30)
        try:
            row = next(csv.reader(text, delimiter=dialect.delimiter, quotechar=dialect.quotechar))
        except (csv.Error, StopIteration):
            row = []
        finally:
            csv.field_size_limit(limit)
            text.detach()
    return start, len(row)


def _line_number(path: Path, offset: int) -> int:
    lines = 1
    with path.open("rb") as stream:
        while offset > 0:
            chunk = stream.read(min(CHUNK_BYTES, offset))
            lines += chunk.count(b"\n")
            offset -= len(chunk)
    return lines


def _refuse(count: str, subject: str, noun: str = "columns") -> None:
    raise CsvUnreadable(
        f"{subject} {count} {noun}; datasets are profiled up to {MAX_COLUMNS:,} columns."
    )
