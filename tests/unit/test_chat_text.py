"""How chat text is compared and marked: case and accents ignored, marks placed on the text
as written."""

from __future__ import annotations

import pytest

from chats.presenters import highlight, match_spans
from chats.search.text import fold, fold_with_positions


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("João", "joao"),
        ("JOÃO", "joao"),
        ("Joa\u0303o", "joao"),  # written decomposed
        ("Crème Brûlée", "creme brulee"),
        ("Ελληνικά", "ελληνικα"),
        ("Straße", "straße"),  # not a mark: kept
        ("İ", "i"),  # as DuckDB: lower case "i" and a combining dot, the dot dropped
        ("ΟΔΟΣ", "οδοσ"),  # per code point: no final sigma
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold_lowers_and_drops_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_positions_map_the_fold_back_to_the_text() -> None:
    folded, positions = fold_with_positions("Joa\u0303o!")
    assert folded == "joao!"
    assert positions == [0, 1, 2, 4, 5, 6]


def test_words_are_marked_as_written() -> None:
    assert str(highlight("Meet João at the café", ["JOAO", "cafe"])) == (
        "Meet <mark>João</mark> at the <mark>café</mark>"
    )
    assert match_spans("Joa\u0303o and joa", ["joa"]) == [(0, 4), (10, 13)]
    assert (
        str(highlight("<b>joão</b>", ["b"])) == "&lt;<mark>b</mark>&gt;joão&lt;/<mark>b</mark>&gt;"
    )


def test_the_fold_is_duckdbs() -> None:
    duckdb = pytest.importorskip("duckdb")
    texts = ["İstanbul", "João", "Joa\u0303o", "Crème", "ǅemal", "Ελληνικά ΟΔΟΣ", "Åsa", "ﬁne"]
    with duckdb.connect() as connection:
        for text in texts:
            row = connection.execute("SELECT strip_accents(lower(?))", [text]).fetchone()
            assert row is not None and fold(text) == row[0], text
