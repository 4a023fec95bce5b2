"""The DuckDB queries behind `datasets.profiling.profile`: the scans of the CSV file.

Every query scans the CSV itself: loading it into a table first costs several scans' worth of
time (a Parquet copy, about three). Cells are read as text under internal names c0..cN (next to
`rn`, the row's number in file order, where asked for), so header text never reaches SQL and
user values only travel as parameters. Each query is costed by `budget` and runs on as many
threads as fit; `datasets.profiling.passes` splits work that does not fit on one.
The expressions pasted into SQL are built here, in `passes` and in `datasets.profiling.types`
(how a column's text is typed) from internal names and fixed patterns only, hence the
file-wide S608 exemption.
"""
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from datasets.profiling.budget import READ_MB, SET_MB, Budget
from datasets.profiling.sniff import Dialect
from datasets.profiling.types import ColumnPlan, bin_of, literal_list, typed

# The reader's buffer: DuckDB's default (32 MB) held per thread made a 2,000-column scan
# overflow 300 MB; 8 MB reads as fast. Lines longer than DuckDB's 2 MB maximum are rejected
# rows, reported as ragged.
BUFFER_BYTES = 8_000_000


def connect(workdir: Path, budget: Budget) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that stays inside the budget's memory and spills to `workdir`."""
    con = duckdb.connect(":memory:")
    con.execute("SET memory_limit = $limit", {"limit": f"{budget.memory_mb}MB"})
    con.execute(f"SET threads = {int(budget.threads)}")
    con.execute("SET temp_directory = $dir", {"dir": str(workdir / "spill")})
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")  # it writes to the worker's stdout
    return con


