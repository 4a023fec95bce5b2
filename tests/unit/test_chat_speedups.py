"""The chat parser's C steps (chats/whatsapp/_speedups.c) give what chats/whatsapp/steps.py gives.

Each C function is checked against its pure-Python counterpart on generated input: header
lines assembled from every part of the grammar (and broken in every place), arbitrary bytes,
truncated chunks. The rule-by-rule tests in test_chat_parsing.py run on both as well.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chats.whatsapp import parser as parsing
from chats.whatsapp import steps as parse_steps
from chats.whatsapp.grammar import SPLIT, date_shape, time_shape
from chats.whatsapp.parser import Layout, Message, MessageColumns
from tests.benchmarks.chat_export_gen import generate

try:
    from chats.whatsapp import _speedups as speedups
except ImportError:
    speedups = None  # type: ignore[assignment]
if speedups is None and os.environ.get("CI"):
    raise RuntimeError("chats.whatsapp._speedups is not built; `make test` builds it (setup.py)")
pytestmark = pytest.mark.skipif(
    speedups is None,
    reason="chats.whatsapp._speedups is not built (no C compiler): nothing to compare",
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def in_python(step: Callable[..., Any], *args: Any) -> Any:
    """What a step of chats.whatsapp.steps gives with the C module out of the way."""
    with mock.patch.object(parse_steps, "_speedups", None):
        return step(*args)


def pieces(*options: str) -> st.SearchStrategy[str]:
    return st.sampled_from(options)


# Each part of a header: the forms it may take, then forms that break it (or a neighbour).
PARTS: list[tuple[list[str], list[str]]] = [
    (["", "\u200e", "\u200f\u202a", "\u2066\u2069"], ["\u200d", "\u200e\u200d", " "]),
    (["<open>"], []),
    (["1", "13", "03", "2024", "24"], ["", "12345", "x", "1a"]),
    (["/", ".", "-", ". ", "- "], ["", ",", ":", "  ", "/."]),
    (["3", "12", "03"], ["", "123", "b"]),
    (["/", ".", "-", "/ "], ["", ";", "//"]),
    (["24", "2024", "1", "123"], ["", "12345", "2024x"]),
    (["", "", "."], ["..", ". "]),
    ([",", ",", ""], [";", ",,"]),
    ([" ", " ", "\u00a0"], ["", "\u202f", "  ", "\u00a0\u00a0"]),
    (["", "", "klo ", "a ", "klo.\u00a0", "à ", "klo\u00a0"], ["klo", "klo..", "à", "\u00a0"]),
    (["9", "09", "23", "12", "2", "0"], ["", "123", "3", "x"]),
    ([":", "."], ["", "-", "::"]),
    (["05", "59", "00"], ["6", "60", "5", "5x"]),
    (["", "", ":30", ".05"], [":7", ":61", ":", ".6"]),
    (
        [
            "",
            "",
            " AM",
            " pm",
            "\u202fa. m.",
            " a.\u00a0m.",
            "\u00a0p.\u202fm.",
            "\u00a0PM",
            " am.",
            " p.m.",
        ],
        [" a", " AM..", " A M", "AM", "\u202fa.\u202f\u202fm."],
    ),
    (["<close>"], []),
    (["Alice", "~\u202fCarla 😀", "+44 7700", "a:b", "[x] - y", 'B "q"', ""], []),
    ([": ", ": "], [":", "", " :"]),
    (["", "", "\u200e"], ["\u200e\u200e", "\u200f"]),
]


@st.composite
def header(draw: st.DrawFn, layout: Layout) -> str:
    """A header of the layout; half the time one part is broken."""
    chosen = [draw(st.sampled_from(valid)) for valid, _ in PARTS]
    if draw(st.booleans()):
        i = draw(st.sampled_from([i for i, (_, broken) in enumerate(PARTS) if broken]))
        chosen[i] = draw(st.sampled_from(PARTS[i][1]))
    opening, closing = ("[", "] ") if layout == "ios" else ("", " - ")
    if draw(st.integers(0, 9)) == 0:  # the other layout's brackets, or none
        opening, closing = draw(st.sampled_from([("[", " - "), ("", "] "), ("", " -"), ("[", "]")]))
    text = "".join(chosen).replace("<open>", opening).replace("<close>", closing)
    return text + draw(st.text(max_size=12))


@st.composite
def chunks(draw: st.DrawFn, layout: Layout) -> bytes:
    line = st.one_of(header(layout), header(layout), st.text(max_size=30))
    text = "\n" + "\n".join(draw(st.lists(line, min_size=1, max_size=8)))
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]  # a chunk may end mid-header
    if draw(st.booleans()):
        data += draw(st.binary(max_size=12))
    return data


@SETTINGS
@given(st.data(), st.sampled_from(["android", "ios"]))
def test_split_matches_the_header_expression(data: st.DataObject, layout: Layout) -> None:
    assert speedups is not None
    text = data.draw(chunks(layout))
    assert speedups.split(text, layout == "ios") == SPLIT[layout].split(text)
    other: Layout = "ios" if layout == "android" else "android"
    assert speedups.split(text, other == "ios") == SPLIT[other].split(text)


def test_split_finds_every_header_of_a_generated_export() -> None:
    assert speedups is not None
    data = b"\n" + generate(2_000, seed=3)
    expected = SPLIT["android"].split(data)
    assert len(expected) == 1 + 5 * 2_000
    assert speedups.split(data, False) == expected


# What precedes a header's time (group 1 of SPLIT): the date, comma, space and word.
raw_dates = [
    b"13/03/2024, ",
    b"13/03/2024, ",
    b"1/3/2024, ",
    b"01.02.24 ",
    b"31/02/2024, ",
    b"2024-03-13 ",
    b"99/99/99 ",
    b"13.3.2024 klo ",
]
raw_times = [
    b"09:05",
    b"09:05",
    b"9.05 PM",
    b"12:00\xe2\x80\xafa.\xc2\xa0m.",
    b"25:00",
    b"10:15:30",
]


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(raw_dates), st.sampled_from(raw_times)), max_size=20),
    st.sampled_from(["day-first", "month-first", "year-first"]),
    st.none() | st.tuples(st.sampled_from(raw_dates), st.sampled_from(raw_times)),
)
def test_timestamps_match(
    stamps: list[tuple[bytes, bytes]], order: Any, layout: tuple[bytes, bytes] | None
) -> None:
    """Also with the file's layout (the first header's shape): other layouts are no dates."""
    assert speedups is not None
    records: list[Any] = []
    for date, time in stamps:
        records += [date, time, b"A", None, b"hi"]
    shapes = (None, None) if layout is None else (date_shape(layout[0]), time_shape(layout[1]))

    def caches() -> tuple[parse_steps.Dates, parse_steps.Times]:
        return parse_steps.Dates(order, shapes[0]), parse_steps.Times(shapes[1])

    try:
        expected: Any = in_python(parse_steps.timestamps, records, *caches())
    except TypeError:
        expected = TypeError
    try:
        found: Any = speedups.timestamps(records, *caches())
    except TypeError:
        found = TypeError
    assert found == expected


senders = st.sampled_from(
    [None, b"Alice", b"Alice", b'Bob "B"', b"\xe2\x80\x8eMum \xe2\x9d\xa4", b"x\xff", b""]
)
bodies = st.one_of(
    st.binary(max_size=30),
    st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
    pieces(
        "<attached: 1.jpg>",
        "image omitted",
        "a.pdf (file attached)",
        "file attached",
        "a\nb\n\nc",
        "attache",
        "omitte",
        "mitted",
        "tt",
        "t",
    ),
).map(lambda b: b if isinstance(b, bytes) else b.encode())
record = st.tuples(senders, st.sampled_from([None, b"\xe2\x80\x8e"]), bodies)


@SETTINGS
@given(st.lists(record, max_size=20), st.integers(1, 10**6), st.sampled_from(["android", "ios"]))
def test_columns_match(
    items: list[tuple[bytes | None, bytes | None, bytes]], line: int, layout: Layout
) -> None:
    assert speedups is not None
    records: list[Any] = []
    for sender, lrm, body in items:
        records += [b"01/01/2024", b"00:00", sender, lrm, body]
    python = in_python(parse_steps.columns, records, line, parse_steps.Names(), layout)
    c = speedups.columns(records, line, parse_steps.Names(), layout == "ios")
    assert [list(part) if not isinstance(part, int) else part for part in python] == list(c)


@SETTINGS
@given(st.lists(st.tuples(st.text(), st.none() | st.text(), st.booleans(), st.integers())))
def test_rows_are_messages(rows: list[tuple[str, str | None, bool, int]]) -> None:
    assert speedups is not None
    columns = MessageColumns(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[0] * 2 for r in rows],
        [r[2] for r in rows],
        [not r[2] for r in rows],
        [r[3] for r in rows],
    )
    made = list(speedups.rows(Message, columns))
    assert made == list(in_python(parse_steps.rows, Message, columns))
    assert all(type(m) is Message for m in made)
    assert [m.sender for m in made] == columns.sender


def test_rows_refuse_columns_of_different_lengths() -> None:
    assert speedups is not None
    with pytest.raises(ValueError, match="differ in length"):
        speedups.rows(Message, ([1], [], [], [], [], []))


def test_rows_stop_with_an_error_when_a_column_is_shortened() -> None:
    assert speedups is not None
    columns = ([1, 2], ["a", "b"], ["x", "y"], [True, False], [False, False], [1, 2])
    rows = speedups.rows(Message, columns)
    assert tuple(next(rows)) == (1, "a", "x", True, False, 1)
    columns[3].pop()
    with pytest.raises(RuntimeError, match="shortened"):
        next(rows)


def test_a_generated_export_parses_the_same_in_c_and_in_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = generate(20_000, seed=11)
    with_c = parsing.parse_bytes(data)
    monkeypatch.setattr(parse_steps, "_speedups", None)
    assert parsing.parse_bytes(data) == with_c
    assert len(with_c) == 20_000


json_text = st.text(
    st.characters(blacklist_categories=["Cs"])
    | st.sampled_from(['"', "\\", "\x00", "\x1f", "\x7f", "\n", "\r", "\t", "\b", "\f", "\u2028"])
)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.from_regex(
                r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]", fullmatch=True
            ),
            st.none() | json_text,
            json_text,
            st.booleans(),
            st.booleans(),
            st.integers(1, 10**12),
        ),
        max_size=20,
    )
)
def test_json_rows_match(rows: list[tuple[Any, ...]]) -> None:
    assert speedups is not None
    columns = MessageColumns(*([row[i] for row in rows] for i in range(6)))
    assert speedups.json_rows(columns) == in_python(parse_steps.json_rows, columns)


def test_json_rows_leave_what_the_parser_never_makes_to_the_python() -> None:
    assert speedups is not None
    lone_surrogate = MessageColumns(["2024-01-01T00:00:00"], [None], ["\ud800"], [False],
                                    [False], [1])  # fmt: skip
    huge_line = MessageColumns(["2024-01-01T00:00:00"], [None], ["x"], [False], [False], [10**30])
    for columns in (lone_surrogate, huge_line):
        assert speedups.json_rows(columns) is None
        assert parse_steps.json_rows(columns) == in_python(parse_steps.json_rows, columns)
