"""Cells that mean "no value": empty ones, and the missing tokens.

A token matches as written, in lower case, in upper case and capitalised ("N/A", "n/a";
"null", "NULL", "Null"), and only the whole cell. The platform's DATASETS_MISSING_TOKENS
setting replaces the list (this module is light so settings can read its default).
"""

from __future__ import annotations

from collections.abc import Sequence

MISSING_TOKENS = ("N/A", "NA", "null", "--")


def missing_variants(tokens: Sequence[str]) -> tuple[str, ...]:
    """Every cell read as missing: the empty cell and each token's spellings."""
    spellings = {"", *tokens}
    for token in tokens:
        spellings.update((token.lower(), token.upper(), token.capitalize()))
    return tuple(sorted(spellings))
