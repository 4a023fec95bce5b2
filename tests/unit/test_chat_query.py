"""The chat query engines over a small Hive-partitioned silver dataset written with pyarrow."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chats.lake import files as silver_files
from chats.search.duckdb_engine import GENERATION_FILE, DuckDBEngine
from chats.search.engines import AthenaEngine, Cursor, MessageFilter, Page
from chats.search.query import BadQuery
from chats.search.text import fold

SCHEMA = pa.schema(
    [
        ("message_id", pa.string()),
        ("owner", pa.string()),
        ("chat", pa.string()),
        ("ts", pa.timestamp("us")),
        ("time", pa.string()),
        ("sender", pa.string()),
        ("message", pa.string()),
        ("word_count", pa.int32()),
        ("is_system", pa.bool_()),
        ("has_media", pa.bool_()),
        ("source_file", pa.string()),
    ]
)

# Texts chosen to trip naive SQL building or LIKE matching, and case folding edge cases
# (Greek final sigma, German sharp s, Cyrillic, emoji, a NUL character).
TEXTS = [
    "Hello there",
    "HELLO again",
    "it's 100% done",
    "50% off_sale",
    "under_score and percent%",
    "back\\slash \\\\ double",
    'say "hi"',
    "O'Brien'; DROP TABLE messages; --",
    "ΟΔΟΣ road",
    "Straße STRASSE",
    "Привет МИР",
    "emoji \U0001f600 party",
    "nul\x00byte",
    "<Media omitted>",
    "plain words here",
]
SENDERS = ["Ana", "Bruno", "O'Brien", "100%_\\", "Zoë", None]
CHATS = ["Family", "Work's chat", "50%_off\\"]
START = datetime(2024, 1, 30, 22, 0)


def make_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for owner, count in (("alice", 90), ("bob", 40)):
        for i in range(count):
            sender = SENDERS[i % len(SENDERS)]
            # Several messages share a timestamp so the message_id breaks ties.
            ts = START + timedelta(hours=7 * (i // 3), minutes=(i % 2))
            text = TEXTS[(i * 7 + len(owner)) % len(TEXTS)]
            rows.append(
                {
                    "message_id": f"{owner[0]}{(i * 37) % 101:03d}",
                    "owner": owner,
                    "chat": CHATS[i % len(CHATS)],
                    "ts": ts,
                    "time": ts.strftime("%H:%M:%S"),
                    "sender": sender,
                    "message": text if sender else f"Someone joined {text}",
                    "word_count": len(text.split()),
                    "is_system": sender is None,
                    "has_media": text == "<Media omitted>" or i % 11 == 0,
                    "source_file": f"bronze/{owner}/export.txt",
                }
            )
    return rows


ROWS = make_rows()


def write_silver(silver: Path, rows: list[dict[str, Any]], part: str = "0") -> None:
    by_date: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_date.setdefault(row["ts"].date().isoformat(), []).append(row)
    for day, day_rows in by_date.items():
        partition = silver / f"date={day}"
        partition.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(day_rows, schema=SCHEMA)
        pq.write_table(table, partition / f"part-{part}.parquet", compression="snappy")


def mark_generation(silver: Path) -> None:
    """What the silver writer does after every write (chats.lake.writer.mark_generation)."""
    silver.mkdir(parents=True, exist_ok=True)
    (silver / GENERATION_FILE).write_bytes(secrets.token_hex(16).encode())


@pytest.fixture(scope="module")
def files_engine(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    """An engine reading the Parquet files on every query: there is no generation marker."""
    root = tmp_path_factory.mktemp("storage")
    write_silver(root / "silver" / "whatsapp", ROWS)
    return DuckDBEngine.for_storage_root(root)


@pytest.fixture(scope="module")
def cached_engine(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    """An engine over the same rows that keeps owners' rows as tables: the marker exists."""
    root = tmp_path_factory.mktemp("storage")
    write_silver(root / "silver" / "whatsapp", ROWS)
    mark_generation(root / "silver" / "whatsapp")
    return DuckDBEngine.for_storage_root(root)


