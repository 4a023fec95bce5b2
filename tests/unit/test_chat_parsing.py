"""The WhatsApp chat-export parser, rule by rule (chats/whatsapp/parser.py).

Every test runs twice: with the C steps (chats/whatsapp/_speedups.c) and with the pure-Python ones.
"""

from __future__ import annotations

import io
import tracemalloc
from collections import deque

import pytest

from chats.whatsapp.parser import (
    ExportFormat,
    Message,
    NotAChatExport,
    attachment_names,
    detect_format,
    parse,
    parse_bytes,
    parse_columns,
    summarize,
)

LRM = "\u200e"


pytestmark = pytest.mark.usefixtures("parser_steps")


def messages(text: str, **kwargs: object) -> list[Message]:
    return parse_bytes(text.encode(), **kwargs)  # type: ignore[arg-type]


def one(text: str) -> Message:
    """The first message of ``text`` written twice (exports need two headers, in one layout)."""
    return messages(text + "\n" + text)[0]


def stamps(text: str) -> list[str]:
    return [m.timestamp for m in messages(text)]


# Headers and timestamps


def test_android_header_gives_timestamp_sender_and_message() -> None:
    found = messages("13/03/2024, 09:05 - Alice: Hello there\n14/03/2024, 22:41 - Bob: Hi\n")
    assert found == [
        Message("2024-03-13T09:05:00", "Alice", "Hello there", False, False, 1),
        Message("2024-03-14T22:41:00", "Bob", "Hi", False, False, 2),
    ]


def test_ios_header_in_brackets_with_seconds() -> None:
    found = messages("[13/03/2024, 09:05:07] Alice: Hello\n[13/03/2024, 09:06:59] Bob: Hi\n")
    assert [(m.timestamp, m.sender, m.message) for m in found] == [
        ("2024-03-13T09:05:07", "Alice", "Hello"),
        ("2024-03-13T09:06:59", "Bob", "Hi"),
    ]


def test_seconds_are_zero_when_absent() -> None:
    assert one("13/03/2024, 09:05 - A: x").timestamp == "2024-03-13T09:05:00"


def test_two_digit_year_is_in_the_2000s() -> None:
    assert one("13/03/24, 09:05 - A: x").timestamp == "2024-03-13T09:05:00"


def test_dates_with_dots_or_dashes_and_no_comma() -> None:
    assert one("13.03.2024 09:05 - A: x").timestamp == "2024-03-13T09:05:00"
    assert one("13-03-2024, 09:05 - A: x").timestamp == "2024-03-13T09:05:00"


def test_finnish_klo_between_date_and_time_with_dotted_time() -> None:
    found = messages("13.3.2024 klo 9.05 - A: moi\n14.3.2024 klo 21.30 - B: hei\n")
    assert stamps_of(found) == ["2024-03-13T09:05:00", "2024-03-14T21:30:00"]
    found = messages("13.3.2024 klo 9.05.00 - A: moi\n14.3.2024 klo 21.30.15 - B: hei\n")
    assert stamps_of(found) == ["2024-03-13T09:05:00", "2024-03-14T21:30:15"]


def stamps_of(found: list[Message]) -> list[str]:
    return [m.timestamp for m in found]


@pytest.mark.parametrize("sep", ["-", "/", ". "])
def test_year_first_dates(sep: str) -> None:
    text = f"2024{sep}03{sep}01 10:10 - A: x\n2024{sep}12{sep}02 10:11 - A: y"
    assert stamps(text) == ["2024-03-01T10:10:00", "2024-12-02T10:11:00"]


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        (" AM", "09:05:00"),
        (" am", "09:05:00"),
        (" PM", "21:05:00"),
        (" pm", "21:05:00"),
        (" a. m.", "09:05:00"),
        (" p. m.", "21:05:00"),
        (" a.\u00a0m.", "09:05:00"),
        ("\u00a0PM", "21:05:00"),
        ("\u202fPM", "21:05:00"),
        ("\u202fp.\u00a0m.", "21:05:00"),
    ],
)
def test_twelve_hour_clock_variants(marker: str, expected: str) -> None:
    assert one(f"13/03/2024, 9:05{marker} - A: x").timestamp == f"2024-03-13T{expected}"
    assert one(f"[13/03/2024, 9:05:00{marker}] A: x").timestamp == f"2024-03-13T{expected}"


