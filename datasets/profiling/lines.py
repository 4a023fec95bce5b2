"""Physical line numbers for rows and records found by DuckDB (see `LineMap`)."""

from __future__ import annotations

import csv
from pathlib import Path

from datasets.profiling.sniff import CHUNK_BYTES, Dialect
from datasets.profiling.sql import CsvScan


class LineMap:
    """Turn DuckDB's record numbers and row numbers (`rn`) into physical line numbers.

    DuckDB numbers records (a quoted value spanning lines is one record, a blank line counts)
    and leaves blank lines and malformed rows out of its rows. When the file has as many lines
    as records, only the malformed records shift row numbers; otherwise the file is re-read
    with the csv module, up to the last line asked for.
    """

    def __init__(
        self,
        scan: CsvScan,
        dialect: Dialect,
        records: int,
    ) -> None:
        self.scan = scan
        self.path = Path(scan.params["path"])
        self.dialect = dialect
        self.first_record = 2 if dialect.has_header else 1
        self.records = records + self.first_record - 1
        self._irregular: bool | None = None
        self._rows: dict[int, int] = {}
        self._records: dict[int, int] = {}

    @property
    def irregular(self) -> bool:
        """Whether lines and records differ (blank lines, line breaks inside values)."""
        if self._irregular is None:
            self._irregular = _count_lines(self.path) != self.records
        return self._irregular

    def of_row(self, rn: int) -> int:
        """The line of the `rn`-th well-formed row (1-based)."""
        rowid = rn - 1
        if self.irregular:
            return self._scan(rowid=rowid)
        line = self.first_record + rowid
        while True:
            shifted = self.first_record + rowid + self.scan.rejected_up_to(line)
            if shifted == line:
                return line
            line = shifted

    def first_rows(self, count: int) -> list[int]:
        """The lines of the first `count` well-formed rows."""
        if not count:
            return []
        if self.irregular:
            self._scan(rowid=count - 1)
            return [self._rows.get(rowid, 0) for rowid in range(count)]
        skipped = self.scan.rejected_records(before=self.first_record + count)
        lines: list[int] = []
        line = self.first_record
        while len(lines) < count:
            if line not in skipped:
                lines.append(line)
            line += 1
        return lines

    def of_record(self, record: int) -> int:
        return self._scan(record=record) if self.irregular else record

    def _scan(self, rowid: int | None = None, record: int | None = None) -> int:
        if rowid is not None and rowid in self._rows:
            return self._rows[rowid]
        if record is not None and record in self._records:
            return self._records[record]
        with self.path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(
                stream, delimiter=self.dialect.delimiter, quotechar=self.dialect.quotechar
            )
            accepted = 0
            start = 1
            for number, fields in enumerate(reader, start=1):
                self._records[number] = start
                if number >= self.first_record and len(fields) == self.dialect.column_count:
                    self._rows[accepted] = start
                    accepted += 1
                start = reader.line_num + 1
                if (rowid is not None and rowid in self._rows) or record == number:
                    break
        if rowid is not None:
            return self._rows.get(rowid, 0)
        return self._records.get(record or 0, 0)


def _count_lines(path: Path) -> int:
    """Physical lines up to the last one with content."""
    lines = 0
    last = b""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            lines += chunk.count(b"\n")
            last = (last + chunk)[-4096:]
    trailing = last[len(last.rstrip(b"\r\n")) :].count(b"\n")
    return lines - trailing + 1