@pytest.fixture(params=["files", "cached"])
def engine(request: pytest.FixtureRequest) -> DuckDBEngine:
    """Every engine test runs on both paths: results must not depend on the cache."""
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


def key(row: dict[str, Any]) -> tuple[str, datetime, str]:
    return (row["ts"].date().isoformat(), row["ts"], row["message_id"])


def expected(f: MessageFilter) -> list[str]:
    """The reference filter, in plain Python over the same rows."""
    selected = []
    for row in sorted(ROWS, key=key):
        day = row["ts"].date()
        if row["owner"] != f.owner:
            continue
        if f.chat is not None and row["chat"] != f.chat:
            continue
        if f.sender is not None and fold(row["sender"] or "") != fold(f.sender):
            continue
        if row["sender"] is None and f.sender is not None:
            continue
        message = fold(row["message"])
        if not all(fold(word) in message for word in f.words):
            continue
        if f.date is not None and day != f.date:
            continue
        if f.date_from is not None and day < f.date_from:
            continue
        if f.date_to is not None and day > f.date_to:
            continue
        if f.hide_system and row["is_system"]:
            continue
        if f.only_media and not row["has_media"]:
            continue
        selected.append(row["message_id"])
    return selected


def ids(page: Page) -> list[str]:
    return [row["message_id"] for row in page.rows]


def all_pages(engine: DuckDBEngine, f: MessageFilter) -> Iterator[Page]:
    cursor: str | None = None
    while True:
        page = engine.search(replace(f, cursor=cursor))
        yield page
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


text_without_dotted_capital_i = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\u0130"), max_size=12
)
quoting = st.text(alphabet="'\"%_\\ aA-;", max_size=6)
word_from_data = st.sampled_from(
    sorted({w for t in TEXTS for w in t.split()} | {"%", "_", "\\", "'", "ς", "σ", "ss", "ß"})
)
chat_values = st.one_of(st.none(), st.sampled_from(CHATS), quoting, text_without_dotted_capital_i)
sender_values = st.one_of(
    st.none(),
    st.sampled_from([s for s in SENDERS if s]),
    quoting,
    text_without_dotted_capital_i,
)
query_values = st.one_of(
    st.none(),
    st.lists(st.one_of(word_from_data, quoting, text_without_dotted_capital_i), max_size=3).map(
        " ".join
    ),
)
days = st.one_of(st.none(), st.dates(min_value=date(2024, 1, 29), max_value=date(2024, 3, 1)))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    owner=st.sampled_from(["alice", "bob", "carol", "alice'--"]),
    chat=chat_values,
    sender=sender_values,
    q=query_values,
    on_day=days,
    date_from=days,
    date_to=days,
    hide_system=st.booleans(),
    only_media=st.booleans(),
)
def test_engine_matches_a_plain_python_filter(
    engine: DuckDBEngine,
    owner: str,
    chat: str | None,
    sender: str | None,
    q: str | None,
    on_day: date | None,
    date_from: date | None,
    date_to: date | None,
    hide_system: bool,
    only_media: bool,
) -> None:
    if date_from and date_to and date_from > date_to:
        with pytest.raises(BadQuery, match="from: must not be after to"):
            MessageFilter(owner=owner, date_from=date_from, date_to=date_to)
        return
    f = MessageFilter(
        owner=owner,
        chat=chat,
        sender=sender,
        q=q,
        date=on_day,
        date_from=date_from,
        date_to=date_to,
        hide_system=hide_system,
        only_media=only_media,
        limit=1000,
    )
    page = engine.search(f)
    assert ids(page) == expected(f)
    assert page.next_cursor is None
    owned = {row["message_id"] for row in ROWS if row["owner"] == owner}
    assert set(ids(page)) <= owned