def test_twelve_am_is_midnight_and_twelve_pm_is_noon() -> None:
    found = stamps("13/03/2024, 12:05 AM - A: x\n13/03/2024, 12:05 PM - A: y\n")
    assert found == ["2024-03-13T00:05:00", "2024-03-13T12:05:00"]


def test_bidi_marks_may_precede_a_header() -> None:
    found = messages(f"{LRM}[13/03/2024, 09:05:07] A: x\n\u202a\u2066[13/03/2024, 09:06:00] B: y\n")
    assert [m.sender for m in found] == ["A", "B"]


# Day/month order


def test_any_first_field_over_12_means_day_first() -> None:
    assert stamps("01/02/2024, 10:00 - A: x\n13/02/2024, 10:00 - A: y\n")[0] == (
        "2024-02-01T10:00:00"
    )


def test_any_second_field_over_12_means_month_first() -> None:
    assert stamps("01/02/2024, 10:00 - A: x\n01/13/2024, 10:00 - A: y\n") == [
        "2024-01-02T10:00:00",
        "2024-01-13T10:00:00",
    ]


def test_a_day_over_12_late_in_the_file_decides_for_every_message() -> None:
    lines = [f"0{m}/05/2024, 10:00 - A: x" for m in range(1, 10)] + ["25/05/2024, 10:00 - A: y"]
    assert stamps("\n".join(lines))[1] == "2024-05-02T10:00:00"


def test_ambiguous_dates_take_the_order_that_goes_backwards_least() -> None:
    # Read day-first this goes 1 Mar, 1 Apr, 1 May; read month-first 3 Jan, 4 Jan, 5 Jan.
    # Day-first goes back 0 times, but the sequence 02/01, 03/01 ... shows the other case:
    text = "01/03/2024, 10:00 - A: x\n01/04/2024, 10:00 - A: y\n02/03/2024, 10:00 - A: z\n"
    # day-first: 1 Mar, 1 Apr, 2 Mar (back once); month-first: 3 Jan, 4 Jan, 3 Feb (never back)
    assert stamps(text) == ["2024-01-03T10:00:00", "2024-01-04T10:00:00", "2024-02-03T10:00:00"]


def test_ambiguous_dates_going_forward_under_both_orders_are_day_first() -> None:
    assert stamps("01/02/2024, 10:00 - A: x\n02/03/2024, 10:00 - A: y\n") == [
        "2024-02-01T10:00:00",
        "2024-03-02T10:00:00",
    ]


def test_a_twelve_hour_clock_does_not_imply_month_first() -> None:
    assert stamps("01/02/24, 9:00 AM - A: x\n02/03/24, 9:00 PM - A: y\n")[0] == (
        "2024-02-01T09:00:00"
    )


def test_detect_format_reports_layout_and_order() -> None:
    data = b"[01/13/2024, 10:00:00] A: x\n[01/14/2024, 10:00:00] A: y\n"
    assert detect_format(io.BytesIO(data)) == ExportFormat("ios", "month-first")
    data = b"2024-01-13 10:00 - A: x\n2024-01-14 10:00 - A: y\n"
    assert detect_format(io.BytesIO(data)) == ExportFormat("android", "year-first")


def test_a_given_date_order_is_used_as_is() -> None:
    found = messages(
        "01/02/2024, 10:00 - A: x\n01/03/2024, 10:00 - A: y\n", date_order="month-first"
    )
    assert found[0].timestamp == "2024-01-02T10:00:00"


# Sender and message text


def test_sender_is_verbatim_apart_from_bidi_marks() -> None:
    found = messages(
        "13/03/2024, 09:05 - ~\u202fAnna [work] - 🌸: x\n"
        "13/03/2024, 09:06 - \u202a+44 7700 900123\u202c: y\n"
        "13/03/2024, 09:07 - 李雷: z\n"
    )
    assert [m.sender for m in found] == ["~\u202fAnna [work] - 🌸", "+44 7700 900123", "李雷"]


def test_message_starts_after_the_first_colon_space() -> None:
    msg = one("13/03/2024, 09:05 - Dr.Who:x: Note: this stays")
    assert (msg.sender, msg.message) == ("Dr.Who:x", "Note: this stays")


