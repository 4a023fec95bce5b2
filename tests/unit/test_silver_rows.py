"""Silver rows from parsed chat messages (chats/lake/rows.py)."""

from __future__ import annotations

import datetime
import hashlib
import io
import random
from collections import OrderedDict
from collections.abc import Iterable

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chats.lake import rows as silver_rows
from chats.lake.rows import (
    SILVER_SCHEMA,
    _duckdb_sha256_prefixes,
    _hashlib_sha256_prefixes,
    _sha256_prefixes,
    message_ids,
    silver_batches,
    silver_column_batches,
    silver_table,
)
from chats.whatsapp.parser import Message, parse_bytes, parse_columns

EXPORT = (
    b"13/03/2024, 09:05 - Alice: good  morning\nall of you\n"
    b"13/03/2024, 09:05 - Alice: ok\n"
    b"13/03/2024, 09:05 - Alice: ok\n"
    b"13/03/2024, 09:06 - Alice added Bob\n"
    b"14/03/2024, 23:59 - Bob: IMG-20240314-WA0001.jpg (file attached)\n"
)


def table(data: bytes = EXPORT) -> pa.Table:
    return silver_table(parse_bytes(data), owner="u1", chat="Family", source_file="raw/x.txt")


def test_one_row_per_message_with_the_silver_schema() -> None:
    rows = table()
    assert rows.schema == SILVER_SCHEMA
    assert rows.num_rows == 5
    first = rows.to_pylist()[0]
    assert {k: v for k, v in first.items() if k != "message_id"} == {
        "owner": "u1",
        "chat": "Family",
        "ts": datetime.datetime(2024, 3, 13, 9, 5),
        "date": "2024-03-13",
        "time": "09:05:00",
        "sender": "Alice",
        "message": "good  morning\nall of you",
        "word_count": 5,
        "is_system": False,
        "has_media": False,
        "source_file": "raw/x.txt",
    }


def test_system_and_media_flags_and_null_sender() -> None:
    rows = table().to_pylist()
    assert (rows[3]["sender"], rows[3]["is_system"]) == (None, True)
    assert rows[4]["has_media"] is True
    assert rows[4]["date"] == "2024-03-14"


def test_message_ids_are_unique_even_for_identical_messages() -> None:
    ids = table().column("message_id").to_pylist()
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_a_cumulative_export_gives_the_same_ids_for_the_same_messages() -> None:
    later = EXPORT + b"14/03/2024, 23:59 - Alice: ok\n15/03/2024, 08:00 - Alice: ok\n"
    first_ids = table().column("message_id").to_pylist()
    later_ids = table(later).column("message_id").to_pylist()
    assert later_ids[: len(first_ids)] == first_ids
    assert len(set(later_ids)) == len(later_ids)


def test_ids_depend_on_owner_and_chat() -> None:
    messages = parse_bytes(EXPORT)
    assert list(message_ids("u1", "Family", messages)) != list(
        message_ids("u2", "Family", messages)
    )
    assert list(message_ids("u1", "Family", messages)) != list(message_ids("u1", "Work", messages))


def test_none_sender_and_empty_sender_get_different_ids() -> None:
    system = Message("2024-03-13T09:05:00", None, "x", True, False, 1)
    empty = Message("2024-03-13T09:05:00", "", "x", False, False, 1)
    assert list(message_ids("u", "c", [system])) != list(message_ids("u", "c", [empty]))


def reference_ids(owner: str, chat: str, messages: Iterable[Message], window: int) -> list[str]:
    """The id definition, message by message (what silver_rows computes a batch at a time)."""

    def field(value: str) -> str:
        return f"{len(value)}:{value}"

    seen: OrderedDict[str, dict[tuple[str | None, str], int]] = OrderedDict()
    ids = []
    for m in messages:
        at = seen.get(m.timestamp)
        if at is None:
            at = seen[m.timestamp] = {}
            if len(seen) > window:
                seen.popitem(last=False)
        ordinal = at.get((m.sender, m.message), 0)
        at[(m.sender, m.message)] = ordinal + 1
        sender = "-" if m.sender is None else field(m.sender)
        text = field(owner) + field(chat) + field(m.timestamp) + sender
        text += field(m.message) + str(ordinal)
        ids.append(hashlib.sha256(text.encode()).hexdigest()[:32])
    return ids


def test_message_ids_keep_their_definition() -> None:
    messages = [
        Message("2024-03-13T09:05:00", "Alice", "ok", False, False, 1),
        Message("2024-03-13T09:05:00", "Alice", "ok", False, False, 2),
        Message("2024-03-13T09:06:00", None, "Alice added Bob", True, False, 3),
        Message("2024-03-14T23:59:00", "Δημήτρης 🌸", "café 東京\nline", False, False, 4),
    ]
    assert list(message_ids("u1", "Family", messages)) == [
        "18313a4b95c2b3425901e03b6b42bc9e",
        "df243773d63c675fb46b451984ceb5de",
        "209618075d052b3a782ee70a8154e064",
        "2322a5fc037894e5aaf60d6f398000a0",
    ]


