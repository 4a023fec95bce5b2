"""CSV profiling, the values: types that tolerate a few bad values, missing tokens, numbers
written with separators and decimal commas, mixed date formats, and issue messages that count
right (pure, no Django)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from datasets.profiling.profile import profile_csv


def profile(tmp_path: Path, text: str, **options: Any) -> dict[str, Any]:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return profile_csv(path, threads=1, **options)


def column(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in result["columns"] if c["name"] == name)


def issues(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [issue for issue in result["quality_issues"] if issue["type"] == kind]


def one_column(header: str, values: list[str]) -> str:
    return header + "\n" + "\n".join(f'"{value}"' for value in values) + "\n"


# Types that tolerate a few bad values


def test_a_column_of_integers_with_a_few_bad_values_is_integer(tmp_path: Path) -> None:
    # 2.5% bad: "--" (a missing token) and "err" (an invalid value).
    values = [str(n) for n in range(400)]
    for row in range(0, 400, 80):
        values[row] = "--"
        values[row + 40] = "err"
    n = column(profile(tmp_path, one_column("n", values)), "n")
    assert n["type"] == "integer"
    assert (n["missing"], n["invalid"]) == (5, 5)
    assert {example["value"] for example in n["invalid_examples"]} == {"err"}


def test_bad_values_crowded_at_the_start_do_not_make_a_column_text(tmp_path: Path) -> None:
    # In the first megabyte (the sample) about 1 value in 9 is bad; over the file 1 in 30.
    rng = random.Random(5)
    values = [str(rng.randint(0, 99_999)) for _ in range(600_000)]
    for row in range(0, 160_000, 8):
        values[row] = "err"
    n = column(profile(tmp_path, "n\n" + "\n".join(values) + "\n"), "n")
    assert n["type"] == "integer"
    assert n["invalid"] == 20_000


def test_a_column_with_more_than_5_percent_text_stays_text(tmp_path: Path) -> None:
    values = [str(n) if n % 10 else f"item {n}" for n in range(200)]
    v = column(profile(tmp_path, one_column("v", values)), "v")
    assert (v["type"], v["invalid"]) == ("string", 0)


# Missing tokens


@pytest.mark.parametrize("token", ["N/A", "n/a", "NA", "na", "null", "NULL", "Null", "--", ""])
def test_common_missing_tokens_count_as_missing(tmp_path: Path, token: str) -> None:
    values = [str(n) for n in range(60)]
    values[7] = values[30] = token
    n = column(
        profile(tmp_path, "id,n\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))), "n"
    )
    assert (n["type"], n["missing"], n["invalid"]) == ("integer", 2, 0)


def test_missing_tokens_are_configurable(tmp_path: Path) -> None:
    values = [str(n) for n in range(60)]
    values[7], values[30] = "?", "N/A"
    result = profile(tmp_path, one_column("n", values), missing_tokens=("?", "unknown"))
    n = column(result, "n")
    assert (n["missing"], n["invalid"]) == (1, 1)
    assert n["invalid_examples"] == [{"line": 32, "value": "N/A"}]
    assert result["missing_tokens"] == ["?", "unknown"]


def test_sample_rows_keep_missing_tokens_as_written(tmp_path: Path) -> None:
    result = profile(tmp_path, "a,b\n1,N/A\n2,x\n")
    assert result["preview"][0] == ["1", "N/A"]


# Numbers with separators and decimal commas


@pytest.mark.parametrize(
    ("values", "kind", "written", "low", "high"),
    [
        (["1,234.5", "12.25", "1,000,000.75", "-3,000"], "float", "1,234.5", -3000, 1000000.75),
        (["1.234,5", "12,25", "1.000.000,75", "-3.000"], "float", "1.234,5", -3000, 1000000.75),
        (["3,14", "2,72", "1,41", "0,5"], "float", "1.234,5", 0.5, 3.14),
        (["1 234,5", "12,25", "1\u00a0000\u00a0000,75", "7"], "float", "1 234,5", 7, 1000000.75),
        (["1'234.5", "12.25", "1\u2019000\u2019000.75", "7"], "float", "1'234.5", 7, 1000000.75),
        (["1,234", "5,678,901", "12", "-40"], "integer", "1,234.5", -40, 5678901),
    ],
    ids=["comma-thousands", "dot-thousands", "decimal-comma", "space", "apostrophe", "integers"],
)
def test_numbers_with_separators_and_decimal_commas(
    tmp_path: Path, values: list[str], kind: str, written: str, low: float, high: float
) -> None:
    x = column(profile(tmp_path, one_column("x", values * 10)), "x")
    assert (x["type"], x["number_format"], x["invalid"]) == (kind, written, 0)
    assert (x["min"], x["max"]) == (pytest.approx(low), pytest.approx(high))
    assert sum(x["histogram"]["counts"]) == 40


def test_plain_numbers_have_no_number_format(tmp_path: Path) -> None:
    x = column(profile(tmp_path, one_column("x", ["1.5", "2", "1.234"] * 5)), "x")
    assert (x["type"], x["number_format"]) == ("float", None)


def test_a_value_in_another_number_format_is_invalid(tmp_path: Path) -> None:
    values = ["1.234,5"] * 40 + ["1,234.5"]
    x = column(profile(tmp_path, one_column("x", values)), "x")
    assert (x["number_format"], x["invalid"]) == ("1.234,5", 1)
    assert x["invalid_examples"] == [{"line": 42, "value": "1,234.5"}]


def test_a_number_format_found_after_the_sample_is_checked_over_all_rows(
    tmp_path: Path,
) -> None:
    # The sample holds only plain integers; later rows are written with separators.
    head = [str(n) for n in range(150_000)]
    tail = [f"{n:,}" for n in range(1_000_000, 1_200_000, 7)]
    x = column(profile(tmp_path, one_column("x", head + tail)), "x")
    assert (x["type"], x["number_format"], x["invalid"]) == ("integer", "1,234.5", 0)
    assert x["max"] == max(range(1_000_000, 1_200_000, 7))


# Mixed date formats


def test_mixed_date_formats_are_read_and_reported(tmp_path: Path) -> None:
    values = ["2024-01-31", "2023-12-25", "2022-06-01"] * 10 + ["25/12/2021", "13/01/2020"]
    result = profile(tmp_path, one_column("d", values))
    d = column(result, "d")
    assert (d["type"], d["invalid"]) == ("date", 0)
    assert (d["min"], d["max"]) == ("2020-01-13", "2024-01-31")
    [issue] = issues(result, "mixed_date_formats")
    assert issue["formats"] == [
        {"format": "YYYY-MM-DD", "count": 30, "invalid": False},
        {"format": "DD/MM/YYYY", "count": 2, "invalid": False},
    ]
    assert (
        issue["message"]
        == "'d' mixes date formats: 30 values as YYYY-MM-DD, 2 values as DD/MM/YYYY."
    )


def test_a_date_format_that_appears_after_the_sample_is_reported(tmp_path: Path) -> None:
    values = ["2024-01-31"] * 120_000 + ["31/01/2024", "30/01/2024"]
    result = profile(tmp_path, one_column("d", values))
    d = column(result, "d")
    assert (d["type"], d["invalid"], d["min"]) == ("date", 0, "2024-01-30")
    [issue] = issues(result, "mixed_date_formats")
    assert [f["count"] for f in issue["formats"]] == [120_000, 2]


def test_day_first_and_month_first_in_one_column_are_reported(tmp_path: Path) -> None:
    values = ["25/12/2023", "31/01/2024", "13/02/2024", "01/02/2024"] * 5 + ["12/25/2023"]
    result = profile(tmp_path, one_column("d", values))
    d = column(result, "d")
    assert (d["date_order"], d["invalid"]) == ("day-first", 1)
    [issue] = issues(result, "mixed_date_formats")
    assert issue["formats"][-1] == {"format": "MM/DD/YYYY", "count": 1, "invalid": True}
    assert "1 value can only be MM/DD/YYYY, so it is invalid." in issue["message"]


def test_one_date_format_is_not_an_issue(tmp_path: Path) -> None:
    result = profile(tmp_path, one_column("d", ["2024-01-31", "2023-12-25"] * 5))
    assert issues(result, "mixed_date_formats") == []


# Counts in words


def test_issue_messages_count_in_words(tmp_path: Path) -> None:
    result = profile(tmp_path, "a,b,c\n1,,x\n2,y,x\n1,,x\n3,z\n4,w,1.5\n")
    messages = [issue["message"] for issue in result["quality_issues"]]
    assert "2 missing values in 'b' (50.0%)." in messages  # 2 of 4 rows: one was left out
    assert "1 row repeats an earlier row exactly." in messages
    assert "1 row does not have 3 fields and was left out." in messages


def test_a_single_invalid_value_is_counted_in_the_singular(tmp_path: Path) -> None:
    values = [str(n) for n in range(40)] + ["oops"]
    result = profile(tmp_path, one_column("n", values))
    [issue] = issues(result, "invalid_values")
    assert issue["message"] == "1 value in 'n' is not an integer."
    [missing] = issues(profile(tmp_path, one_column("m", [*values[:40], ""])), "missing_values")
    assert missing["message"].startswith("1 missing value in 'm'")


# Sample rows: their lines, which cells are missing or invalid, and each column's order


def test_sample_rows_mark_missing_and_invalid_cells(tmp_path: Path) -> None:
    rows = [f"{n},{n * 2},item{n}" for n in range(40)]
    rows[3] = "3,oops,item3"
    rows[5] = "5,N/A,"
    result = profile(tmp_path, "id,n,s\n" + "\n".join(rows) + "\n")
    marks = result["preview_marks"]
    assert marks["invalid"] == [[3, 1]]
    assert marks["missing"] == [[5, 1], [5, 2]]
    assert result["preview"][5] == ["5", "N/A", ""]


def test_sample_rows_know_their_lines(tmp_path: Path) -> None:
    result = profile(tmp_path, 'a,b\n1,x\n2\n3,"two\nlines"\n\n4,y\n')
    assert [row[0] for row in result["preview"]] == ["1", "3", "4"]
    assert result["preview_lines"] == [2, 4, 7]


def test_each_column_orders_the_sample_rows_by_its_values(tmp_path: Path) -> None:
    rows = ["10,b,2024-03-01", "9,a,2023-12-31", "100,C,2024-01-15", "x,,N/A", "-5,b,2022-01-01"]
    rows += [f"{n},z,2021-01-01" for n in range(1, 40)]
    result = profile(tmp_path, "n,s,d\n" + "\n".join(rows) + "\n", preview_rows=5)
    order = result["preview_order"]
    assert order[0] == [4, 1, 0, 2, 3]  # -5, 9, 10, 100 as numbers; the invalid "x" last
    assert order[1] == [1, 0, 4, 2, 3]  # a, b, b, C (ignoring case); the missing cell last
    assert order[2] == [4, 1, 2, 0, 3]


def test_the_sample_holds_fewer_rows_when_the_file_is_wide(tmp_path: Path) -> None:
    header = ",".join(f"c{n}" for n in range(1_000))
    body = "".join(",".join(["1"] * 1_000) + "\n" for _ in range(100))
    result = profile(tmp_path, header + "\n" + body)
    assert len(result["preview"]) == 10  # 10,000 cells at most
    assert len(result["preview_lines"]) == 10