def test_search_is_case_insensitive_and_literal_about_wildcards(engine: DuckDBEngine) -> None:
    def found(q: str) -> list[str]:
        return [
            row["message"]
            for row in engine.search(MessageFilter("alice", q=q, hide_system=True)).rows
        ]

    assert set(found("hello")) >= {"Hello there", "HELLO again"}
    assert set(found("%")) == {"it's 100% done", "50% off_sale", "under_score and percent%"}
    assert set(found("_")) == {"50% off_sale", "under_score and percent%"}
    assert set(found("\\\\")) == {"back\\slash \\\\ double"}
    assert set(found("o'brien'; drop")) == {"O'Brien'; DROP TABLE messages; --"}
    assert set(found("мир")) == {"Привет МИР"}
    # ΟΔΟΣ lowers to οδοσ: the simple mapping has no final-sigma rule.
    assert set(found("οδοσ")) == {"ΟΔΟΣ road"}
    assert found("ς") == []
    assert found("nothing-like-this") == []


@pytest.mark.parametrize("cached", [False, True], ids=["files", "cached"])
def test_words_and_senders_ignore_accents(
    engine: DuckDBEngine, cached_engine: DuckDBEngine, cached: bool
) -> None:
    search = (cached_engine if cached else engine).search
    zoe = {r["message_id"] for r in ROWS if r["owner"] == "alice" and r["sender"] == "Zoë"}
    assert zoe
    for name in ("zoe", "ZOË", "Zoe"):
        assert set(ids(search(MessageFilter("alice", sender=name, limit=1000)))) == zoe
    # Words: the hit of "joao" (and of "JOÃO") is marked as written, "João".
    assert set(ids(search(MessageFilter("alice", q="privet", limit=1000)))) == set()


def test_owner_sees_only_their_own_rows(engine: DuckDBEngine) -> None:
    bob = {row["message_id"] for row in ROWS if row["owner"] == "bob"}
    page = engine.search(MessageFilter("bob", limit=1000))
    assert set(ids(page)) == bob
    assert engine.search(MessageFilter("Bob", limit=1000)).rows == []
    assert engine.search(MessageFilter("bob' OR '1'='1", limit=1000)).rows == []
    chats = engine.chat_summaries("bob")
    assert sum(row["messages"] for row in chats) == len(bob)


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("limit", [3, 7, 30])
def test_cursor_pages_have_no_gaps_or_duplicates(
    engine: DuckDBEngine, limit: int, newest_first: bool
) -> None:
    f = MessageFilter("alice", hide_system=True, limit=limit, newest_first=newest_first)
    pages = list(all_pages(engine, f))
    seen = [message_id for page in pages for message_id in ids(page)]
    want = expected(f)
    assert seen == (want[::-1] if newest_first else want)
    assert all(len(page.rows) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1].rows) <= limit


def test_limit_is_clamped(engine: DuckDBEngine) -> None:
    assert len(engine.search(MessageFilter("alice", limit=0)).rows) == 1
    assert len(engine.search(MessageFilter("alice", limit=-3)).rows) == 1
    everything = engine.search(MessageFilter("alice", limit=10**6))
    assert len(everything.rows) == 90
    assert everything.next_cursor is None


def test_invalid_cursor_is_a_value_error(engine: DuckDBEngine) -> None:
    with pytest.raises(ValueError, match="Invalid cursor"):
        engine.search(MessageFilter("alice", cursor="'; DROP TABLE x; --"))


def test_rows_are_json_friendly(engine: DuckDBEngine) -> None:
    row = engine.search(MessageFilter("alice", limit=1)).rows[0]
    assert set(row) == {
        "message_id", "chat", "date", "ts", "time", "sender", "message",
        "word_count", "is_system", "has_media", "source_file",
    }  # fmt: skip
    first = min(ROWS[:90], key=key)
    assert row["message_id"] == first["message_id"]
    assert row["date"] == first["ts"].date().isoformat()
    assert row["ts"] == first["ts"].isoformat()
    assert row["time"] == first["time"]
    json.dumps(engine.chat_summaries("alice"))
    json.dumps(engine.chat_stats("alice", "Family"))


