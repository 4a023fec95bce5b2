"""The dataset page: sample rows highlighted, sorted and paged; one missing-values table; counts
in words; formats named; no inline styles."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Dataset
from datasets.pipeline import profile_dataset_object
from ingestion.jobs import run_claimed
from ingestion.models import StoredObject
from tests.broker import purge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def profiled(client: Any, data: bytes, name: str = "data.csv") -> Dataset:
    response = client.post("/api/uploads", {"file": SimpleUploadedFile(name, data)})
    obj = StoredObject.objects.get(pk=response.json()["id"])
    assert obj.claim()
    run_claimed(obj, profile_dataset_object)
    return Dataset.objects.get(source=obj)


def page(client: Any, dataset: Dataset, query: str = "") -> str:
    response = client.get(f"/datasets/{dataset.pk}/{query}")
    assert response.status_code == 200
    return str(response.content.decode())


def sample_rows(html: str) -> list[list[str]]:
    """The sample table's body as text: each row's cells, the line first."""
    body = html.split('class="list ds-preview"')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in rows
    ]


# 60 rows: a score column of integers with one invalid value and one missing token.
SCORE = {n: n * 37 % 101 for n in range(1, 61) if n not in (7, 9)}
SCORES = b"id,name,score\n" + b"".join(
    b"%d,n%02d,%s\n" % (n, n, b"oops" if n == 7 else b"N/A" if n == 9 else b"%d" % SCORE[n])
    for n in range(1, 61)
)


def test_invalid_and_missing_cells_are_highlighted_in_the_sample(owner_client: Any) -> None:
    html = page(owner_client, profiled(owner_client, SCORES))
    bad = re.findall(r'<td class="num ds-bad-cell" title="not an integer">oops', html)
    assert len(bad) == 1
    assert 'oops<span class="ds-vh"> (not an integer)</span>' in html
    assert re.search(r'<td class="num ds-missing-cell">N/A<span class="ds-vh"> \(missing\)', html)


def test_the_sample_shows_each_rows_line(owner_client: Any) -> None:
    rows = sample_rows(page(owner_client, profiled(owner_client, SCORES)))
    assert rows[0][:2] == ["2", "1"] and rows[24][:2] == ["26", "25"]


def test_the_sample_is_paged_25_rows_at_a_time(owner_client: Any) -> None:
    dataset = profiled(owner_client, SCORES)
    first = page(owner_client, dataset)
    assert len(sample_rows(first)) == 25
    assert "Rows 1–25 of 60." in first and "Page 1 of 3" in first
    assert 'href="?page=2#sample"' in first and "← Previous" not in first
    last = page(owner_client, dataset, "?page=3")
    assert [row[1] for row in sample_rows(last)] == [str(n) for n in range(51, 61)]
    assert "Rows 51–60 of 60." in last and "Next →" not in last


def test_the_sample_sorts_by_a_column_as_numbers_with_bad_cells_last(owner_client: Any) -> None:
    dataset = profiled(owner_client, SCORES)
    html = page(owner_client, dataset, "?sort=2&order=desc")
    scores = [row[3] for row in sample_rows(html)]
    assert scores[:3] == [str(n) for n in sorted(SCORE.values(), reverse=True)[:3]]
    assert 'aria-sort="descending"' in html and "Sorted by score, largest first" in html
    assert 'href="?sort=2&amp;order=asc#sample"' in html  # the header toggles the order
    last = page(owner_client, dataset, "?sort=2&order=desc&page=3")
    assert [row[3] for row in sample_rows(last)][-2:] == ["N/A (missing)", "oops (not an integer)"]
    ascending = [row[3] for row in sample_rows(page(owner_client, dataset, "?sort=2"))]
    assert ascending[:3] == [str(n) for n in sorted(SCORE.values())[:3]]
    as_text = sorted(str(n) for n in SCORE.values())[:3]
    assert ascending[:3] != as_text  # numbers, not text


@pytest.mark.parametrize("query", ["?sort=99", "?sort=x", "?page=0", "?page=abc", "?order=up"])
def test_a_nonsense_query_string_shows_the_sample_in_file_order(
    owner_client: Any, query: str
) -> None:
    rows = sample_rows(page(owner_client, profiled(owner_client, SCORES), query))
    assert [row[1] for row in rows[:3]] == ["1", "2", "3"]


def test_a_page_past_the_end_shows_the_last_page(owner_client: Any) -> None:
    html = page(owner_client, profiled(owner_client, SCORES), "?page=40")
    assert "Page 3 of 3" in html


def test_missing_values_are_one_table_not_a_card_per_column(owner_client: Any) -> None:
    data = b"a,b,c,d\n" + b"".join(
        b"%d,%s,%s,x\n" % (n, b"" if n % 3 == 0 else b"1", b"null" if n % 4 == 0 else b"2")
        for n in range(1, 25)
    )
    html = page(owner_client, profiled(owner_client, data))
    assert html.count('<span class="ds-issue-kind">Missing values</span>') == 1
    table = html.split('class="ds-missing-table"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row"><a href="#col-\d">(\w)</a></th>', table) == ["b", "c"]
    assert "14 missing values in 2 columns." in html
    assert "Counted as missing: empty cells and N/A, NA, null, --." in html


def test_counts_read_in_words(owner_client: Any) -> None:
    data = b"a,b\n" + b"".join(b"%d,%s\n" % (n, b"" if n == 5 else b"k") for n in range(1, 30))
    html = page(owner_client, profiled(owner_client, data))
    assert "1 missing value in 1 column." in html
    assert "The most common value" in html  # b has one value besides the missing cell
    assert "1 missing values" not in html and "1 columns" not in html


def test_formats_are_named_in_the_schema_and_issues(owner_client: Any) -> None:
    data = b"amount;day\n" + b"".join(
        b'"%d.%03d,50";%s\n' % (n, n, b"2024-01-%02d" % n if n < 25 else b"%02d/02/2024" % n)
        for n in range(1, 29)
    )
    html = page(owner_client, profiled(owner_client, data))
    assert '<span class="ds-written">1.234,5</span>' in html
    assert '<span class="ds-written">mixed formats</span>' in html
    assert '<span class="ds-issue-kind">Mixed date formats</span>' in html
    assert "<code>DD/MM/YYYY</code> 4 values" in html


def test_dataset_pages_use_no_inline_styles(owner_client: Any) -> None:
    dataset = profiled(owner_client, SCORES)
    for html in (page(owner_client, dataset), owner_client.get("/datasets/").content.decode()):
        main = re.split(r"<main[^>]*>", html)[1]
        assert not re.search(r"\sstyle=", main)
