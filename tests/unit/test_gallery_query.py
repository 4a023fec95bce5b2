"""gallery.query: the pure query value and the one cursor codec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gallery.query import PAGE_SIZE, GalleryQuery, Position, decode_position, encode_position


def test_a_cursor_names_the_same_position_it_was_made_from() -> None:
    at = Position(datetime(2024, 3, 1, 10, 10, tzinfo=timezone(timedelta(hours=2))), 42)

    assert decode_position(encode_position(at)) == at


@pytest.mark.parametrize(
    "text",
    [
        "not-a-cursor",
        "",
        encode_position(Position(datetime(2024, 3, 1, tzinfo=UTC), 1))[:-3],
        "WyIyMDI0LTAzLTAxVDEwOjEwOjEwIiwxXQ",  # a naive time: ["2024-03-01T10:10:10",1]
        "WyIyMDI0LTAzLTAxVDEwOjEwOjEwKzAwOjAwIiwieCJd",  # an id that is not a number
    ],
)
def test_a_cursor_the_gallery_did_not_give_out_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a cursor"):
        decode_position(text)


def test_params_leave_out_defaults_and_keep_the_filters() -> None:
    query = GalleryQuery(tag="beach", year=2024, month=3, gps=False, problems=True)

    assert GalleryQuery().params() == ""
    assert query.params() == "tag=beach&year=2024&month=3&gps=no&problems=1"
    assert GalleryQuery(sort="uploaded", limit=PAGE_SIZE + 1).params(cursor="abc") == (
        f"sort=uploaded&limit={PAGE_SIZE + 1}&cursor=abc"
    )


def test_a_query_is_filtered_by_any_filter_but_not_by_its_sort_or_position() -> None:
    at = Position(datetime(2024, 3, 1, tzinfo=UTC), 1)

    assert not GalleryQuery(sort="uploaded", older=at, limit=10).filtered
    assert GalleryQuery(gps=False).filtered
    assert GalleryQuery(problems=True).filtered
