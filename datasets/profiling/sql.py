"""The DuckDB queries behind `datasets.profiling.profile`.

Every query scans the CSV itself: loading it into a table first costs several scans' worth of
time (a Parquet copy, about three). Cells are read as text under internal names c0..cN next to
`rn`, the row's number in file order, so header text never reaches SQL and user values only
travel as parameters.
The expressions pasted into SQL are built here and in `datasets.profiling.types` (how a
column's text is typed) from internal names and fixed patterns only, hence the file-wide S608
exemption.
"""
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from datasets.profiling.sniff import Dialect
from datasets.profiling.types import (
    NUMERIC,
    TEMPORAL,
    TYPED_FACTS,
    ColumnPlan,
    decide_type,
    type_checks,
    typed,
    typed_selects,
)


def connect(workdir: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that stays inside `memory_limit` and spills to `workdir`."""
    con = duckdb.connect(":memory:")
    con.execute("SET memory_limit = $limit", {"limit": memory_limit})
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET temp_directory = $dir", {"dir": str(workdir / "spill")})
    con.execute("SET preserve_insertion_order = true")
    return con


class CsvScan:
    """Aggregate queries over the CSV file read with a fixed dialect."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, dialect: Dialect) -> None:
        self.con = con
        self.dialect = dialect
        self.params: dict[str, Any] = {
            "path": str(path),
            "delim": dialect.delimiter,
            "quote": dialect.quotechar,
            "header": dialect.has_header,
        }
        self.columns = [f"c{n}" for n in range(dialect.column_count)]
        self._rejects_stored = False

    def _source(self, numbered: bool) -> str:
        # Malformed rows are stored with their line numbers once, then only skipped.
        if self._rejects_stored:
            errors = "ignore_errors = true"
        else:
            errors = "store_rejects = true"
            self._rejects_stored = True
        types = ", ".join(f"'{column}': 'VARCHAR'" for column in self.columns)
        read = (
            "read_csv($path, delim = $delim, quote = $quote, escape = $quote, "
            f"header = $header, auto_detect = false, {errors}, "
            f"columns = {{{types}}})"
        )
        if not numbered:
            return read
        return f"(SELECT row_number() OVER () AS rn, * FROM {read})"

    def _typed_source(self, typed_plans: list[ColumnPlan], numbered: bool = False) -> str:
        # Each typed value is computed once, as `t<index>`, in a projection under the
        # aggregates: repeated inside each aggregate it would be parsed once per aggregate.
        # Only ask for `rn` where it is used: row_number() keeps the scan in file order, on
        # one thread.
        source = self._source(numbered)
        typed_columns = [
            f"{value} AS t{plan.index}"
            for plan in typed_plans
            if (value := typed(plan)) is not None
        ]
        if typed_columns:
            source = f"(SELECT *, {', '.join(typed_columns)} FROM {source})"
        return source

    def aggregate(
        self, selects: list[str], typed_plans: list[ColumnPlan] | None = None
    ) -> tuple[Any, ...]:
        """One row of aggregates over the file."""
        source = self._typed_source(typed_plans or [])
        # fetchall, not fetchone: DuckDB stores the rejected rows when the query completes.
        rows = self.con.execute("SELECT " + ", ".join(selects) + " FROM " + source, self.params)
        return tuple(rows.fetchall()[0])

    def group_counts(
        self, keys: dict[str, str], typed_plans: list[ColumnPlan]
    ) -> tuple[list[tuple[Any, ...]], int, int]:
        """Rows per value of each key expression and per repeated row, in one scan.

        Returns (key name, key value, rows) for the keys, the number of rows that occur more
        than once and the number of rows in all their copies; those rows' hashes and copies
        stay in the temporary table `repeated` for `repeated_lines`. Rows are told apart by a
        hash of all their cells; as one more grouping set beside the keys it costs less than a
        scan of its own. The scan carries no row numbers: numbering rows keeps a scan in file
        order, on one thread, which doubled this pass's time.
        """
        keys = {**keys, "row": self._row_hash}
        projected = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
        source = f"(SELECT {projected} FROM {self._typed_source(typed_plans)})"
        sets = ", ".join(f"({name})" for name in keys)
        which = " ".join(f"WHEN grouping({name}) = 0 THEN '{name}'" for name in keys)
        value = " ".join(f"WHEN grouping({name}) = 0 THEN {name}::VARCHAR" for name in keys)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE grouped AS "
            f"SELECT CASE {which} END AS key, CASE {value} END AS value, count(*) AS n "
            f"FROM {source} "
            "GROUP BY GROUPING SETS (" + sets + ") HAVING grouping(row) = 1 OR count(*) > 1",
            self.params,
        )
        counts = self.con.execute("SELECT key, value, n FROM grouped WHERE key <> 'row'").fetchall()
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE repeated AS "
            "SELECT value::UBIGINT AS h, n FROM grouped WHERE key = 'row'"
        )
        self.con.execute("DROP TABLE grouped")
        rows, copies = self.con.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM repeated"
        ).fetchall()[0]
        return counts, int(rows), int(copies)

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
            f"SELECT rn, h FROM (SELECT row_number() OVER () AS rn, {self._row_hash} AS h "
            f"FROM {self._source(numbered=False)}) WHERE h IN (SELECT h FROM repeated) "
            "LIMIT $limit"
        )
        limit = min(copies, 4 * wanted)
        # The file's row count is unknown to the planner, which may then hash the file and
        # probe it with the few repeated rows: a full read, in no particular order. Keep the
        # file on the probe side so rows stream in file order and LIMIT stops the read early.
        self.con.execute("SET disabled_optimizers = 'build_side_probe_side'")
        try:
            while True:
                found = self.con.execute(query, {**self.params, "limit": limit}).fetchall()
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
    def _row_hash(self) -> str:
        return "hash(" + ", ".join(self.columns) + ")"

    def bin_counts(self, plan: ColumnPlan, values: dict[str, int], key: str) -> dict[str, int]:
        """Rows per bin computed from a column's value counts instead of from the file."""
        c, t = plan.sql, f"t{plan.index}"
        query = (
            f"SELECT ({key})::VARCHAR AS bin, sum(n) FROM (SELECT *, {typed(plan)} AS {t} "
            f"FROM (SELECT unnest($values) AS {c}, unnest($counts) AS n)) GROUP BY bin"
        )
        params = {"values": list(values), "counts": list(values.values())}
        return {bin: int(n) for bin, n in self.con.execute(query, params).fetchall()}

    def invalid_examples(self, plan: ColumnPlan, limit: int) -> list[tuple[int, str]]:
        """(rn, text) of the first invalid values, reading only as far as the last of them."""
        c, t = plan.sql, f"t{plan.index}"
        query = (
            f"SELECT rn, {c} FROM {self._typed_source([plan], numbered=True)} "
            f"WHERE {c} IS NOT NULL AND {t} IS NULL LIMIT $limit"
        )
        params = {**self.params, "limit": limit}
        return [(int(rn), str(text)) for rn, text in self.con.execute(query, params).fetchall()]

    def preview(self, rows: int) -> list[list[str]]:
        """The first rows as text, missing cells as empty strings."""
        query = f"SELECT * FROM {self._source(numbered=False)} LIMIT $n"
        result = self.con.execute(query, {**self.params, "n": rows}).fetchall()
        return [["" if cell is None else str(cell) for cell in row] for row in result]

    def _has_rejects(self) -> bool:
        # DuckDB creates the table only when the scan met a malformed row.
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'reject_errors'"
        ).fetchone()
        return bool(found and found[0])

    def rejected(self, limit: int) -> tuple[int, list[tuple[Any, ...]]]:
        """The number of malformed records and the first `limit` (record number, kind, text)."""
        if not self._has_rejects():
            return 0, []
        total = self.con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()
        examples = self.con.execute(
            "SELECT line, any_value(error_type::VARCHAR), any_value(csv_line) "
            "FROM reject_errors GROUP BY line ORDER BY line LIMIT $limit",
            {"limit": limit},
        ).fetchall()
        return (int(total[0]) if total else 0), examples

    def rejected_up_to(self, record: int) -> int:
        """How many malformed records come at or before DuckDB record number `record`."""
        if not self._has_rejects():
            return 0
        row = self.con.execute(
            "SELECT count(DISTINCT line) FROM reject_errors WHERE line <= $record",
            {"record": record},
        ).fetchone()
        return int(row[0]) if row else 0