def late_messages(
    seed: int, count: int, late_rate: float, late_by: int, repeats: bool
) -> list[Message]:
    """Messages whose timestamps now and then come back up to a few minutes late.

    ``repeats``: few distinct senders and texts, so identical messages are frequent;
    otherwise texts are mostly distinct and only the late ones repeat each other.
    """
    rnd = random.Random(seed)
    messages = []
    minute = 0
    for line in range(1, count):
        minute += rnd.choice([0, 0, 1, 1, 2] if repeats else [0, 1, 1, 2, 3])
        late = rnd.random() < late_rate
        at = max(0, minute - rnd.randint(1, late_by)) if late else minute
        stamp = f"2024-03-{1 + at // 1440:02d}T{at // 60 % 24:02d}:{at % 60:02d}:00"
        if repeats:
            sender = rnd.choice([None, "", "Alice", "Bob ü"])
            text = rnd.choice(["ok", "ok ok", "é"])
        else:
            sender, text = "Alice", "same" if late else f"message {line % 97}"
        messages.append(Message(stamp, sender, text, False, False, line))
    return messages


@pytest.mark.parametrize("batch_rows", [1, 7, 50, 1000])
@pytest.mark.parametrize(
    "messages",
    [
        # Identical messages are frequent: ordinals above 0, counted run by run.
        late_messages(7, 600, 0.1, 12, repeats=True),
        # Most batches hold only new timestamps and no repeats, and are remembered in one
        # step; the late ones then find (or have lost) what those batches left.
        late_messages(11, 800, 0.03, 9, repeats=False),
        late_messages(13, 800, 0.05, 6, repeats=False),
    ],
    ids=["repeats", "mostly-new", "mostly-new-2"],
)
def test_batched_ids_match_the_definition_with_late_timestamps(
    batch_rows: int, messages: list[Message], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window of 5 timestamps, so that timestamps coming back late are both remembered
    # and forgotten.
    monkeypatch.setattr(silver_rows, "_ORDINAL_WINDOW", 5)
    batches = silver_batches(
        messages, owner="u1", chat="Family", source_file="x", batch_rows=batch_rows
    )
    ids = [i for b in batches for i in b.column("message_id").to_pylist()]
    assert ids == reference_ids("u1", "Family", messages, window=5)


def test_batches_are_bounded_and_keep_ids_consistent() -> None:
    messages = parse_bytes(EXPORT)
    batches = list(
        silver_batches(messages, owner="u1", chat="Family", source_file="raw/x.txt", batch_rows=2)
    )
    assert [b.num_rows for b in batches] == [2, 2, 1]
    ids = [i for b in batches for i in b.column("message_id").to_pylist()]
    assert ids == table().column("message_id").to_pylist()


def test_word_count_splits_like_python_on_every_whitespace() -> None:
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ["\u205f", "\u3000"]
    texts = ["", "  ", "a", *(f"{s}a{s}{s}b{s}" for s in spaces), *(s * 2 for s in spaces)]
    messages = [Message("2024-03-13T09:05:00", "A", t, False, False, 1) for t in texts]
    rows = silver_table(messages, owner="u", chat="c", source_file="x")
    assert rows.column("word_count").to_pylist() == [len(t.split()) for t in texts]


@pytest.mark.parametrize("chunk_size", [64, 1 << 20])
def test_batches_from_parsed_columns_are_those_from_messages(chunk_size: int) -> None:
    data = EXPORT * 3
    from_columns = silver_column_batches(
        parse_columns(io.BytesIO(data), chunk_size=chunk_size),
        owner="u1",
        chat="Family",
        source_file="raw/x.txt",
        batch_rows=4,
    )
    assert [b.num_rows for b in from_columns] == [4, 4, 4, 3]
    rows = pa.Table.from_batches(
        silver_column_batches(
            parse_columns(io.BytesIO(data), chunk_size=chunk_size),
            owner="u1",
            chat="Family",
            source_file="raw/x.txt",
        )
    )
    assert rows.equals(table(data))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(), max_size=40))
def test_duckdb_and_hashlib_hash_alike(texts: list[str]) -> None:
    array = pa.array(texts, pa.string())
    expected = [hashlib.sha256(text.encode()).hexdigest()[:32] for text in texts]
    assert _duckdb_sha256_prefixes(array).to_pylist() == expected
    assert _hashlib_sha256_prefixes(array).to_pylist() == expected


def test_long_batches_are_hashed_as_the_definition_says() -> None:
    texts = [f"{n}:message number {n} \U0001f600" for n in range(5000)]
    expected = [hashlib.sha256(text.encode()).hexdigest()[:32] for text in texts]
    assert _sha256_prefixes(pa.array(texts, pa.string())).to_pylist() == expected
