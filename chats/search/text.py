"""How chat text is compared: case and accents ignored ("joao" finds "João"). Pure.

The SQL of :mod:`chats.search.sql` folds with the engines' own functions; this is the same
fold in Python, for highlighting matches and recognising names, with a map back to the
positions of the original text so a highlight covers the letters as written.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["fold", "fold_with_positions"]


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    lowered = ch.lower()
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """`text` lower-cased, without accents or other combining marks."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """The fold of `text`, and for each of its characters the index in `text` it came from
    (one more entry at the end: `len(text)`), so a span of the fold maps back to the text."""
    out: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        positions.extend([i] * len(folded))
    positions.append(len(text))
    return "".join(out), positions