def main_pass(scan: CsvScan, plans: list[ColumnPlan]) -> int:
    """One scan for counts, lengths, distinct estimates and statistics under the sampled types.

    Returns the row count.
    """
    layout: list[tuple[ColumnPlan, list[str]]] = []
    selects = ["count(*)"]
    for plan in plans:
        c = plan.sql
        parts = {"count": f"count({c})", "approx_distinct": f"approx_count_distinct({c})"}
        parts.update(_length_selects(plan))
        parts.update(typed_selects(plan))
        layout.append((plan, list(parts)))
        selects.extend(parts.values())
    row = scan.aggregate(selects, plans)
    _store(row[1:], layout)
    return int(row[0])


def _length_selects(plan: ColumnPlan) -> dict[str, str]:
    if plan.type != "string":
        return {}
    return {"min_length": f"min(length({plan.sql}))", "max_length": f"max(length({plan.sql}))"}


def _store(row: tuple[Any, ...], layout: list[tuple[ColumnPlan, list[str]]]) -> None:
    values = iter(row)
    for plan, keys in layout:
        plan.facts.update({key: next(values) for key in keys})


def retype(scan: CsvScan, plans: list[ColumnPlan]) -> None:
    """For columns the sample misjudged: check every type over all rows, then recompute."""
    layout = [(plan, type_checks(plan)) for plan in plans]
    selects = [expr for _, checks in layout for expr in checks.values()]
    _store(scan.aggregate(selects), [(plan, list(checks)) for plan, checks in layout])
    for plan in plans:
        for key in TYPED_FACTS:
            plan.facts.pop(key, None)
        decide_type(plan)
    typed_layout = [(plan, {**typed_selects(plan), **_length_selects(plan)}) for plan in plans]
    selects = [expr for _, parts in typed_layout for expr in parts.values()]
    if selects:
        row = scan.aggregate(selects, plans)
        _store(row, [(plan, list(parts)) for plan, parts in typed_layout])