def test_message_is_verbatim_with_one_leading_lrm_removed() -> None:
    assert one(f"13/03/2024, 09:05 - A: {LRM}{LRM}  spaced  ").message == f"{LRM}  spaced  "


def test_empty_message() -> None:
    assert one("13/03/2024, 09:05 - A: ").message == ""


def test_continuation_lines_join_with_newline_and_keep_blank_lines() -> None:
    found = messages("13/03/2024, 09:05 - A: one\n\ntwo\n  three \n\n13/03/2024, 09:06 - B: x\n")
    assert found[0].message == "one\n\ntwo\n  three \n"
    assert found[1].line == 6


def test_crlf_line_endings_become_newlines_and_a_lone_cr_is_text() -> None:
    found = parse_bytes(b"13/03/2024, 09:05 - A: one\r\ntwo\rthree\r\n13/03/2024, 09:06 - B: x\r\n")
    assert [m.message for m in found] == ["one\ntwo\rthree", "x"]


def test_u2028_is_text_not_a_line_break() -> None:
    msg = one("13/03/2024, 09:05 - A: one\u2028[13/03/2024, 09:06:00] B: two\u2029three")
    assert msg.message == "one\u2028[13/03/2024, 09:06:00] B: two\u2029three"


def test_the_final_line_ending_is_not_part_of_the_last_message() -> None:
    base = "13/03/2024, 09:05 - A: x\n13/03/2024, 09:06 - B: last"
    assert messages(base)[-1].message == "last"
    assert messages(base + "\n")[-1].message == "last"
    assert messages(base + "\r\n")[-1].message == "last"
    assert messages(base + "\n\n")[-1].message == "last\n"


def test_a_header_written_in_another_layout_is_a_continuation_line() -> None:
    found = messages(
        "13/03/2024, 09:05 - A: quoting\n15.03.2024, 10:00 - B: pasted from elsewhere\n"
        "01/04/2024, 09:07 - C: next\n"
    )
    assert [m.message for m in found] == [
        "quoting\n15.03.2024, 10:00 - B: pasted from elsewhere",
        "next",
    ]
    # Nor does the pasted line's day (15) decide the order: this export is month-first.
    found = messages("03/13/2024, 09:05 - A: x\n15.03.2024, 10:00 - B: y\n04/01/2024, 09:07 - C: z")
    assert [m.timestamp for m in found] == ["2024-03-13T09:05:00", "2024-04-01T09:07:00"]


def test_a_header_in_the_other_layout_is_a_continuation_line() -> None:
    android = messages(
        "13/03/2024, 09:05 - A: quoting\n[13/03/2024, 09:06:00] B: not a header\n"
        "13/03/2024, 09:07 - C: next\n"
    )
    assert [m.message for m in android] == [
        "quoting\n[13/03/2024, 09:06:00] B: not a header",
        "next",
    ]
    ios = messages(
        "[13/03/2024, 09:05:00] A: quoting\n13/03/2024, 09:06 - B: not a header\n"
        "[13/03/2024, 09:07:00] C: next\n"
    )
    assert ios[0].message == "quoting\n13/03/2024, 09:06 - B: not a header"


def test_a_header_with_an_impossible_date_is_a_continuation_line() -> None:
    found = messages(
        "13/03/2024, 09:05 - A: x\n45/03/2024, 09:06 - B: y\n13/03/2024, 09:07 - C: z\n"
    )
    assert [m.message for m in found] == ["x\n45/03/2024, 09:06 - B: y", "z"]
    assert found[1].line == 3


def test_decoding_utf8_with_and_without_bom_and_utf16_with_bom() -> None:
    text = "[13/03/2024, 09:05:00] Zoë: ¿qué? 🌸\n[13/03/2024, 09:06:00] Ⓑ: 東京\n"
    expected = parse_bytes(text.encode())
    assert expected[0].message == "¿qué? 🌸"
    assert parse_bytes(text.encode("utf-8-sig")) == expected
    assert parse_bytes(text.encode("utf-16")) == expected
    assert parse_bytes(b"\xff\xfe" + text.encode("utf-16-le")) == expected
    assert parse_bytes(b"\xfe\xff" + text.encode("utf-16-be")) == expected


def test_invalid_bytes_become_replacement_characters() -> None:
    found = parse_bytes(b"13/03/2024, 09:05 - A\xff: x\xc3(\n13/03/2024, 09:06 - B: \xed\xa0\x80\n")
    assert found[0].sender == "A\ufffd"
    assert found[0].message == "x\ufffd("
    assert "\ufffd" in found[1].message


