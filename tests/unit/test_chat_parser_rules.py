"""Every rule of the WhatsApp parser's list (issue 4), as a generated test.

Exports are rendered from a model (tests/unit/chat_export_model.py): a header layout drawn
from every part of the grammar, and messages with any text; the parser must give back the
model's messages. Each test runs with the C steps and with the pure-Python steps.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import itertools
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chats.whatsapp.parser import NotAChatExport, detect_format, parse, parse_bytes
from tests.unit.chat_export_model import (
    BIDI,
    LRM,
    Layout,
    Message,
    exports,
    layouts,
    line_text,
    messages,
    moments,
    other_layouts,
    render,
    senders,
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


pytestmark = pytest.mark.usefixtures("parser_steps")


def parsed(data: bytes, **kwargs: object) -> list[tuple[str, str | None, str, bool, bool]]:
    found = parse_bytes(data, **kwargs)  # type: ignore[arg-type]
    return [(m.timestamp, m.sender, m.message, m.system, m.has_media) for m in found]


def expected(layout: Layout, found: list[Message]) -> list[tuple[str, str | None, str, bool, bool]]:
    return [m.expected(layout) for m in found]


# Headers, timestamps, senders, messages: an export reads back as it was written.


@SETTINGS
@given(exports(), st.sampled_from(["\n", "\r\n"]), st.sampled_from(["", "\n", "\r\n"]))
def test_every_layout_reads_back_its_messages(
    export: tuple[Layout, list[Message]], newline: str, end: str
) -> None:
    layout, found = export
    assert parsed(render(layout, found, newline, end).encode()) == expected(layout, found)


# Decoding


@SETTINGS
@given(exports(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"]))
def test_utf8_with_or_without_bom_and_utf16_with_bom_read_alike(
    export: tuple[Layout, list[Message]], encoding: str
) -> None:
    layout, found = export
    text = render(layout, found)
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    assert parsed(bom + text.encode(encoding)) == expected(layout, found)


@SETTINGS
@given(exports(), st.binary(min_size=1, max_size=6), st.data())
def test_invalid_bytes_become_replacement_characters(
    export: tuple[Layout, list[Message]], junk: bytes, data: st.DataObject
) -> None:
    layout, found = export
    assume(b"\n" not in junk and b"\r" not in junk)
    i = data.draw(st.integers(0, len(found) - 1))
    assume(found[i].sender is not None)  # junk after a system line could make a ": "
    pieces = [m.render(layout).encode() for m in found]
    pieces[i] += junk
    message = parsed(b"\n".join(pieces))[i][2]
    assert message == (found[i].expected(layout)[2].encode() + junk).decode("utf-8", "replace")


# One layout per file


@SETTINGS
@given(exports(), st.data())
def test_a_line_in_another_layout_is_a_continuation_line(
    export: tuple[Layout, list[Message]], data: st.DataObject
) -> None:
    layout, found = export
    other = data.draw(st.sampled_from(other_layouts(layout)), label="other layout")
    pasted = other.header(data.draw(moments), pad=data.draw(st.booleans())) + "Zoë: pasted"
    i = data.draw(st.integers(0, len(found) - 1))
    found[i] = replace(found[i], lines=(*found[i].lines, pasted))
    assert parsed(render(layout, found).encode()) == expected(layout, found)


@SETTINGS
@given(exports(), st.data())
def test_headers_differing_only_in_padding_or_bidi_marks_are_the_same_layout(
    export: tuple[Layout, list[Message]], data: st.DataObject
) -> None:
    layout, found = export
    found = [
        replace(m, pad=data.draw(st.booleans()), bidi=data.draw(st.sampled_from(["", LRM])))
        for m in found
    ]
    assert len(parsed(render(layout, found).encode())) == len(found)


# Day/month order


@st.composite
def ambiguous_exports(draw: st.DrawFn) -> tuple[Layout, list[Message]]:
    """Every day and month at most 12, so only the order of the dates can decide."""
    layout = replace(draw(layouts()), order=draw(st.sampled_from(["day-first", "month-first"])))
    days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2025, 12, 12)).filter(
        lambda d: d.day <= 12
    )
    dates = draw(st.lists(days, min_size=2, max_size=8))
    return layout, [draw(messages(dt.datetime.combine(d, dt.time(10, 30)))) for d in dates]


def backwards(dates: list[tuple[int, int, int]]) -> int:
    return sum(1 for a, b in itertools.pairwise(dates) if b < a)


@SETTINGS
@given(ambiguous_exports())
def test_ambiguous_dates_take_the_order_that_goes_backwards_least_ties_day_first(
    export: tuple[Layout, list[Message]],
) -> None:
    layout, found = export
    written = [(m.moment.day, m.moment.month) if layout.order == "day-first" else
               (m.moment.month, m.moment.day) for m in found]  # fmt: skip
    years = [m.moment.year for m in found]
    as_day_first = [(y, b, a) for (a, b), y in zip(written, years, strict=True)]
    as_month_first = [(y, a, b) for (a, b), y in zip(written, years, strict=True)]
    order = "month-first" if backwards(as_month_first) < backwards(as_day_first) else "day-first"
    data = render(layout, found).encode()
    assert detect_format(io.BytesIO(data)).date_order == order
    stamps = [dt.datetime(*ymd, 10, 30).isoformat() for ymd in
              (as_day_first if order == "day-first" else as_month_first)]  # fmt: skip
    assert [m[0] for m in parsed(data)] == stamps


@SETTINGS
@given(exports())
def test_a_day_over_12_decides_the_order_whatever_the_clock(
    export: tuple[Layout, list[Message]],
) -> None:
    layout, found = export
    assert detect_format(io.BytesIO(render(layout, found).encode())).date_order == layout.order


# Senders and messages


@SETTINGS
@given(exports(), senders, st.lists(line_text, min_size=1, max_size=3), st.integers(0, 2))
def test_sender_ends_at_the_first_colon_space_and_text_is_verbatim_but_one_lrm(
    export: tuple[Layout, list[Message]], sender: str, lines: list[str], lrms: int
) -> None:
    layout, found = export
    text = (LRM * lrms) + "\n".join(lines)
    found[0] = replace(found[0], sender=sender, lines=tuple(text.split("\n")), lead_lrm=False)
    _, who, message, system, _ = parsed(render(layout, found).encode())[0]
    assert who == sender.translate({ord(c): None for c in BIDI})
    assert message == text.removeprefix(LRM)
    assert system is False


# System messages


ios_events = st.builds(
    lambda template, a, b, g, h: template.format(a=a, b=b, g=g, h=h),
    st.sampled_from(
        [
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not "
            "even WhatsApp, can read or listen to them.",
            "{a} created group “{g}”",
            '{a} created group "{g}"',
            "{a} created this group",
            "You created group “{g}”",
            "{a} added {b}",
            "{a} removed {b}",
            "{b} left",
            "{b} joined using this group's invite link",
            "{b} joined using this group’s invite link",
            "{a} changed the subject to “{g}”",
            "{a} changed the subject from “{g}” to “{h}”",
            "{a} changed this group's icon",
            "{a} changed this group’s icon",
            "{a} changed the group description",
            "You're now an admin",
            "You’re now an admin",
            "Your security code with {b} changed. Tap to learn more.",
        ]
    ),
    *[
        st.text(
            st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=12
        ).filter(str.strip)
        for _ in range(4)
    ],
)


@SETTINGS
@given(exports(), ios_events, senders)
def test_ios_events_after_an_lrm_are_system_messages_and_typed_ones_are_not(
    export: tuple[Layout, list[Message]], event: str, group: str
) -> None:
    layout, found = export
    layout = replace(layout, ios=True)
    assume(group.strip() and "\n" not in event)
    found[0] = replace(found[0], sender=group, lines=(event,), lead_lrm=True)
    found[1] = replace(found[1], sender=group, lines=(event,), lead_lrm=False)
    rows = parsed(render(layout, found).encode())
    assert rows[0][1:4] == (None, event, True)
    assert rows[1][3] is False and rows[1][2] == event


android_events = st.builds(
    lambda template, a, g, h: template.format(a=a, g=g, h=h),
    st.sampled_from(
        ['{a} created group "{g}: {h}"', '{a} changed the subject from "{g}" to "{h}: {g}"']
    ),
    *[st.from_regex(r"[A-Za-z][A-Za-z ]{0,8}", fullmatch=True) for _ in range(3)],
)


@SETTINGS
@given(exports(), android_events)
def test_android_group_events_with_a_colon_in_the_name_are_system_and_typed_ones_are_not(
    export: tuple[Layout, list[Message]], event: str
) -> None:
    layout, found = export
    layout = replace(layout, ios=False)
    found[0] = replace(found[0], sender=None, lines=(event,), lead_lrm=False)
    found[1] = replace(found[1], sender="Alice", lines=(event,), lead_lrm=False)
    rows = parsed(render(layout, found).encode())
    assert rows[0][1:4] == (None, event, True)
    assert rows[1][1:4] == ("Alice", event, False)


# Attachments and other ordinary messages


ordinary = st.sampled_from(
    [
        ("{n}.jpg (file attached)", True),
        ("<attached: 00000012-PHOTO-{n}.jpg>", True),
        ("<Media omitted>", True),
        ("image omitted", True),
        ("Contact card omitted", True),
        ("{n}.pdf • 3 pages document omitted", True),
        ("This message was deleted", False),
        ("You deleted this message", False),
        ("{n} <This message was edited>", False),
        ("location: https://maps.google.com/?q={n}", False),
        ("POLL:\n{n}?\nOPTION: yes (1 vote)", False),
    ]
)


@SETTINGS
@given(exports(), ordinary, st.from_regex(r"[A-Za-z0-9-]{1,12}", fullmatch=True))
def test_attachments_and_markers_are_ordinary_messages_and_media_marks_attachments(
    export: tuple[Layout, list[Message]], kind: tuple[str, bool], name: str
) -> None:
    layout, found = export
    text, media = kind[0].format(n=name), kind[1]
    found[0] = replace(found[0], sender="Bob", lines=tuple(text.split("\n")), has_media=media)
    assert parsed(render(layout, found).encode())[0] == found[0].expected(layout)


# Rejection


@SETTINGS
@given(exports(), line_text)
def test_a_file_whose_first_line_is_not_a_header_is_rejected(
    export: tuple[Layout, list[Message]], first: str
) -> None:
    layout, found = export
    stripped = first.lstrip("\ufeff" + BIDI).lstrip().lstrip(BIDI)
    assume(stripped.strip() and not stripped[:1].isdigit() and not stripped.startswith("["))
    with pytest.raises(NotAChatExport, match="first line"):
        parse_bytes((first + "\n" + render(layout, found)).encode())


@SETTINGS
@given(exports())
def test_a_file_with_fewer_than_two_headers_is_rejected(
    export: tuple[Layout, list[Message]],
) -> None:
    layout, found = export
    with pytest.raises(NotAChatExport):
        parse_bytes(render(layout, found[:1]).encode())


# Streams


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


@SETTINGS
@given(exports(), st.integers(1, 64))
def test_any_chunk_size_reads_the_same_messages(
    export: tuple[Layout, list[Message]], size: int
) -> None:
    layout, found = export
    data = render(layout, found, "\r\n").encode("utf-16")
    streamed = [
        (m.timestamp, m.sender, m.message, m.system, m.has_media)
        for m in parse(io.BytesIO(data), chunk_size=size)
    ]
    assert streamed == expected(layout, found)
