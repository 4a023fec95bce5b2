"""Look at the start of a CSV file: encoding, delimiter, quoting, header and likely types.

Pure helpers for `datasets.profiling.profile`. DuckDB's own sniffer samples a fixed number of rows
and, on ragged files, may settle on another delimiter and return one column without a word,
so the dialect is decided here from a sample and passed to DuckDB explicitly.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 4 << 20
DELIMITERS = (",", ";", "\t", "|")
QUOTES = ('"', "'")
TYPE_THRESHOLD = 0.95
DATA_KINDS = ("integer", "float", "date", "datetime")


class CsvUnreadable(ValueError):
    """The file cannot be profiled as CSV; the message is meant for the user."""


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    quotechar: str
    has_header: bool
    headers: list[str]
    column_count: int


INTEGER_RE = re.compile(r"[+-]?\d+")
FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
BOOLEAN_VALUES = frozenset({"true", "false", "yes", "no", "t", "f", "y", "n"})
ISO_DATE_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
ISO_DATETIME_RE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
SLASH_DATE_RE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
SLASH_DATETIME_RE = re.compile(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(?::\d{2})?")

# The same patterns as DuckDB (RE2) strings, for the full pass in SQL.
SQL_PATTERNS = {
    "integer": INTEGER_RE.pattern,
    "float": FLOAT_RE.pattern,
    "iso_date": ISO_DATE_RE.pattern,
    "iso_datetime": ISO_DATETIME_RE.pattern,
    "slash_date": SLASH_DATE_RE.pattern,
    "slash_datetime": SLASH_DATETIME_RE.pattern,
}


def detect_encoding(path: Path, on_chunk: Callable[[int, bytes], None] | None = None) -> str:
    """Return "utf-8", "utf-8-sig", "cp1252" or "latin-1" for the whole file.

    `on_chunk(offset, data)` sees every byte of the file on the way, in chunks whose sizes are
    multiples of 16 KiB. Raises CsvUnreadable for an empty file or one that looks binary.
    """
    with path.open("rb") as stream:
        head = stream.read(SAMPLE_BYTES)
        if not head.strip(b"\r\n\t \xef\xbb\xbf"):
            raise CsvUnreadable("The file is empty.")
        if b"\x00" in head or _control_ratio(head) > 0.01:
            raise CsvUnreadable("The file is not text (it looks like binary data).")
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder(encoding)()
        chunk, offset = head, 0
        while chunk:
            # ASCII is valid UTF-8 and isascii() is far cheaper than decoding. Skipping an
            # ASCII chunk cannot hide an error: it could not have completed a character left
            # open by the chunk before, so the final decode still fails.
            if decoder is not None and not chunk.isascii():
                decoder = _decoded(decoder, chunk)
            if on_chunk is not None:
                on_chunk(offset, chunk)
            offset += len(chunk)
            chunk = stream.read(CHUNK_BYTES)
        if decoder is not None and _decoded(decoder, b"", final=True) is not None:
            return encoding
    return _single_byte_encoding(path)


def _decoded(
    decoder: codecs.IncrementalDecoder, data: bytes, final: bool = False
) -> codecs.IncrementalDecoder | None:
    """The decoder again when `data` continues valid text, None when it is not UTF-8."""
    try:
        decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return None
    return decoder


def _control_ratio(data: bytes) -> float:
    controls = sum(data.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
    return controls / len(data)


def _single_byte_encoding(path: Path) -> str:
    # cp1252 leaves five bytes undefined; a file using them can only be latin-1.
    undefined = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            if any(byte in chunk for byte in undefined):
                return "latin-1"
    return "cp1252"


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> None:
    """Copy `path` to `target` as UTF-8 (DuckDB reads UTF-8 only)."""
    with (
        path.open("r", encoding=encoding, newline="") as source,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        while chunk := source.read(CHUNK_BYTES):
            out.write(chunk)


def read_sample(path: Path, encoding: str) -> tuple[str, bool]:
    """Return the first ~1 MiB as text and whether that is the whole file."""
    with path.open("rb") as stream:
        data = stream.read(SAMPLE_BYTES + 1)
    complete = len(data) <= SAMPLE_BYTES
    if not complete:
        data = data[:SAMPLE_BYTES]
        cut = data.rfind(b"\n")
        if cut > 0:
            data = data[: cut + 1]
    return data.decode(encoding, errors="replace").lstrip("\ufeff"), complete


def sniff_dialect(sample: str, complete: bool) -> Dialect:
    """Choose delimiter, quote character and header from a text sample."""
    quotechar = _sniff_quote(sample)
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        rows = parse_rows(sample, delimiter, quotechar, complete)
        counts = Counter(len(row) for row in rows if row)
        if not counts:
            continue
        width, hits = counts.most_common(1)[0]
        score = (hits / sum(counts.values()) if width > 1 else 0.0, width, delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is None:
        raise CsvUnreadable("The file has no rows.")
    delimiter = best[2]
    rows = [row for row in parse_rows(sample, delimiter, quotechar, complete) if row]
    has_header = looks_like_header(rows)
    if has_header:
        headers = rows[0]
    else:
        width = best[1]
        headers = [f"column{n + 1}" for n in range(width)]
    return Dialect(delimiter, quotechar, has_header, headers, len(headers))


def _sniff_quote(sample: str) -> str:
    def opened(quote: str) -> int:
        pattern = rf"(?:^|[,;\t|]){re.escape(quote)}[^{re.escape(quote)}\n]*{re.escape(quote)}"
        return len(re.findall(pattern, sample, flags=re.MULTILINE))

    return max(QUOTES, key=lambda quote: (opened(quote), quote == '"'))


def parse_rows(sample: str, delimiter: str, quotechar: str, complete: bool) -> list[list[str]]:
    """Parse the sample with the csv module; drop a last row the sample may have cut."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar=quotechar)
    try:
        rows = list(reader)
    except csv.Error:
        rows = []
    if not complete and len(rows) > 1:
        rows.pop()
    return rows