def test_conversation_pages_forwards_and_backwards(engine: DuckDBEngine) -> None:
    chat = "Work's chat"
    want = expected(MessageFilter("alice", chat=chat))
    forwards: list[str] = []
    cursor = None
    while True:
        page = engine.conversation("alice", chat, cursor, limit=4)
        forwards += ids(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert forwards == want

    backwards: list[list[str]] = []
    cursor = None
    while True:
        page = engine.conversation("alice", chat, cursor, limit=4, backwards=True)
        backwards.append(ids(page))
        assert ids(page) == sorted(ids(page), key=want.index)  # oldest first in a page
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [i for chunk in reversed(backwards) for i in chunk] == want
    assert backwards[0] == want[-4:]


def test_message_context_returns_neighbours(engine: DuckDBEngine) -> None:
    want = expected(MessageFilter("alice", chat="Family"))
    middle = want[10]
    rows = engine.message_context("alice", "Family", middle, radius=3)
    assert [row["message_id"] for row in rows] == want[7:14]
    edge = engine.message_context("alice", "Family", want[0], radius=2)
    assert [row["message_id"] for row in edge] == want[:3]
    assert engine.message_context("alice", "Family", "missing", radius=2) == []
    bob_id = next(row["message_id"] for row in ROWS if row["owner"] == "bob")
    assert engine.message_context("alice", "Family", bob_id) == []


def test_chat_summaries(engine: DuckDBEngine) -> None:
    summaries = {row["chat"]: row for row in engine.chat_summaries("alice")}
    assert set(summaries) == set(CHATS)
    family = [row for row in ROWS if row["owner"] == "alice" and row["chat"] == "Family"]
    summary = summaries["Family"]
    assert summary["messages"] == len(family)
    assert summary["media"] == sum(row["has_media"] for row in family)
    assert summary["first_date"] == min(row["ts"] for row in family).date().isoformat()
    assert summary["last_date"] == max(row["ts"] for row in family).date().isoformat()
    assert summary["last_ts"] == max(row["ts"] for row in family).isoformat()
    participants = {p["sender"]: p["messages"] for p in summary["participants"]}
    for sender in {row["sender"] for row in family if row["sender"]}:
        assert participants[sender] == sum(row["sender"] == sender for row in family)
    assert None not in participants


def test_chat_stats(engine: DuckDBEngine) -> None:
    family = [row for row in ROWS if row["owner"] == "alice" and row["chat"] == "Family"]
    people = [row for row in family if not row["is_system"]]
    stats = engine.chat_stats("alice", "Family")
    assert stats["totals"] == {
        "messages": len(family),
        "system_messages": len(family) - len(people),
        "media": sum(row["has_media"] for row in family),
        "words": sum(row["word_count"] for row in people),
        "senders": len({row["sender"] for row in people}),
        "first_date": min(row["ts"] for row in family).date().isoformat(),
        "last_date": max(row["ts"] for row in family).date().isoformat(),
    }
    assert sum(row["messages"] for row in stats["senders"]) == len(people)
    assert sum(row["messages"] for row in stats["months"]) == len(family)
    assert [row["month"] for row in stats["months"]] == ["2024-01", "2024-02"]
    heat: dict[tuple[int, int], int] = {}
    for row in people:
        cell = (row["ts"].isoweekday(), row["ts"].hour)
        heat[cell] = heat.get(cell, 0) + 1
    assert {(r["weekday"], r["hour"]): r["messages"] for r in stats["heatmap"]} == heat


@pytest.mark.parametrize("layout", ["missing", "empty", "no-partitions", "only-the-marker"])
def test_no_silver_data_yet_gives_empty_results(tmp_path: Path, layout: str) -> None:
    silver = tmp_path / "silver" / "whatsapp"
    if layout != "missing":
        silver.mkdir(parents=True)
    if layout == "no-partitions":
        (silver / "date=2024-01-01").mkdir()
    if layout == "only-the-marker":
        mark_generation(silver)
    engine = DuckDBEngine(silver)
    assert not engine.has_data()
    assert engine.search(MessageFilter("alice")) == Page(rows=[], next_cursor=None)
    assert engine.conversation("alice", "Family").rows == []
    assert engine.message_context("alice", "Family", "a001") == []
    assert engine.chat_summaries("alice") == []
    assert engine.chat_stats("alice", "Family") == {
        "totals": {},
        "senders": [],
        "months": [],
        "heatmap": [],
    }


def test_partitions_from_different_writers_read_together(tmp_path: Path) -> None:
    rows = [row for row in ROWS if row["owner"] == "bob"][:6]
    write_silver(tmp_path, rows[:3])
    later = pa.Table.from_pylist(rows[3:], schema=SCHEMA)
    # A later writer: int64 word counts and the columns in another order.
    later = later.cast(
        SCHEMA.set(SCHEMA.get_field_index("word_count"), pa.field("word_count", pa.int64()))
    )
    later = later.select(sorted(later.column_names))
    partition = tmp_path / "date=2030-01-01"
    partition.mkdir()
    pq.write_table(later, partition / "part-0.parquet")
    page = DuckDBEngine(tmp_path).search(MessageFilter("bob", limit=10))
    want = {row["message_id"]: row["word_count"] for row in rows}
    assert {row["message_id"]: row["word_count"] for row in page.rows} == want
    assert [row["date"] for row in page.rows][-3:] == ["2030-01-01"] * 3


def test_new_partitions_are_seen_by_a_reused_connection(tmp_path: Path) -> None:
    bob = [row for row in ROWS if row["owner"] == "bob"]
    engine = DuckDBEngine(tmp_path)
    assert engine.search(MessageFilter("bob")).rows == []
    write_silver(tmp_path, bob[:5])
    assert len(engine.search(MessageFilter("bob")).rows) == 5
    later = pa.Table.from_pylist(bob[5:8], schema=SCHEMA)
    (tmp_path / "date=2031-01-01").mkdir()
    pq.write_table(later, tmp_path / "date=2031-01-01" / "part-0.parquet")
    assert len(engine.search(MessageFilter("bob")).rows) == 8


def test_engine_is_usable_from_several_threads(engine: DuckDBEngine) -> None:
    owners = ["alice", "bob"] * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda o: engine.search(MessageFilter(o, limit=1000)), owners))
    for owner, page in zip(owners, results, strict=True):
        assert ids(page) == expected(MessageFilter(owner, limit=1000))


