"""Deterministic synthetic WhatsApp (Android) chat exports for benchmarks and memory tests.

Messages are mostly one line, some span several lines (blank lines included), some are
system lines or attachments, senders include emoji and non-Latin scripts. The same
arguments always give the same bytes.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench-data"

_SENDERS = [
    "Alice",
    "Bob Smith",
    "~\u202fCarla 🌸",
    "+44 7700 900123",
    "Δημήτρης",
    "Юлия",
    "李雷",
    "Mum ❤️",
]
_WORDS = [
    "ok",
    "yes",
    "no",
    "maybe",
    "tomorrow",
    "tonight",
    "dinner",
    "train",
    "late",
    "sorry",
    "thanks",
    "great",
    "lol",
    "see",
    "you",
    "there!",
    "😂",
    "👍",
    "café",
    "naïve",
    "über",
    "東京",
    "ありがとう",
    "привет",
    "meeting",
    "at",
    "the",
    "station",
    "bring",
    "the",
    "keys",
    "please",
    "call",
    "me",
    "when",
    "you",
    "land",
]
_SYSTEM = [
    "Alice added Bob Smith",
    "Bob Smith left",
    'Alice changed the subject from "Trip" to "Trip 2024"',
    "Mum ❤️ changed this group's icon",
]


def _lines(messages: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    moment = datetime.datetime(2019, 1, 1, 8, 0)
    choice, randint, rand = rng.choice, rng.randint, rng.random
    stamp_minute = None
    header = ""
    for n in range(messages):
        if rand() < 0.3:
            moment += datetime.timedelta(minutes=randint(1, 90))
        minute = moment.replace(second=0)
        if minute != stamp_minute:
            stamp_minute = minute
            header = minute.strftime("%d/%m/%Y, %H:%M - ")
        roll = rand()
        if roll < 0.02:
            yield header + choice(_SYSTEM) + "\n"
            continue
        sender = choice(_SENDERS)
        if roll < 0.07:
            yield f"{header}{sender}: IMG-{minute:%Y%m%d}-WA{n % 10000:04d}.jpg (file attached)\n"
        elif roll < 0.09:
            yield f"{header}{sender}: <Media omitted>\n"
        elif roll < 0.19:
            first = " ".join(choice(_WORDS) for _ in range(randint(2, 8)))
            second = " ".join(choice(_WORDS) for _ in range(randint(1, 6)))
            yield f"{header}{sender}: {first}\n\n{second}\n- item one\n"
        else:
            text = " ".join(choice(_WORDS) for _ in range(randint(1, 9)))
            yield f"{header}{sender}: {text}\n"


def generate(messages: int = 1_000_000, seed: int = 7) -> bytes:
    """The whole export as bytes (use for small sizes; :func:`export_path` for large ones)."""
    return "".join(_lines(messages, seed)).encode()


def export_path(messages: int = 1_000_000, seed: int = 7) -> Path:
    """Write the export to ``bench-data/`` once and return its path."""
    path = BENCH_DIR / f"android-{messages}-{seed}.txt"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as out:
            batch: list[str] = []
            for line in _lines(messages, seed):
                batch.append(line)
                if len(batch) >= 10_000:
                    out.write("".join(batch))
                    batch.clear()
            out.write("".join(batch))
        partial.replace(path)
    return path


if __name__ == "__main__":
    print(export_path())