# System messages


def test_android_line_without_colon_space_is_a_system_message() -> None:
    msg = one("13/03/2024, 09:05 - Alice added Bob")
    assert (msg.sender, msg.message, msg.system) == (None, "Alice added Bob", True)


@pytest.mark.parametrize(
    "event",
    [
        'Alice created group "Trip: Rome"',
        'Alice changed the subject from "Trip: Rome" to "Trip: Paris"',
    ],
)
def test_android_group_event_with_colon_in_quoted_name_is_system(event: str) -> None:
    msg = one(f"13/03/2024, 09:05 - {event}")
    assert (msg.sender, msg.message, msg.system) == (None, event, True)


def test_a_person_typing_a_group_event_is_a_user_message() -> None:
    msg = one('13/03/2024, 09:05 - Alice: Bob created group "A: B"')
    assert (msg.sender, msg.system) == ("Alice", False)


@pytest.mark.parametrize(
    "event",
    [
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them.",
        'Alice created group "Trip"',
        "Alice added Bob",
        "Alice removed Bob",
        "Bob left",
        "Bob joined using this group's invite link",
        'Alice changed the subject to "Trip"',
        "Alice changed this group's icon",
        "Alice changed the group description",
        "You're now an admin",
        "Your security code with Bob changed. Tap to learn more.",
    ],
)
def test_ios_event_after_lrm_is_a_system_message(event: str) -> None:
    msg = one(f"[13/03/2024, 09:05:00] Trip Group: {LRM}{event}")
    assert (msg.sender, msg.message, msg.system) == (None, event, True)


def test_ios_event_words_typed_by_a_person_stay_a_user_message() -> None:
    msg = one("[13/03/2024, 09:05:00] Bob: Alice added Bob")
    assert (msg.sender, msg.message, msg.system) == ("Bob", "Alice added Bob", False)


def test_ios_attachment_after_lrm_is_not_a_system_message() -> None:
    msg = one(f"[13/03/2024, 09:05:00] Bob: {LRM}image omitted")
    assert (msg.sender, msg.system, msg.has_media) == ("Bob", False, True)


# Attachments and other ordinary messages


@pytest.mark.parametrize(
    "text",
    [
        f"{LRM}<attached: 00000012-PHOTO-2024-03-01-10-10-10.jpg>",
        "IMG-20240301-WA0003.jpg (file attached)\nnice view",
        "<Media omitted>",
        f"{LRM}image omitted",
        "video omitted",
        "Report.pdf • 3 pages document omitted",
    ],
)
def test_attachment_lines_have_media_and_stay_verbatim(text: str) -> None:
    msg = one(f"13/03/2024, 09:05 - A: {text}")
    assert msg.has_media
    assert msg.message == text.removeprefix(LRM)


@pytest.mark.parametrize(
    "text",
    [
        "This message was deleted",
        "You deleted this message",
        "see you soon <This message was edited>",
        "location: https://maps.google.com/?q=1.0,2.0",
        "POLL:\nLunch?\nOPTION: Pizza (2 votes)\nOPTION: Sushi (1 vote)",
        "I omitted the details and attached nothing",
    ],
)
def test_deleted_edited_location_and_poll_messages_are_ordinary(text: str) -> None:
    msg = one(f"13/03/2024, 09:05 - A: {text}")
    assert (msg.sender, msg.message, msg.system, msg.has_media) == ("A", text, False, False)


def test_attachment_names_are_extracted() -> None:
    assert attachment_names(f"{LRM}<attached: 00000012-PHOTO-2024-03-01-10-10-10.jpg>") == [
        "00000012-PHOTO-2024-03-01-10-10-10.jpg"
    ]
    assert attachment_names("IMG-20240301-WA0003.jpg (file attached)\ncaption") == [
        "IMG-20240301-WA0003.jpg"
    ]
    assert attachment_names("<Media omitted>") == []
    assert attachment_names("just text") == []


# Rejection


@pytest.mark.parametrize(
    "data",
    [
        b"hello\n13/03/2024, 09:05 - A: x\n13/03/2024, 09:06 - A: y\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"name,age\nbob,3\n",
    ],
)
def test_a_file_whose_first_line_is_not_a_header_is_rejected(data: bytes) -> None:
    with pytest.raises(NotAChatExport, match="first line"):
        parse_bytes(data)