def table_rows(engine: DuckDBEngine, owner: str) -> list[tuple[Any, ...]]:
    """(owner, message_id) of every row in the engine's cached table of `owner`."""
    table = engine.cached_tables()[owner]
    if table is None:
        return []
    sql = f'SELECT owner, message_id FROM "{table}"'  # noqa: S608  (the engine's own name)
    return list(engine._cursor().execute(sql).fetchall())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    owner=st.sampled_from(["alice", "bob", "carol"]),
    chat=st.one_of(st.none(), st.sampled_from(CHATS)),
    sender=st.one_of(st.none(), st.sampled_from([s for s in SENDERS if s])),
    q=query_values,
    date_from=days,
    date_to=days,
    hide_system=st.booleans(),
    newest_first=st.booleans(),
    limit=st.integers(1, 40),
)
def test_cached_tables_give_the_same_pages_as_the_files(
    files_engine: DuckDBEngine,
    cached_engine: DuckDBEngine,
    owner: str,
    chat: str | None,
    sender: str | None,
    q: str | None,
    date_from: date | None,
    date_to: date | None,
    hide_system: bool,
    newest_first: bool,
    limit: int,
) -> None:
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from  # an inverted range is a BadQuery
    f = MessageFilter(
        owner=owner,
        chat=chat,
        sender=sender,
        q=q,
        date_from=date_from,
        date_to=date_to,
        hide_system=hide_system,
        newest_first=newest_first,
        limit=limit,
    )
    assert list(all_pages(cached_engine, f)) == list(all_pages(files_engine, f))
    if chat is not None:
        assert cached_engine.chat_stats(owner, chat) == files_engine.chat_stats(owner, chat)
        assert cached_engine.conversation(owner, chat, limit=limit, backwards=True) == (
            files_engine.conversation(owner, chat, limit=limit, backwards=True)
        )
    assert cached_engine.chat_summaries(owner) == files_engine.chat_summaries(owner)
    assert owner in cached_engine.cached_tables()