def count_pass(
    scan: CsvScan,
    plans: list[ColumnPlan],
    count_values: list[ColumnPlan],
    bins: int,
    examples: int,
) -> tuple[int, list[tuple[int, int, int]]]:
    """One scan for exact value counts, histogram bins and repeated rows.

    Sets `values` (value -> rows) on the `count_values` plans and `bin_counts` (rows per bin)
    and `bin_range` on numeric and date plans with more than one value. Returns the extra
    copies of repeated rows and (first rn, second rn, copies) of the first `examples` of them.
    """
    keys: dict[str, str] = {f"v{plan.index}": plan.sql for plan in count_values}
    binned: dict[int, str] = {}
    for plan in plans:
        span = _bin_range(plan)
        if span is None:
            continue
        plan.facts["bin_range"] = span
        binned[plan.index] = _bin_key(plan, span, bins)
        if plan not in count_values:
            keys[f"b{plan.index}"] = binned[plan.index]
    scanned = [plan for plan in plans if f"b{plan.index}" in keys]
    counts, repeated_rows, copies = scan.group_counts(keys, scanned)
    repeated_examples = scan.repeated_lines(repeated_rows, copies, examples)
    by_key: dict[str, dict[Any, int]] = {name: {} for name in keys}
    for name, key, count in counts:
        if key is not None:
            by_key[name][key] = int(count)
    for plan in count_values:
        plan.facts["values"] = by_key[f"v{plan.index}"]
    for plan in plans:
        if plan.index not in binned:
            continue
        if plan in count_values:
            # Bins from the value counts: typing a few thousand values beats a scan's worth.
            per_bin = scan.bin_counts(plan, plan.facts["values"], binned[plan.index])
        else:
            per_bin = by_key[f"b{plan.index}"]
        plan.facts["bin_counts"] = [per_bin.get(str(n), 0) for n in range(bins)]
    return copies - repeated_rows, repeated_examples


def _bin_key(plan: ColumnPlan, span: tuple[float, float], bins: int) -> str:
    """SQL for the bin (0 to bins - 1) of the column's typed value `t<index>`."""
    low, high = span
    value = f"t{plan.index}"
    if plan.type in TEMPORAL:
        value = f"epoch(CAST({value} AS TIMESTAMP))"
    # least() skips NULLs, so a missing value must stay NULL before it gets there.
    bin_index = f"floor((CAST({value} AS DOUBLE) - {low!r}) / {(high - low) / bins!r})"
    return f"CASE WHEN {value} IS NOT NULL THEN least({bin_index}, {bins - 1})::INTEGER END"


def _bin_range(plan: ColumnPlan) -> tuple[float, float] | None:
    if plan.type in NUMERIC:
        low, high = plan.facts.get("min"), plan.facts.get("max")
    elif plan.type in TEMPORAL:
        low, high = _epoch(plan.facts.get("min")), _epoch(plan.facts.get("max"))
    else:
        return None
    if low is None or high is None or low == high:
        return None
    return float(low), float(high)


def _epoch(value: dt.date | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - dt.datetime(1970, 1, 1)).total_seconds()
