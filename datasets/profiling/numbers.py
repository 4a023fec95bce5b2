"""Numbers as people write them: thousands separators and decimal commas.

A column is read in one number format: plain (`1234.5`, the default), `1,234.5`, `1.234,5`,
`1 234,5` or `1'234.5`. The sample chooses it (see `sample_format`) and the full scans check
it, like a type. Each format's patterns are plain regular expressions that mean the same to
Python's `re` and to DuckDB's RE2, so the sample and the SQL apply one rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from datasets.profiling.sniff import TYPE_THRESHOLD


@dataclass(frozen=True)
class NumberFormat:
    name: str  # how the page shows the format: 1,234.5
    decimal: str
    groups: str  # the characters that may separate groups of three digits

    @property
    def integer(self) -> str:
        group = f"[{re.escape(self.groups)}]"
        return rf"[+-]?(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)"

    @property
    def number(self) -> str:
        return rf"{self.integer}(?:{re.escape(self.decimal)}\d+)?"


# In order of preference when a sample fits two equally well: "1,234" is read as a thousand.
FORMATS = (
    NumberFormat("1,234.5", ".", ","),
    NumberFormat("1.234,5", ",", "."),
    NumberFormat("1 234,5", ",", " \u00a0\u202f"),
    NumberFormat("1'234.5", ".", "'\u2019"),
)
BY_NAME = {number_format.name: number_format for number_format in FORMATS}
# Characters a number may be written with in any format: a cheap first test.
_NUMERIC_TEXT = re.compile("[0-9+.,'\u2019 \u00a0\u202f-]+")
# Enough values to guess a format from; the full scans check the guess on every row.
SAMPLE_VALUES = 5_000


def sample_format(values: Sequence[str]) -> tuple[NumberFormat, str] | None:
    """The format (and "integer" or "float") that 95% of the sample's values fit, if any.

    Of several, the one most values fit as numbers, then as whole numbers.
    """
    values = values[:SAMPLE_VALUES]
    needed = TYPE_THRESHOLD * len(values)
    if not values or sum(1 for value in values if _NUMERIC_TEXT.fullmatch(value)) < needed:
        return None
    best: tuple[int, int, int, NumberFormat] | None = None
    for rank, number_format in enumerate(FORMATS):
        whole = re.compile(number_format.integer)
        number = re.compile(number_format.number)
        integers = sum(1 for value in values if whole.fullmatch(value))
        numbers = sum(1 for value in values if number.fullmatch(value))
        score = (numbers, integers, -rank, number_format)
        if numbers >= needed and (best is None or score[:3] > best[:3]):
            best = score
    if best is None:
        return None
    numbers, integers, _, number_format = best
    return number_format, "integer" if integers >= needed else "float"