def test_every_statement_runs_on_the_cached_table(
    cached_engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[str] = []
    execute = cached_engine._execute

    def spy(sql: str, params: Any) -> list[dict[str, Any]]:
        executed.append(sql)
        return execute(sql, params)

    monkeypatch.setattr(cached_engine, "_execute", spy)
    message_id = expected(MessageFilter("alice", chat="Family"))[3]
    first = cached_engine.search(MessageFilter("alice", limit=2, newest_first=True))
    cached_engine.search(MessageFilter("alice", q="hello", cursor=first.next_cursor))
    cached_engine.conversation("alice", "Family", limit=3, backwards=True)
    cached_engine.message_context("alice", "Family", message_id, radius=2)
    cached_engine.chat_summaries("alice")
    cached_engine.chat_stats("alice", "Family")
    assert len(executed) == 10  # 2 searches, 1, 1, 2 and 4 statements
    assert not [sql for sql in executed if "read_parquet" in sql]
    assert "strpos(message_fold, strip_accents(lower(?)))" in executed[1]  # the word search


def test_an_owners_cached_table_holds_only_their_rows(cached_engine: DuckDBEngine) -> None:
    for owner in ("alice", "bob", "alice'--"):
        cached_engine.search(MessageFilter(owner, limit=1))
        want = sorted((row["owner"], row["message_id"]) for row in ROWS if row["owner"] == owner)
        assert sorted(table_rows(cached_engine, owner)) == want


def test_a_new_generation_is_seen_by_the_next_query(tmp_path: Path) -> None:
    bob = sorted((row for row in ROWS if row["owner"] == "bob"), key=key)
    engine = DuckDBEngine(tmp_path)
    mark_generation(tmp_path)
    assert engine.search(MessageFilter("bob")).rows == []  # marker, but no files yet
    write_silver(tmp_path, bob[:5])
    mark_generation(tmp_path)
    assert len(engine.search(MessageFilter("bob")).rows) == 5
    write_silver(tmp_path, bob[5:12], part="1")  # new files, some in new partitions
    assert len(engine.search(MessageFilter("bob")).rows) == 5  # until the writer marks it
    mark_generation(tmp_path)
    assert ids(engine.search(MessageFilter("bob"))) == [row["message_id"] for row in bob[:12]]
    (tmp_path / GENERATION_FILE).unlink()
    write_silver(tmp_path, bob[12:14], part="2")
    assert len(engine.search(MessageFilter("bob")).rows) == 14  # no marker: the files


def test_at_most_cached_owners_tables_are_kept(tmp_path: Path) -> None:
    write_silver(tmp_path, ROWS)
    mark_generation(tmp_path)
    engine = DuckDBEngine(tmp_path, cached_owners=2)
    for owner in ("alice", "bob", "alice", "carol"):
        engine.search(MessageFilter(owner))
    assert list(engine.cached_tables()) == ["alice", "carol"]
    tables = engine._cursor().execute("SELECT table_name FROM duckdb_tables()").fetchall()
    assert sorted(name for (name,) in tables) == sorted(
        name for name in engine.cached_tables().values() if name
    )
    assert ids(engine.search(MessageFilter("bob", limit=1000))) == expected(
        MessageFilter("bob", limit=1000)
    )
    assert list(DuckDBEngine(tmp_path, cached_owners=0).cached_tables()) == []


def test_queries_stay_right_while_another_thread_reloads(tmp_path: Path) -> None:
    write_silver(tmp_path, ROWS)
    mark_generation(tmp_path)
    engine = DuckDBEngine(tmp_path, cached_owners=1)
    done = threading.Event()

    def writer() -> None:
        while not done.is_set():
            mark_generation(tmp_path)

    def query(owner: str) -> list[str]:
        return ids(engine.search(MessageFilter(owner, limit=1000)))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            owners = ["alice", "bob"] * 10
            results = list(pool.map(query, owners))
    finally:
        done.set()
        thread.join()
    for owner, found in zip(owners, results, strict=True):
        assert found == expected(MessageFilter(owner, limit=1000))


def test_the_marker_name_is_the_writers() -> None:
    assert silver_files.GENERATION_FILE == GENERATION_FILE


class FakeAthenaCursor:
    description = [("message_id",), ("date",), ("ts",), ("word_count",)]

    def __init__(self, calls: list[tuple[str, dict[str, object], str]]) -> None:
        self.calls = calls
        self.closed = False

    def execute(self, sql: str, params: dict[str, object], *, paramstyle: str) -> None:
        self.calls.append((sql, params, paramstyle))

    def fetchall(self) -> list[tuple[object, ...]]:
        return [("m1", "2024-02-01", datetime(2024, 2, 1, 8, 5, 0), 3)]

    def close(self) -> None:
        self.closed = True


def test_athena_engine_runs_pyformat_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyathena

    calls: list[tuple[str, dict[str, object], str]] = []
    connects: list[dict[str, object]] = []

    class FakeConnection:
        def cursor(self) -> FakeAthenaCursor:
            return FakeAthenaCursor(calls)

    def fake_connect(**kwargs: object) -> FakeConnection:
        connects.append(kwargs)
        return FakeConnection()

    monkeypatch.setattr(pyathena, "connect", fake_connect)
    engine = AthenaEngine(
        work_group="primary",
        database="silver_db",
        s3_staging_dir="s3://results/athena/",
        region="eu-west-1",
        table="whatsapp_messages",
    )
    page = engine.search(MessageFilter("alice", q="it's 100%", limit=5))
    assert page == Page(
        rows=[{"message_id": "m1", "date": "2024-02-01", "ts": "2024-02-01T08:05:00",
               "word_count": 3}],
        next_cursor=None,
    )  # fmt: skip
    engine.search(MessageFilter("alice"))
    assert len(connects) == 1  # one connection per thread, reused
    assert connects[0] == {
        "work_group": "primary",
        "schema_name": "silver_db",
        "s3_staging_dir": "s3://results/athena/",
        "region_name": "eu-west-1",
    }
    sql, params, paramstyle = calls[0]
    assert paramstyle == "pyformat"
    assert 'FROM "silver_db"."whatsapp_messages" WHERE owner = %(p0)s' in sql
    assert params == {"p0": "alice", "p1": "it's", "p2": "100%", "p3": 6}
    assert "it's" not in sql


def test_athena_engine_refuses_a_bad_table_name() -> None:
    with pytest.raises(ValueError, match="must match"):
        AthenaEngine("primary", "silver_db", "s3://r/", "eu-west-1", "x; DROP TABLE y")


def test_cursor_is_reexported_for_the_web_layer() -> None:
    token = Cursor("2024-02-01", "2024-02-01T08:05:00", "m1").encode()
    assert Cursor.decode(token).message_id == "m1"