def looks_like_header(rows: list[list[str]]) -> bool:
    """A first row is a header unless one of its cells looks like data (number, date, bool).

    Booleans do not count: "n", "t" or "y" make fine column names. An all-text file is taken
    to have a header: that is by far the common case.
    """
    return bool(rows) and not any(value_kind(cell.strip()) in DATA_KINDS for cell in rows[0])


def value_kind(value: str) -> str:
    """The narrowest type a single cell fits; "empty" for a missing value."""
    if not value:
        return "empty"
    if INTEGER_RE.fullmatch(value):
        return "integer"
    if FLOAT_RE.fullmatch(value):
        return "float"
    if value.lower() in BOOLEAN_VALUES:
        return "boolean"
    if ISO_DATE_RE.fullmatch(value) or SLASH_DATE_RE.fullmatch(value):
        return "date"
    if ISO_DATETIME_RE.fullmatch(value) or SLASH_DATETIME_RE.fullmatch(value):
        return "datetime"
    return "string"


def candidate_type(values: list[str]) -> tuple[str | None, float]:
    """The type the sample suggests (95% rule; None when the sample has no values), and the
    share of the values that fit the likeliest type other than text."""
    kinds = Counter(value_kind(value) for value in values)
    kinds.pop("empty", None)
    total = sum(kinds.values())
    if not total:
        return None, 0.0
    widening = {
        "integer": kinds["integer"],
        "float": kinds["integer"] + kinds["float"],
        "boolean": kinds["boolean"],
        "date": kinds["date"],
        "datetime": kinds["date"] + kinds["datetime"],
    }
    share = max(widening.values()) / total
    for kind in ("integer", "float", "boolean", "date", "datetime"):
        if widening[kind] >= TYPE_THRESHOLD * total:
            return kind, share
    return "string", share


def sample_dates(values: list[str]) -> tuple[str, str | None, bool]:
    """Style ("iso", "slash" or "mixed": both), order and whether the order was assumed."""
    iso = sum(
        1 for value in values if ISO_DATE_RE.fullmatch(value) or ISO_DATETIME_RE.fullmatch(value)
    )
    slashed = [
        value.split(" ")[0].split("/")
        for value in values
        if SLASH_DATE_RE.fullmatch(value) or SLASH_DATETIME_RE.fullmatch(value)
    ]
    if not slashed:
        return "iso", None, False
    style = "mixed" if iso else "slash"
    day_first = sum(1 for parts in slashed if _int(parts[0]) > 12)
    month_first = sum(1 for parts in slashed if _int(parts[1]) > 12)
    if day_first or month_first:
        return style, ("day-first" if day_first >= month_first else "month-first"), False
    return style, "month-first", True


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0
