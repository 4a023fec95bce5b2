"""The peer of ``manage.py parse_chat`` in bench_chat_parse: a careful stdlib-only program that
reads an Android or iOS export and prints the same JSON array, byte for byte.

Careful, as one would write it with the standard library and no C: the file is read as text a
line at a time (only ``\\n`` ends a line; a ``\\r`` before it is dropped), one compiled header
expression per line, the day/month order decided in a first pass over the headers, one dict per
message encoded by one reused ``json.JSONEncoder``, writes batched. It follows the parser's
rules as far as the benchmark's exports need (headers with or without seconds, 24-hour time,
system lines, attachments); it is a yardstick, not a second parser.

Run: ``python -m tests.benchmarks.stdlib_chat_json FILE > out.json``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import IO, Any

HEADER = re.compile(
    r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]*"
    r"(?:\[(\d{1,2})[./-](\d{1,2})[./-](\d{2,4}),? (\d{1,2})[:.](\d\d)(?:[:.](\d\d))?\] "
    r"|(\d{1,2})[./-](\d{1,2})[./-](\d{2,4}),? (\d{1,2})[:.](\d\d)(?:[:.](\d\d))? - )"
)
SENDER = re.compile(r"([^:\n]*(?::(?! )[^:\n]*)*): ")
MEDIA = re.compile(
    r"<attached: [^>\n]+>|^[^\n]+ \(file attached\)$|^<Media omitted>$"
    r"|^(?:image|video|audio|sticker|GIF|document|Contact card) omitted$"
    r"|^[^\n]+ document omitted$",
    re.MULTILINE,
)
LRM = "\u200e"
BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def lines(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="\n") as handle:
        for line in handle:
            if line.endswith("\n"):
                line = line[:-2] if line.endswith("\r\n") else line[:-1]
            yield line


def fields(match: re.Match[str]) -> tuple[str | None, ...]:
    groups = match.groups()
    return groups[:6] if groups[0] is not None else groups[6:]


def day_first(path: str) -> bool:
    """First pass: any first field over 12 → day-first; else any second → month-first."""
    month_first = False
    for line in lines(path):
        match = HEADER.match(line)
        if match:
            a, b = (int(f or 0) for f in fields(match)[:2])
            if a > 12:
                return True
            month_first = month_first or b > 12
    return not month_first


def messages(path: str) -> Iterator[dict[str, Any]]:
    order_day_first = day_first(path)
    current: dict[str, Any] | None = None
    body: list[str] = []
    for number, line in enumerate(lines(path), 1):
        match = HEADER.match(line)
        if match is None:
            body.append(line)
            continue
        if current is not None:
            yield finish(current, body)
        a, b, year, hour, minute, second = fields(match)
        day, month = (a, b) if order_day_first else (b, a)
        year = year if year and len(year) == 4 else f"20{year}"
        stamp = f"{year}-{int(month or 0):02d}-{int(day or 0):02d}T{int(hour or 0):02d}:{minute}:"
        stamp += second or "00"
        rest = line[match.end() :]
        sender = SENDER.match(rest)
        if sender is None:
            current = {"timestamp": stamp, "sender": None, "system": True, "line": number}
            text = rest
        else:
            who = sender[1].translate(BIDI)
            current = {"timestamp": stamp, "sender": who, "system": False, "line": number}
            text = rest[sender.end() :]
        body = [text[1:] if text.startswith(LRM) else text]
    if current is not None:
        yield finish(current, body)


def finish(current: dict[str, Any], body: list[str]) -> dict[str, Any]:
    text = "\n".join(body)
    return {
        "timestamp": current["timestamp"],
        "sender": current["sender"],
        "message": text,
        "system": current["system"],
        "has_media": MEDIA.search(text) is not None,
        "line": current["line"],
    }


def write(path: str, out: IO[str]) -> None:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    pending: list[str] = []
    separator = "[\n"
    for message in messages(path):
        pending.append(separator + encode(message))
        separator = ",\n"
        if len(pending) >= 2000:
            out.write("".join(pending))
            pending.clear()
    out.write("".join(pending) + "\n]\n")


if __name__ == "__main__":
    write(sys.argv[1], sys.stdout)
