"""A model of WhatsApp chat exports for generated parser tests: a header layout and messages,
rendered as the apps write them, and the messages the parser must give back.

The model knows the export format as issue 4 states it, not the parser's code: a test renders
an export from the model and compares the parser's output with the model's messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from hypothesis import assume
from hypothesis import strategies as st

Order = Literal["day-first", "month-first", "year-first"]

LRM = "\u200e"
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# (morning, afternoon) markers of 12-hour clocks, each after a space, U+00A0 or U+202F.
CLOCKS12 = [
    (" AM", " PM"),
    (" am", " pm"),
    (" a. m.", " p. m."),
    (" a.\u00a0m.", " p.\u00a0m."),
    ("\u00a0AM", "\u00a0PM"),
    ("\u202fAM", "\u202fPM"),
    ("\u202fa.\u202fm.", "\u202fp.\u202fm."),
]


@dataclass(frozen=True)
class Layout:
    """How every header of one export is written (the first line fixes it)."""

    ios: bool = False
    order: Order = "day-first"
    sep: str = "/"  # between date fields: / . -
    sep_space: bool = False  # "2024. 03. 13" writes a space after each separator
    long_year: bool = True
    trailing_dot: bool = False  # "13.03.24."
    comma: bool = True
    space: str = " "  # between date and time: a space or U+00A0
    word: str = ""  # a word between date and time, such as Finnish "klo"
    time_sep: str = ":"
    seconds: bool = False
    clock12: tuple[str, str] | None = None

    def date(self, day: dt.date, pad: bool) -> str:
        d, m = (f"{day.day:02d}", f"{day.month:02d}") if pad else (str(day.day), str(day.month))
        year = f"{day.year:04d}" if self.long_year else f"{day.year % 100:02d}"
        fields = {
            "day-first": (d, m, year),
            "month-first": (m, d, year),
            "year-first": (year, m, d),
        }
        sep = self.sep + (" " if self.sep_space else "")
        return sep.join(fields[self.order]) + ("." if self.trailing_dot else "")

    def time(self, moment: dt.datetime, pad: bool) -> str:
        hour, suffix = moment.hour, ""
        if self.clock12 is not None:
            hour, suffix = hour % 12 or 12, self.clock12[moment.hour >= 12]
        text = f"{hour:02d}" if pad else str(hour)
        text += f"{self.time_sep}{moment.minute:02d}"
        if self.seconds:
            text += f"{self.time_sep}{moment.second:02d}"
        return text + suffix

    def header(self, moment: dt.datetime, *, pad: bool = True, bidi: str = "") -> str:
        stamp = self.date(moment.date(), pad) + ("," if self.comma else "") + self.space
        stamp += (self.word + " " if self.word else "") + self.time(moment, pad)
        return bidi + (f"[{stamp}] " if self.ios else f"{stamp} - ")

    def timestamp(self, moment: dt.datetime) -> str:
        """What the parser reports: the local time as written, seconds 00 when not written."""
        return moment.replace(second=moment.second if self.seconds else 0).isoformat()


@dataclass(frozen=True)
class Message:
    """One message: ``sender`` None for a system line; ``lines`` its text, line by line."""

    moment: dt.datetime
    sender: str | None
    lines: tuple[str, ...]
    lead_lrm: bool = False  # a U+200E before the text (removed by the parser)
    pad: bool = True
    bidi: str = ""  # marks before the header
    has_media: bool = False

    def render(self, layout: Layout) -> str:
        head = layout.header(self.moment, pad=self.pad, bidi=self.bidi)
        who = "" if self.sender is None else f"{self.sender}: "
        return head + who + (LRM if self.lead_lrm else "") + "\n".join(self.lines)

    def expected(self, layout: Layout) -> tuple[str, str | None, str, bool, bool]:
        sender = (
            None if self.sender is None else self.sender.translate({ord(c): None for c in BIDI})
        )
        text = (LRM if self.lead_lrm else "") + "\n".join(self.lines)
        return (
            layout.timestamp(self.moment),
            sender,
            text.removeprefix(LRM),  # one leading U+200E is not part of the message
            self.sender is None,
            self.has_media,
        )


def render(layout: Layout, messages: list[Message], newline: str = "\n", end: str = "") -> str:
    """The export's text; ``end``: its final line ending, if any (not part of any message)."""
    last = messages[-1].lines
    if len(last) > 1 and not last[-1] and not end:
        end = newline  # else the last message's blank last line would read as that ending
    return newline.join(m.render(layout).replace("\n", newline) for m in messages) + end


