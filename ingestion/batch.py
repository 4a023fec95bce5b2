"""A small progress bar for the management commands: one line redrawn on a terminal, a line
every tenth of the way otherwise (logs, CI)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.core.management.base import OutputWrapper


class Progress:
    def __init__(self, out: OutputWrapper, total: int, label: str, width: int = 30) -> None:
        self.write: Callable[[str], object] = lambda text: out.write(text, ending="")
        self.tty = out.isatty()
        self.total, self.label, self.width = total, label, width
        self.done = 0
        self.outcomes: Counter[str] = Counter()
        self._last_tenth = -1

    def update(self, outcome: str) -> None:
        self.done += 1
        self.outcomes[outcome] += 1
        tenth = self.done * 10 // max(self.total, 1)
        if self.tty:
            self.write("\r" + self.line())
        elif tenth != self._last_tenth or self.done == self.total:
            self._last_tenth = tenth
            self.write(self.line() + "\n")

    def line(self) -> str:
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label} [{bar}] {self.done}/{self.total}  {self.summary()}"

    def summary(self) -> str:
        return ", ".join(f"{name} {n}" for name, n in sorted(self.outcomes.items()))

    def finish(self) -> None:
        if self.tty and self.done:
            self.write("\n")
