"""How chat text is compared: case and accents ignored ("joao" finds "João"). Pure.

The SQL of :mod:`chats.search.sql` folds with the engines' own functions; this is the same
fold in Python, for highlighting matches and recognising names, with a map back to the
positions of the original text so a highlight covers the letters as written.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["fold", "fold_with_positions"]


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