# Strategies

_ORDERS: list[Order] = ["day-first", "month-first", "year-first"]


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    order = draw(st.sampled_from(_ORDERS))
    sep = draw(st.sampled_from(["/", ".", "-"]))
    return Layout(
        ios=draw(st.booleans()),
        order=order,
        sep=sep,
        sep_space=draw(st.booleans()) if sep == "." else False,
        long_year=True if order == "year-first" else draw(st.booleans()),
        trailing_dot=draw(st.booleans()) if sep == "." else False,
        comma=draw(st.booleans()),
        space=draw(st.sampled_from([" ", " ", "\u00a0"])),
        word=draw(st.sampled_from(["", "", "klo", "à"])),
        time_sep=draw(st.sampled_from([":", ":", "."])),
        seconds=draw(st.booleans()),
        clock12=draw(st.none() | st.sampled_from(CLOCKS12)),
    )


# What one part of a layout may be changed to: every way another export writes its headers
# (not the padding of numbers, which varies within one export).
def other_layouts(layout: Layout) -> list[Layout]:
    found = [replace(layout, ios=not layout.ios)]
    found += [replace(layout, sep=s) for s in "/.-" if s != layout.sep]
    if layout.order != "year-first":
        found.append(replace(layout, long_year=not layout.long_year))
    found.append(replace(layout, comma=not layout.comma))
    found.append(replace(layout, space="\u00a0" if layout.space == " " else " "))
    found += [replace(layout, word=w) for w in ("", "klo") if w != layout.word]
    found.append(replace(layout, time_sep="." if layout.time_sep == ":" else ":"))
    found.append(replace(layout, seconds=not layout.seconds))
    found += [replace(layout, clock12=c) for c in [None, *CLOCKS12] if c != layout.clock12]
    if layout.sep == ".":
        found.append(replace(layout, trailing_dot=not layout.trailing_dot))
        found.append(replace(layout, sep_space=not layout.sep_space))
    return found


moments = st.datetimes(min_value=dt.datetime(2010, 1, 1), max_value=dt.datetime(2030, 12, 31)).map(
    lambda t: t.replace(microsecond=0)
)
# Text of a line: anything but the two line breaks; the separators that str.splitlines()
# would break on are text here.
line_text = (
    st.lists(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r").map(str)
        | st.sampled_from(
            ["\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x85", "\r", LRM, "🌸", ": "]
        ),
        max_size=12,
    )
    .map("".join)
    .filter(lambda t: not t.endswith("\r"))
)
senders = (
    st.lists(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r").map(str)
        | st.sampled_from(["~\u202f", "[x]", " - ", "😀", "李", LRM, "\u202a", ":"]),
        max_size=8,
    )
    .map("".join)
    .filter(lambda s: ": " not in s and not s.endswith(":") and not s.endswith("\r"))
)
bidi_prefixes = st.sampled_from(["", "", "", LRM, "\u202a\u2066", "\u200f"])


@st.composite
def messages(draw: st.DrawFn, moment: dt.datetime) -> Message:
    system = draw(st.integers(0, 5)) == 0
    first = draw(line_text)
    if system:
        assume(": " not in first)  # a header line with no ": " is a system message
    rest = draw(st.lists(line_text, max_size=3))
    return Message(
        moment=moment,
        sender=None if system else draw(senders),
        lines=(first, *rest),
        lead_lrm=draw(st.booleans()),
        pad=draw(st.booleans()),
        bidi=draw(bidi_prefixes),
    )


@st.composite
def exports(draw: st.DrawFn, layout: Layout | None = None) -> tuple[Layout, list[Message]]:
    """A layout and at least two messages, in time order, whose day/month order is decided
    by a day over 12 (the ambiguous case has tests of its own)."""
    layout = layout or draw(layouts())
    times = sorted(draw(st.lists(moments, min_size=2, max_size=8)))
    if layout.order != "year-first":
        assume(any(t.day > 12 for t in times))
    return layout, [draw(messages(t)) for t in times]
