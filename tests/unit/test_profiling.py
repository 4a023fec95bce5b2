"""CSV profiling: reading, types, statistics and quality issues (pure, no Django)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from datasets.profiling.profile import CsvUnreadable, error_profile, profile_csv


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def profile(tmp_path: Path, content: str | bytes, **options: Any) -> dict[str, Any]:
    return profile_csv(write(tmp_path, content), threads=1, **options)


def column(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in result["columns"] if c["name"] == name)


def issues(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [issue for issue in result["quality_issues"] if issue["type"] == kind]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    rows = ["name,age,city", "ann,31,oslo", "bob,42,rome", "cy,27,lima"]
    result = profile(tmp_path, "\n".join(row.replace(",", delimiter) for row in rows) + "\n")
    assert result["delimiter"] == delimiter
    assert result["schema"] == {"name": "string", "age": "integer", "city": "string"}
    assert result["row_count"] == 3


def test_quoted_field_with_embedded_newline_stays_one_row(tmp_path: Path) -> None:
    result = profile(tmp_path, 'id,note\n1,"first\nsecond"\n2,plain\n')
    assert result["row_count"] == 2
    assert result["preview"][0] == ["1", "first\nsecond"]


def test_utf8_bom_is_accepted_and_reported(tmp_path: Path) -> None:
    result = profile(tmp_path, "\ufeffname,qty\nfoo,1\nbar,2\n".encode())
    assert result["encoding"] == "utf-8-sig"
    assert result["schema"] == {"name": "string", "qty": "integer"}


def test_latin1_file_is_transcoded(tmp_path: Path) -> None:
    result = profile(tmp_path, b"city,n\ncaf\xe9,1\nna\xefve,2\n")
    assert result["encoding"] in ("cp1252", "latin-1")
    assert result["preview"][0] == ["café", "1"]


def test_file_without_header_gets_generated_names(tmp_path: Path) -> None:
    result = profile(tmp_path, "1,ann,2020-01-01\n2,bob,2020-01-02\n")
    assert result["has_header"] is False
    assert list(result["schema"]) == ["column1", "column2", "column3"]
    assert result["row_count"] == 2


def test_ragged_rows_are_counted_with_line_numbers(tmp_path: Path) -> None:
    result = profile(tmp_path, "a,b\n1,x\n2\n3,y\n4,z,extra\n5,w\n")
    ragged = result["ragged_rows"]
    assert ragged["count"] == 2
    assert [example["line"] for example in ragged["examples"]] == [3, 5]
    assert [example["fields"] for example in ragged["examples"]] == [1, 3]
    assert result["row_count"] == 3
    assert issues(result, "ragged_rows")[0]["count"] == 2


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "-2", "30"], "integer"),
        (["1.5", "2", "-3e2"], "float"),
        (["true", "False", "yes"], "boolean"),
        (["2024-01-31", "2023-12-01", "2022-02-28"], "date"),
        (["2024-01-31 10:00:00", "2023-12-01T08:30", "2022-02-28 23:59:59"], "datetime"),
        (["apple", "pear", "plum"], "string"),
    ],
)
def test_each_column_type_is_inferred(tmp_path: Path, values: list[str], expected: str) -> None:
    result = profile(tmp_path, "label,value\n" + "".join(f"x,{v}\n" for v in values))
    assert result["schema"]["value"] == expected


def test_integers_reject_decimal_text(tmp_path: Path) -> None:
    # DuckDB alone would cast '3.5' to the integer 4.
    body = "n\n" + "".join(f"{n}\n" for n in range(1, 40)) + "3.5\n"
    result = profile(tmp_path, body)
    assert result["schema"]["n"] == "integer"
    assert column(result, "n")["invalid_examples"] == [{"line": 41, "value": "3.5"}]


def test_invalid_values_are_counted_with_examples_and_lines(tmp_path: Path) -> None:
    values = [str(n) for n in range(100)]
    values[10] = "unknown"
    values[50] = "oops"
    result = profile(tmp_path, "qty\n" + "\n".join(values) + "\n")
    qty = column(result, "qty")
    assert qty["type"] == "integer"
    assert qty["invalid"] == 2
    assert qty["invalid_examples"] == [
        {"line": 12, "value": "unknown"},
        {"line": 52, "value": "oops"},
    ]
    assert issues(result, "invalid_values")[0]["count"] == 2


def test_invalid_line_numbers_account_for_multiline_values(tmp_path: Path) -> None:
    result = profile(
        tmp_path, 'n,note\n1,"a\nb"\n2,c\nx,d\n' + "".join(f"{n},e\n" for n in range(30))
    )
    assert column(result, "n")["invalid_examples"] == [{"line": 5, "value": "x"}]


@pytest.mark.parametrize(
    ("head", "line"),
    [("1,a\n2\n3,b\n", 5), ("1,a\n2\n\n3,b\n", 6)],
    ids=["ragged-row", "ragged-row-and-blank-line"],
)
def test_invalid_line_numbers_account_for_skipped_lines(
    tmp_path: Path, head: str, line: int
) -> None:
    body = "n,s\n" + head + "x,c\n" + "".join(f"{n},d\n" for n in range(30))
    assert column(profile(tmp_path, body), "n")["invalid_examples"] == [
        {"line": line, "value": "x"}
    ]


def test_mostly_text_column_is_string(tmp_path: Path) -> None:
    result = profile(tmp_path, "v\n1\n2\nthree\nfour\n")
    assert result["schema"]["v"] == "string"
    assert column(result, "v")["invalid"] == 0


def test_day_first_dates_are_recognised(tmp_path: Path) -> None:
    result = profile(tmp_path, "d\n01/02/2024\n25/12/2023\n")
    d = column(result, "d")
    assert (d["type"], d["date_order"]) == ("date", "day-first")
    assert (d["min"], d["max"]) == ("2023-12-25", "2024-02-01")


def test_month_first_dates_are_recognised(tmp_path: Path) -> None:
    result = profile(tmp_path, "d\n01/02/2024\n12/25/2023\n")
    d = column(result, "d")
    assert (d["type"], d["date_order"]) == ("date", "month-first")
    assert (d["min"], d["max"]) == ("2023-12-25", "2024-01-02")


def test_date_order_is_decided_from_all_rows_not_the_sample(tmp_path: Path) -> None:
    body = "d\n" + "01/02/2024\n" * 30_000 + "31/01/2024\n"
    d = column(profile(tmp_path, body), "d")
    assert d["date_order"] == "day-first"
    assert d["max"] == "2024-02-01"


def test_stray_value_after_the_sample_is_an_invalid_value(tmp_path: Path) -> None:
    body = "n\n" + "".join(f"{n}\n" for n in range(120_000)) + "12a\n"
    n = column(profile(tmp_path, body), "n")
    assert n["type"] == "integer"
    assert n["invalid_examples"] == [{"line": 120_002, "value": "12a"}]


def test_numeric_statistics_and_histogram(tmp_path: Path) -> None:
    result = profile(tmp_path, "x\n1\n2\n3\n4\n\n")
    x = column(result, "x")
    assert (x["min"], x["max"], x["mean"]) == (1, 4, 2.5)
    assert x["std"] == pytest.approx(1.2910, abs=1e-4)
    assert (x["missing"], x["missing_pct"]) == (1, 20.0)
    assert sum(x["histogram"]["counts"]) == 4
    assert len(x["histogram"]["edges"]) == len(x["histogram"]["counts"]) + 1


def test_string_statistics_and_top_values(tmp_path: Path) -> None:
    result = profile(tmp_path, "fruit\napple\nfig\napple\nkiwi\napple\nfig\n")
    fruit = column(result, "fruit")
    assert (fruit["min_length"], fruit["max_length"]) == (3, 5)
    assert fruit["top_values"][:2] == [
        {"value": "apple", "count": 3},
        {"value": "fig", "count": 2},
    ]
    assert (fruit["distinct"], fruit["distinct_is_estimate"]) == (3, False)


def test_distinct_beyond_the_bound_is_an_estimate(tmp_path: Path) -> None:
    result = profile(
        tmp_path, "v\n" + "".join(f"v{n}\n" for n in range(50)), distinct_exact_limit=5
    )
    v = column(result, "v")
    assert v["distinct_is_estimate"] is True
    assert 40 <= v["distinct"] <= 60


def test_duplicate_rows_are_counted_with_lines(tmp_path: Path) -> None:
    result = profile(tmp_path, "a,b\n1,x\n2,y\n1,x\n3,z\n1,x\n")
    duplicates = result["duplicate_rows"]
    assert duplicates["count"] == 2
    assert duplicates["examples"] == [{"lines": [2, 4], "copies": 3}]


def test_duplicate_examples_are_the_first_repeated_rows_even_when_copies_are_far_apart(
    tmp_path: Path,
) -> None:
    rows = [f"{n},row {n}\n" for n in range(300)]
    rows[250] = rows[0]  # the first repeated row's copy is far beyond the early rows
    rows[11] = rows[10]
    rows[21] = rows[20]
    for n in range(10):
        rows[100 + n] = rows[30 + n]
    result = profile(tmp_path, "a,b\n" + "".join(rows), examples=2)
    duplicates = result["duplicate_rows"]
    assert duplicates["count"] == 13
    # lines count the header as line 1: row n is on line n + 2
    assert duplicates["examples"] == [
        {"lines": [2, 252], "copies": 2},
        {"lines": [12, 13], "copies": 2},
    ]


def test_empty_and_duplicate_header_names_are_issues(tmp_path: Path) -> None:
    result = profile(tmp_path, "id,,id\n1,a,2\n2,b,3\n")
    assert list(result["schema"]) == ["id", "column2", "id_2"]
    assert [i["column"] for i in issues(result, "empty_header")] == ["column2"]
    assert [i["column"] for i in issues(result, "duplicate_header")] == ["id", "id_2"]


def test_constant_column_is_an_issue(tmp_path: Path) -> None:
    result = profile(tmp_path, "cur,n\nEUR,1\nEUR,2\nEUR,3\n")
    assert [i["column"] for i in issues(result, "constant_column")] == ["cur"]


def test_missing_values_are_an_issue(tmp_path: Path) -> None:
    result = profile(tmp_path, "a,b\n1,\n2,x\n3,\n")
    [issue] = issues(result, "missing_values")
    assert (issue["column"], issue["count"]) == ("b", 2)


def test_summary_has_the_original_pipeline_fields_and_is_json(tmp_path: Path) -> None:
    result = profile_csv(
        write(tmp_path, "a\n1\n"), file_name="orders.csv", upload_timestamp="2024-05-01T10:00:00"
    )
    for key in ("file_name", "upload_timestamp", "processed_timestamp", "status", "row_count"):
        assert key in result
    assert (result["file_name"], result["status"]) == ("orders.csv", "success")
    assert set(result["statistics"]["a"]) >= {"count", "missing", "distinct", "min", "max"}
    json.dumps(result)


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20],
    ids=["empty", "blank-lines", "binary"],
)
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(CsvUnreadable, match=r"empty|not text"):
        profile(tmp_path, content)


def test_error_profile_records_the_reason() -> None:
    summary = error_profile("x.csv", "The file is empty.", upload_timestamp="2024-05-01")
    assert summary["status"] == "error"
    assert summary["error_message"] == "The file is empty."
    assert (summary["file_name"], summary["row_count"], summary["schema"]) == ("x.csv", 0, {})
    json.dumps(summary)