@pytest.mark.parametrize("data", [b"", b"\n\n", b"13/03/2024, 09:05 - A: x\nmore\n"])
def test_a_file_with_fewer_than_two_headers_is_rejected(data: bytes) -> None:
    with pytest.raises(NotAChatExport, match="not a WhatsApp chat export"):
        parse_bytes(data)


def test_rejection_happens_when_parse_is_called() -> None:
    with pytest.raises(NotAChatExport):
        parse(io.BytesIO(b"13/03/2024, 09:05 - A: x\n"), "day-first")
    with pytest.raises(NotAChatExport):
        parse_columns(io.BytesIO(b"13/03/2024, 09:05 - A: x\n"), "day-first")


def test_leading_blank_lines_are_skipped() -> None:
    found = messages("\n \n13/03/2024, 09:05 - A: x\n13/03/2024, 09:06 - B: y\n")
    assert [(m.sender, m.line) for m in found] == [("A", 3), ("B", 4)]


# Streaming


EXPORT = (
    "\ufeff13/03/2024, 09:05 - Alice: one\r\n\r\ntwo 🌸\r\n"
    "45/03/2024, 09:06 - not: a header\r\n"
    '13/03/2024, 09:06 - Alice created group "A: B"\r\n'
    "13/03/2024, 09:07 - Bob: IMG-1.jpg (file attached)\r\n"
    "14/03/2024, 10:00 - Zoë: Grüße\u2028und mehr\r\n"
).encode()


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 16, 64])
def test_any_chunk_size_gives_the_same_messages(chunk_size: int) -> None:
    expected = parse_bytes(EXPORT)
    assert len(expected) == 4
    assert list(parse(io.BytesIO(EXPORT), chunk_size=chunk_size)) == expected
    utf16 = EXPORT.decode("utf-8-sig").encode("utf-16")
    assert list(parse(io.BytesIO(utf16), chunk_size=chunk_size)) == expected


@pytest.mark.parametrize("chunk_size", [1, 16, 1 << 20])
def test_columns_hold_the_same_messages(chunk_size: int) -> None:
    chunks = list(parse_columns(io.BytesIO(EXPORT), chunk_size=chunk_size))
    rows = [Message(*fields) for chunk in chunks for fields in zip(*chunk, strict=True)]
    assert rows == parse_bytes(EXPORT)


class _OneWay(io.RawIOBase):
    """A stream that can be read once and not seeked, like a network body."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_non_seekable_stream_is_parsed() -> None:
    assert list(parse(io.BufferedReader(_OneWay(EXPORT)))) == parse_bytes(EXPORT)


def test_a_seekable_stream_is_parsed_from_its_current_position() -> None:
    stream = io.BytesIO(b"prefix" + EXPORT)
    stream.seek(6)
    assert list(parse(stream)) == parse_bytes(EXPORT)


def test_summary_counts_messages_senders_and_span() -> None:
    summary = summarize(parse_bytes(EXPORT))
    assert summary.message_count == 4
    assert (summary.first_timestamp, summary.last_timestamp) == (
        "2024-03-13T09:05:00",
        "2024-03-14T10:00:00",
    )
    assert summary.senders == {"Alice": 1, "Bob": 1, "Zoë": 1}
    assert (summary.system_count, summary.media_count) == (1, 1)


def _export(messages: int) -> bytes:
    block = (
        "13/03/2024, 09:05 - Alice: hello there, how are you?\n"
        "13/03/2024, 09:06 - Bob: fine\nthanks 🌸\n\n"
        "13/03/2024, 09:07 - Alice added Carol\n"
        "13/03/2024, 09:08 - Carol: IMG-20240313-WA0001.jpg (file attached)\n"
    )
    return (block * (messages // 4)).encode()


def _peak(data: bytes) -> int:
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        deque(parse(stream, chunk_size=64 * 1024), maxlen=0)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_messages() -> None:
    small, large = _export(4_000), _export(40_000)
    assert sum(1 for _ in parse(io.BytesIO(large), "day-first")) == 40_000
    small_peak, large_peak = _peak(small), _peak(large)
    assert large_peak < 1.5 * small_peak + 200_000, (small_peak, large_peak)