class CsvScan:
    """Queries over the CSV file read with a fixed dialect, each on the threads that fit."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        dialect: Dialect,
        budget: Budget,
        missing: Sequence[str] = ("",),
    ) -> None:
        self.con = con
        self.dialect = dialect
        self.budget = budget
        self.params: dict[str, Any] = {
            "path": str(path),
            "delim": dialect.delimiter,
            "quote": dialect.quotechar,
            "header": dialect.has_header,
        }
        # The tokens come from settings, not from the file; as a literal, because a query
        # must use every parameter it is given.
        self._nulls = f"nullstr = {literal_list(tuple(missing))}, "
        self.columns = [f"c{n}" for n in range(dialect.column_count)]
        self._rejects_stored = False
        self._threads = budget.threads

    def run(
        self, query: str, per_thread_mb: float, params: dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run a query of the file on as many threads as `per_thread_mb` allows; all rows."""
        threads = self.budget.threads_for(per_thread_mb)
        if threads != self._threads:
            self.con.execute(f"SET threads = {threads}")
            self._threads = threads
        # fetchall, not fetchone: DuckDB stores the rejected rows when the query completes.
        return self.con.execute(query, {**self.params, **(params or {})}).fetchall()

    def _read(self, as_written: bool = False) -> str:
        """The reader: missing tokens read as NULL, or `as_written` (only empty cells NULL)."""
        # Malformed rows are stored with their line numbers once, then only skipped.
        if self._rejects_stored:
            errors = "ignore_errors = true"
        else:
            errors = "store_rejects = true"
            self._rejects_stored = True
        types = ", ".join(f"'{column}': 'VARCHAR'" for column in self.columns)
        nulls = "" if as_written else self._nulls
        return (
            "read_csv($path, delim = $delim, quote = $quote, escape = $quote, "
            f"header = $header, auto_detect = false, {errors}, buffer_size = {BUFFER_BYTES}, "
            f"{nulls}columns = {{{types}}})"
        )

    def source(
        self,
        columns: Sequence[str] | None = None,
        typed_plans: Sequence[ColumnPlan] = (),
        numbered: bool = False,
    ) -> str:
        """The file's rows: the given columns (default all), typed values `t<index>` of
        `typed_plans`, and `rn` when `numbered`.

        Each typed value is computed once, in a projection under the aggregates: repeated
        inside each aggregate it would be parsed once per aggregate. Only ask for `rn` where it
        is used: row_number() keeps the scan in file order, on one thread.
        """
        listed = ", ".join(columns) if columns is not None else "*"
        if numbered:
            source = f"(SELECT row_number() OVER () AS rn, {listed} FROM {self._read()})"
        elif columns is not None:
            source = f"(SELECT {listed} FROM {self._read()})"
        else:
            source = self._read()
        return self.source_of(source, typed_plans)

    def group_counts(
        self, batches: list[dict[str, str]], typed_plans: Sequence[ColumnPlan]
    ) -> tuple[int, int]:
        """Rows per value of each key expression and per repeated row, a scan per batch.

        The first batch also groups rows by a hash of all their cells. Fills the temporary
        table `grouped` (key name, key value as text, rows) with every value of every key and
        `repeated` (row hash, copies) with the rows that occur more than once; returns the
        number of such rows and of their copies. As one more grouping set beside the keys the
        row hash costs less than a scan of its own. The scans carry no row numbers: numbering
        rows keeps a scan in file order, on one thread, which doubled this pass's time.
        """
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE grouped (key VARCHAR, value VARCHAR, n BIGINT)"
        )
        by_key = {f"b{plan.index}": plan for plan in typed_plans}
        for number, keys in enumerate(batches):
            if number == 0:
                keys = {**keys, "row": self.row_hash}
            used = [by_key[name] for name in keys if name in by_key]
            projected = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
            source = f"(SELECT {projected} FROM {self.source(self._needed(keys), used)})"
            sets = ", ".join(f"({name})" for name in keys)
            which = " ".join(f"WHEN grouping({name}) = 0 THEN '{name}'" for name in keys)
            value = " ".join(f"WHEN grouping({name}) = 0 THEN {name}::VARCHAR" for name in keys)
            having = " HAVING grouping(row) = 1 OR count(*) > 1" if "row" in keys else ""
            width = len(self.columns) if "row" in keys else len(keys)
            self.run(
                "INSERT INTO grouped "
                f"SELECT CASE {which} END, CASE {value} END, count(*) FROM {source} "
                f"GROUP BY GROUPING SETS ({sets}){having}",
                len(keys) * SET_MB + width * READ_MB,
            )
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE repeated AS "
            "SELECT value::UBIGINT AS h, n FROM grouped WHERE key = 'row'"
        )
        self.con.execute("DELETE FROM grouped WHERE key = 'row' OR value IS NULL")
        rows, copies = self.con.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM repeated"
        ).fetchall()[0]
        return int(rows), int(copies)

    def _needed(self, keys: dict[str, str]) -> list[str]:
        if "row" in keys:
            return self.columns
        return sorted({f"c{name[1:]}" for name in keys}, key=lambda column: int(column[1:]))

    def value_counts(self, top: int) -> tuple[dict[str, int], dict[str, list[tuple[str, int]]]]:
        """From `grouped`: distinct values per key, and each key's `top` values by rows."""
        distinct = dict(
            self.con.execute("SELECT key, count(*) FROM grouped GROUP BY key").fetchall()
        )
        ranked: dict[str, list[tuple[str, int]]] = {}
        rows = self.con.execute(
            "SELECT key, value, n FROM grouped QUALIFY row_number() OVER "
            "(PARTITION BY key ORDER BY n DESC, value) <= $top ORDER BY key, n DESC, value",
            {"top": top},
        ).fetchall()
        for key, value, n in rows:
            ranked.setdefault(key, []).append((str(value), int(n)))
        return {key: int(n) for key, n in distinct.items()}, ranked

    def forget_counts(self) -> None:
        """Free the memory of `grouped` and `repeated` once their counts are read."""
        self.con.execute("DROP TABLE IF EXISTS grouped")
        self.con.execute("DROP TABLE IF EXISTS repeated")

    def key_values(self, key: str) -> list[tuple[str, int]]:
        """From `grouped`: every value of one key with its rows."""
        rows = self.con.execute("SELECT value, n FROM grouped WHERE key = $key", {"key": key})
        return [(str(value), int(n)) for value, n in rows.fetchall()]

    def repeated_lines(self, rows: int, copies: int, examples: int) -> list[tuple[int, int, int]]:
        """(first rn, second rn, copies) of the first `examples` repeated rows in file order.

        `rows` and `copies` are what `group_counts` found. Reads the file in order only as far
        as the second copy of each of them: first as far as a few copies, then, when that was
        not far enough, as far as needed for all copies.
        """
        wanted = min(examples, rows)
        if not wanted:
            return []
        query = (
            f"SELECT rn, h FROM (SELECT row_number() OVER () AS rn, {self.row_hash} AS h "
            f"FROM {self._read()}) WHERE h IN (SELECT h FROM repeated) "
            "LIMIT $limit"
        )
        limit = min(copies, 4 * wanted)
        # The file's row count is unknown to the planner, which may then hash the file and
        # probe it with the few repeated rows: a full read, in no particular order. Keep the
        # file on the probe side so rows stream in file order and LIMIT stops the read early.
        self.con.execute("SET disabled_optimizers = 'build_side_probe_side'")
        try:
            while True:
                found = self.run(query, len(self.columns) * READ_MB, {"limit": limit})
                seen: dict[int, list[int]] = {}
                for rn, h in sorted(found):
                    seen.setdefault(int(h), []).append(int(rn))
                first = list(seen.items())[:wanted]
                done = len(first) == wanted and all(len(rns) > 1 for _, rns in first)
                if done or limit >= copies:
                    break
                limit = copies
        finally:
            self.con.execute("RESET disabled_optimizers")
        first = [(h, rns) for h, rns in first if len(rns) > 1]
        counts = dict(
            self.con.execute(
                "SELECT h, n FROM repeated WHERE list_contains($hashes, h)",
                {"hashes": [h for h, _ in first]},
            ).fetchall()
        )
        return [(rns[0], rns[1], int(counts[h])) for h, rns in first]

    @property
    def row_hash(self) -> str:
        return "hash(" + ", ".join(self.columns) + ")"

    def bin_counts(
        self, spans: list[tuple[ColumnPlan, tuple[float, float]]], bins: int
    ) -> dict[int, dict[str, int]]:
        """Rows per bin of columns counted in `grouped`, from their value counts, not the file.

        Columns typed by the same expression share one query; each row's bounds come from a
        small table of each column's span.
        """
        by_typing: dict[str, list[tuple[ColumnPlan, tuple[float, float]]]] = {}
        for plan, span in spans:
            by_typing.setdefault(
                bin_of(f"({typed(plan, 'value')})", plan, "s.low", "s.step", bins), []
            ).append((plan, span))
        found: dict[int, dict[str, int]] = {}
        for expression, group in by_typing.items():
            query = (
                f"SELECT g.key, ({expression})::VARCHAR AS bin, sum(g.n) FROM grouped AS g "
                "JOIN (SELECT unnest($keys) AS key, unnest($lows) AS low, unnest($steps) AS step) "
                "AS s ON g.key = s.key GROUP BY ALL"
            )
            params = {
                "keys": [f"v{plan.index}" for plan, _ in group],
                "lows": [low for _, (low, _) in group],
                "steps": [(high - low) / bins for _, (low, high) in group],
            }
            for key, bin, n in self.con.execute(query, params).fetchall():
                found.setdefault(int(key[1:]), {})[str(bin)] = int(n)
        return found

    def invalid_examples(self, plan: ColumnPlan, limit: int) -> list[tuple[int, str]]:
        """(rn, text) of the first invalid values, reading only as far as the last of them."""
        c, t = plan.sql, f"t{plan.index}"
        query = (
            f"SELECT rn, {c} FROM {self.source([c], [plan], numbered=True)} "
            f"WHERE {c} IS NOT NULL AND {t} IS NULL LIMIT $limit"
        )
        rows = self.run(query, READ_MB, {"limit": limit})
        return [(int(rn), str(text)) for rn, text in rows]

    def preview(
        self, plans: Sequence[ColumnPlan], rows: int, batch: int = 50
    ) -> tuple[list[list[str | None]], list[list[Any]]]:
        """The first `rows` rows as written (None for an empty cell), and each cell's typed
        value (None where it does not fit the column's type; the text for text columns).

        The rows are read once; their cells are then typed from lists, a query per `batch`
        columns: planning one query of a thousand typed columns took half a minute, binding a
        reader of 2,000 columns a quarter second, and a table of them a block per column.
        """
        found = self.run(
            f"SELECT * FROM {self._read(as_written=True)} LIMIT $n",
            len(self.columns) * READ_MB,
            {"n": rows},
        )
        texts = [[None if cell is None else str(cell) for cell in row] for row in found]
        values: list[list[Any]] = [list(row) for row in texts]
        typed_plans = [plan for plan in plans if typed(plan) is not None]
        for start in range(0, len(typed_plans), batch):
            part = typed_plans[start : start + batch]
            lists = ", ".join(f"unnest($v{p.index}) AS {p.sql}" for p in part)
            query = (
                f"SELECT {', '.join(f't{p.index}' for p in part)} "
                f"FROM {self.source_of(f'(SELECT {lists})', part)}"
            )
            params = {f"v{p.index}": [row[p.index] for row in texts] for p in part}
            for number, row in enumerate(self.con.execute(query, params).fetchall()):
                for plan, value in zip(part, row, strict=True):
                    values[number][plan.index] = value
        return texts, values

    def source_of(self, source: str, plans: Sequence[ColumnPlan]) -> str:
        """`source` with the typed values `t<index>` of `plans`."""
        typed_columns = [
            f"{value} AS t{plan.index}" for plan in plans if (value := typed(plan)) is not None
        ]
        if not typed_columns:
            return source
        return f"(SELECT *, {', '.join(typed_columns)} FROM {source})"

    def _has_rejects(self) -> bool:
        # DuckDB creates the table only when the scan met a malformed row.
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'reject_errors'"
        ).fetchone()
        return bool(found and found[0])

    def rejected(self, limit: int) -> tuple[int, list[tuple[Any, ...]]]:
        """The number of malformed records and the first `limit` of them: (record number, kind,
        text, extra fields). DuckDB keeps 10,000 characters of a line, and records a row with too
        many fields once per extra field."""
        if not self._has_rejects():
            return 0, []
        total = self.con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()
        examples = self.con.execute(
            "SELECT line, any_value(error_type::VARCHAR), any_value(csv_line), "
            "count(*) FILTER (WHERE error_type = 'TOO MANY COLUMNS') "
            "FROM reject_errors GROUP BY line ORDER BY line LIMIT $limit",
            {"limit": limit},
        ).fetchall()
        return (int(total[0]) if total else 0), examples

    def rejected_records(self, before: int) -> set[int]:
        """DuckDB record numbers of malformed records, up to `before` of the well-formed ones."""
        if not self._has_rejects():
            return set()
        rows = self.con.execute(
            "SELECT DISTINCT line FROM reject_errors ORDER BY line LIMIT $n", {"n": before}
        ).fetchall()
        return {int(line) for (line,) in rows}

    def rejected_up_to(self, record: int) -> int:
        """How many malformed records come at or before DuckDB record number `record`."""
        if not self._has_rejects():
            return 0
        row = self.con.execute(
            "SELECT count(DISTINCT line) FROM reject_errors WHERE line <= $record",
            {"record": record},
        ).fetchone()
        return int(row[0]) if row else 0
