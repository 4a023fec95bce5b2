"""How chat text is compared: case and accents ignored ("joao" finds "João"). Pure.

The fold as SQL for each engine (`sql_fold`, used by :mod:`chats.search.sql`), and the same
fold in Python, for highlighting matches and recognising names, with a map back to the
positions of the original text so a highlight covers the letters as written.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["COMBINING_MARKS", "fold", "fold_with_positions", "sql_fold"]


def _simple_lower(text: str) -> str:
    """Lower case per code point, as SQL's `lower` (no final-sigma rule); "İ" lowers to "i"
    and a combining dot, which the fold then drops, as DuckDB's fold does."""
    return "".join(ch.lower() for ch in text)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return unicodedata.normalize("NFC", kept)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    return _strip_marks(_simple_lower(ch))


def fold(text: str) -> str:
    """`text` lower-cased per code point, decomposed, without its marks, composed again (as
    DuckDB's `strip_accents(lower(x))`)."""
    if text.isascii():
        return text.lower()
    return _strip_marks(_simple_lower(text))


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """The fold of `text` character by character, and for each character of it the index in
    `text` it came from (one more entry at the end: `len(text)`), so a span of the fold maps
    back to the text as written."""
    out: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        positions.extend([i] * len(folded))
    positions.append(len(text))
    return "".join(out), positions


# The combining marks Trino's fold deletes after NFD: the blocks Combining Diacritical Marks,
# … Extended, … Supplement, … for Symbols and Combining Half Marks. Written as a Unicode
# escape literal (U&'\0300…'), so the SQL text stays ASCII.
_MARK_BLOCKS = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
COMBINING_MARKS = (
    "U&'"
    + "".join(f"\\{code:04X}" for start, end in _MARK_BLOCKS for code in range(start, end + 1))
    + "'"
)


def sql_fold(engine: str, expression: str) -> str:
    """The SQL fold of `expression` on "duckdb" or "athena" (Trino has no strip_accents:
    NFD, translate() deletes the marks, then NFC as DuckDB does)."""
    if engine == "duckdb":
        return f"strip_accents(lower({expression}))"
    return f"normalize(translate(normalize(lower({expression}), NFD), {COMBINING_MARKS}, ''), NFC)"
