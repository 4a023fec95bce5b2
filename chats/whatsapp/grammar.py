"""How the text of a WhatsApp chat export is laid out: encodings, lines, the header grammar.

Pure: no Django. :mod:`chats.whatsapp.parser` reads exports with these pieces; they live apart so
that the parser reads as what it does, and this module as what an export looks like.

Header expressions work on UTF-8 bytes (see :func:`line_regions`); message texts are matched
after decoding (:data:`MEDIA`, :data:`ATTACHED`, the system sentences).
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Iterator
from typing import IO, Final, Literal

Layout = Literal["android", "ios"]
# How the numbers of a date are ordered, decided once per file (parser.detect_format).
DateOrder = Literal["day-first", "month-first", "year-first"]

LAYOUTS: Final[tuple[Layout, ...]] = ("android", "ios")
_BIDI_CHARS: Final = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI_DELETE: Final = str.maketrans("", "", _BIDI_CHARS)
_BLANK_CHARS: Final = _BIDI_CHARS + "\ufeff"
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Header expressions work on UTF-8 bytes: splitting bytes and decoding only the pieces is
# much cheaper than splitting text, whose every slice is re-examined for its widest character.
# Optional parts are possessive (`?+`, `*+`): what follows each can never start with what it
# gives up, so the meaning is the same and the split spares the backtracking state (~14%).
_B_BIDI = rb"(?:\xe2(?:\x80[\x8e\x8f\xaa-\xae]|\x81[\xa6-\xa9]))*+"  # U+200E/F, U+202A-E, U+2066-9
_B_SPACE = rb"(?: |\xc2\xa0)"  # space, U+00A0
_B_SPACE3 = rb"(?: |\xc2\xa0|\xe2\x80\xaf)"  # space, U+00A0, U+202F
_B_LRM = b"\xe2\x80\x8e"
_SEP = rb"[./-] ?"
_DATE = rb"\d{1,4}" + _SEP + rb"\d{1,2}" + _SEP + rb"\d{1,4}\.?"
# An optional word between date and time, such as Finnish "klo".
_WORD = rb"(?:[A-Za-z\x80-\xff]+\.?" + _B_SPACE + rb")?+"
_AMPM = rb"(?:" + _B_SPACE3 + rb"[AaPp]\.?" + _B_SPACE3 + rb"?[Mm]\.?)?+"
_TIME = rb"[0-2]?\d[:.][0-5]\d(?:[:.][0-5]\d)?+" + _AMPM
# The sender ends at the first ": " of the header line.
_SENDER = rb"(?:([^\n:]*+(?::(?! )[^\n:]*+)*+): )?+"


def _header(layout: Layout, date: bytes, tail: bytes) -> bytes:
    """The header expression of a layout, starting at the newline that precedes it.

    Its "date" group holds what stands before the time: the date, an optional comma, the
    space and an optional word (all of it is part of a file's layout, see :func:`shape`).
    """
    stamp = b"(" + date + b",?" + _B_SPACE + _WORD + b")(" + _TIME + b")"
    return _framed(layout, stamp, tail)


def _framed(layout: Layout, stamp: bytes, tail: bytes) -> bytes:
    if layout == "android":
        return rb"\n" + _B_BIDI + stamp + b" - " + tail
    return rb"\n" + _B_BIDI + rb"\[" + stamp + rb"\] " + tail


_TAIL = _SENDER + b"(" + _B_LRM + b")?+"
# Groups: date (with what follows it up to the time), time, sender, a leading U+200E.
SPLIT: Final[dict[Layout, re.Pattern[bytes]]] = {
    layout: re.compile(_header(layout, _DATE, _TAIL)) for layout in LAYOUTS
}
# The same with the whole header first, for the rare chunk that needs it verbatim.
SPLIT_RAW: Final[dict[Layout, re.Pattern[bytes]]] = {
    layout: re.compile(b"(" + _header(layout, _DATE, _TAIL) + b")") for layout in LAYOUTS
}
DIGITS: Final = re.compile(rb"[0-9]+")
_GT12 = rb"(?:1[3-9]|2[0-9]|3[01])"
_ANY2 = rb"[0-9]{1,2}"
_SHAPE_TIME = bytes.maketrans(b"Pp", b"Aa")


def date_shape(raw: bytes) -> bytes:
    """What a header's date part (group 1 of :data:`SPLIT`) says of the file's layout: its
    separators, comma, space and word, and the width of its year; not the numbers, nor
    whether day and month are written with a leading zero."""
    return DIGITS.sub(lambda m: b"#" if len(m[0]) <= 2 else b"####", raw)


def time_shape(raw: bytes) -> bytes:
    """What a header's time says of the file's layout: separator, seconds, 12-hour marker."""
    return DIGITS.sub(b"#", raw).translate(_SHAPE_TIME)


def shape(match: re.Match[bytes]) -> tuple[bytes, bytes]:
    """The layout a header fixes for its file (one layout per file; see the parser)."""
    return date_shape(match[1]), time_shape(match[2])


def _literal(raw: bytes, fields: list[bytes]) -> bytes:
    """An expression for ``raw`` with its digit runs replaced by ``fields``, the rest as is."""
    out, last = [], 0
    for found, field in zip(DIGITS.finditer(raw), fields, strict=False):
        out += [re.escape(raw[last : found.start()]), field]
        last = found.end()
    out.append(re.escape(raw[last:]))
    return b"".join(out)


def _time_literal(raw: bytes) -> bytes:
    out = []
    for token in re.findall(rb"[0-9]+|[AaPp]|.", raw, re.DOTALL):
        if token[:1].isdigit():
            out.append(_ANY2)
        elif token in (b"A", b"P"):
            out.append(b"[AP]")
        elif token in (b"a", b"p"):
            out.append(b"[ap]")
        else:
            out.append(re.escape(token))
    return b"".join(out)


@functools.lru_cache(maxsize=64)
def order_patterns(
    layout: Layout, date_raw: bytes, time_raw: bytes
) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """Expressions finding the headers of one layout (the first header's) whose first date
    field is over 12, whose second is, and any date's three fields (as groups): what the
    day/month order is decided from. Headers of other layouts are not looked at."""
    year = b"[0-9]{%d}" % len(DIGITS.findall(date_raw)[-1])
    time = _time_literal(time_raw)

    def header(first: bytes, second: bytes, third: bytes) -> re.Pattern[bytes]:
        return re.compile(_framed(layout, _literal(date_raw, [first, second, third]) + time, b""))

    return (
        header(_GT12, _ANY2, year),
        header(_ANY2, _GT12, year),
        header(b"(" + _ANY2 + b")", b"(" + _ANY2 + b")", b"(" + year + b")"),
    )


TIME_PARTS: Final = re.compile(r"(\d+)[:.](\d+)(?:[:.](\d+))?(?:[ \u00a0\u202f]([AaPp]))?")

MEDIA: Final = re.compile(
    r"<attached: [^>\n]+>"
    r"|^[^\n]+ \(file attached\)$"
    r"|^<Media omitted>$"
    r"|^(?:image|video|audio|sticker|GIF|document|Contact card) omitted$"
    r"|^[^\n]+ document omitted$",
    re.MULTILINE,
)
ATTACHED: Final = re.compile(r"<attached: ([^>\n]+)>|^\u200e?([^\n]+?) \(file attached\)$", re.M)

_APOS = "['\u2019]"
_QUOTED = '["\u201c\u201d].*["\u201c\u201d]'  # iOS writes “curly” quotes
# Whole English system sentences that iOS writes as "Name: \u200e<event>".
IOS_SYSTEM: Final = re.compile(
    "|".join(
        [
            r"Messages and calls are end-to-end encrypted\..*",
            r"Messages to this (?:group|chat) are now secured with end-to-end encryption\..*",
            rf".+ created (?:group {_QUOTED}|this group)",
            r".+ added .+",
            r".+ removed .+",
            r".+ left",
            rf".+ joined using this group{_APOS}s invite link",
            rf".+ changed the (?:subject|group name) (?:from {_QUOTED} )?to {_QUOTED}",
            rf".+ changed this group{_APOS}s icon",
            rf".+ (?:deleted|removed) this group{_APOS}s icon",
            r".+ changed the group description",
            r".+ deleted the group description",
            rf"You{_APOS}re now an admin",
            rf"You{_APOS}re no longer an admin",
            r"Your security code with .+ changed\..*",
            rf".+{_APOS}s security code changed\..*",
            r".+ changed (?:their|his|her) phone number.*",
        ]
    )
)
# Android group events whose quoted group name contains ": " (otherwise the line has no
# ": " and is a system line anyway).
ANDROID_SYSTEM: Final = re.compile(
    r".+ created group \".*\""
    r"|.+ changed the (?:subject|group name) (?:from \".*\" )?to \".*\""
)


def is_blank(text: str) -> bool:
    return not text.strip().strip(_BLANK_CHARS).strip()


def _utf8_chunks(stream: IO[bytes], chunk_size: int) -> Iterator[bytes]:
    """The stream as UTF-8 byte chunks, transcoding UTF-16 and skipping any byte order mark."""
    first = stream.read(max(chunk_size, 4))
    bom, encoding = next(((b, e) for b, e in _BOMS if first.startswith(b)), (b"", "utf-8"))
    first = first[len(bom) :]
    if encoding == "utf-8":
        yield first
        yield from iter(lambda: stream.read(chunk_size), b"")
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    raw = first
    while raw:
        yield decoder.decode(raw).encode("utf-8", "surrogatepass")
        raw = stream.read(chunk_size)
    yield decoder.decode(b"", True).encode("utf-8", "surrogatepass")


def line_regions(stream: IO[bytes], chunk_size: int) -> Iterator[bytes]:
    """UTF-8 chunks that each start with a newline and end before one.

    A synthetic newline precedes line 1 so that every header, the first included, follows a
    newline; ``\\r\\n`` becomes ``\\n``; the file's final line ending is dropped. Chunks are
    cut at a newline byte, which in UTF-8 is never part of another character, so pieces of a
    chunk decode on their own; undecodable bytes become U+FFFD when they are decoded.
    """
    carry = b"\n"
    for chunk in _utf8_chunks(stream, chunk_size):
        buffer = carry + chunk
        if buffer.find(b"\r") >= 0:
            buffer = buffer.replace(b"\r\n", b"\n")
        cut = buffer.rfind(b"\n")
        if cut <= 0:
            carry = buffer
            continue
        yield buffer[:cut]
        carry = buffer[cut:]
    if carry.endswith(b"\n"):
        carry = carry[:-1]
    if carry:
        yield carry
