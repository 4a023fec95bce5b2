"""The chat SQL builders: one parameterized statement per query, for DuckDB and Athena."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyathena.formatter import DefaultParameterFormatter

from chats.search.sql import (
    COMBINING_MARKS,
    COUNT_LIMIT,
    MAX_LIMIT,
    Cursor,
    Dialect,
    MessageFilter,
    Statement,
    chat_stats,
    chat_summaries,
    conversation,
    count_messages,
    message_context,
    search_messages,
)

GLOB = "/srv/var/storage/silver/whatsapp/date=*/*.parquet"
DUCKDB = Dialect.duckdb(GLOB)
ATHENA = Dialect.athena("whatsapp_messages", "silver_db")
DIALECTS = [pytest.param(DUCKDB, id="duckdb"), pytest.param(ATHENA, id="athena")]
ATHENA_PLACEHOLDER = re.compile(r"%\(p(\d+)\)s")

NASTY = 'ZQX\' OR 1=1; -- %_\\ "x" \U0001f600 \u00e9'


def all_statements(dialect: Dialect, owner: str, text: str) -> list[Statement]:
    f = MessageFilter(
        owner=owner,
        chat=text,
        sender=text,
        q=f"{text} two",
        date_from=date(2024, 1, 1),
        date_to=date(2024, 12, 31),
        hide_system=True,
        only_media=True,
        cursor=Cursor("2024-01-01", "2024-01-01T10:00:00", text).encode(),
    )
    return [
        search_messages(dialect, f),
        conversation(dialect, owner, text, f.cursor, 50),
        conversation(dialect, owner, text, None, 50, backwards=True),
        message_context(dialect, owner, text, text, 5),
        *chat_summaries(dialect, owner).values(),
        *chat_stats(dialect, owner, text).values(),
    ]


def assert_placeholders_match(dialect: Dialect, statement: Statement) -> None:
    if dialect.name == "duckdb":
        assert statement.sql.count("?") == len(statement.params)
        assert "%(" not in statement.sql
    else:
        numbers = [int(n) for n in ATHENA_PLACEHOLDER.findall(statement.sql)]
        assert sorted(set(numbers)) == list(range(len(statement.params)))
        assert "?" not in statement.sql
        # pyformat: a literal % would have to be doubled; the SQL has none at all.
        assert "%" not in ATHENA_PLACEHOLDER.sub("", statement.sql)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_user_strings_travel_only_in_params(dialect: Dialect) -> None:
    for statement in all_statements(dialect, "ZQXowner", NASTY):
        assert "ZQX" not in statement.sql
        assert "ZQXowner" in statement.params
        assert_placeholders_match(dialect, statement)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=50, deadline=None)
@given(text=st.text(min_size=1))
def test_any_text_stays_out_of_the_sql(dialect: Dialect, text: str) -> None:
    marked = "ZQX" + text
    for statement in all_statements(dialect, "owner-1", marked):
        assert "ZQX" not in statement.sql
        assert_placeholders_match(dialect, statement)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_statement_is_scoped_to_the_owner_first(dialect: Dialect) -> None:
    for statement in all_statements(dialect, "alice", "chat"):
        assert statement.sql.startswith("WITH m AS (SELECT ") or statement.sql.startswith(
            "SELECT * FROM (WITH m AS (SELECT "
        )
        assert " WHERE owner = " in statement.sql
        owner_index = 1 if dialect.name == "duckdb" else 0
        assert statement.params[owner_index] == "alice"


def test_duckdb_reads_the_glob_as_a_parameter() -> None:
    statement = search_messages(DUCKDB, MessageFilter(owner="alice"))
    assert GLOB not in statement.sql
    assert statement.params[0] == GLOB
    assert "read_parquet(?, hive_partitioning = true" in statement.sql


def test_athena_reads_the_configured_table() -> None:
    statement = search_messages(ATHENA, MessageFilter(owner="alice"))
    assert 'FROM "silver_db"."whatsapp_messages" WHERE owner = %(p0)s' in statement.sql
    unqualified = search_messages(Dialect.athena("messages"), MessageFilter(owner="a"))
    assert 'FROM "messages" WHERE' in unqualified.sql


@pytest.mark.parametrize(
    "name", ["", "1table", "messages; DROP TABLE x", 'a"b', "a.b", "tab le", "ünïcode", "a-b"]
)
def test_athena_rejects_table_names_that_are_not_plain_identifiers(name: str) -> None:
    with pytest.raises(ValueError, match="must match"):
        Dialect.athena(name, "silver")
    with pytest.raises(ValueError, match="must match"):
        Dialect.athena("messages", name)


def test_athena_statement_formats_through_pyathena_with_trino_escaping() -> None:
    f = MessageFilter(owner="o'wner", chat="it's", q="100% a_b back\\slash")
    statement = search_messages(ATHENA, f)
    formatted = DefaultParameterFormatter().format(statement.sql, statement.named_params())
    assert "owner = 'o''wner'" in formatted
    assert "chat = 'it''s'" in formatted
    assert "lower('100%')" in formatted
    assert "lower('a_b')" in formatted
    assert "lower('back\\slash')" in formatted
    assert "%(" not in formatted
    assert formatted.endswith("LIMIT 201")


def test_named_params_follow_the_placeholder_numbers() -> None:
    statement = search_messages(ATHENA, MessageFilter(owner="o", sender="s"))
    assert statement.named_params() == {"p0": "o", "p1": "s", "p2": 201}


@pytest.mark.parametrize(
    ("asked", "clamped"), [(0, 1), (-7, 1), (1, 1), (200, 200), (1000, 1000), (10**9, MAX_LIMIT)]
)
def test_limit_is_clamped_and_one_extra_row_is_fetched(asked: int, clamped: int) -> None:
    f = MessageFilter(owner="o", limit=asked)
    assert f.limit == clamped
    assert search_messages(DUCKDB, f).params[-1] == clamped + 1


def test_filter_defaults_and_blank_strings_mean_no_filter() -> None:
    f = MessageFilter(owner="o", chat="", sender="", q="   ", cursor="")
    assert (f.chat, f.sender, f.q, f.cursor, f.limit) == (None, None, None, None, 200)
    assert f.words == ()
    statement = search_messages(DUCKDB, f)
    assert statement.params == [GLOB, "o", 201]
    assert " FROM m ORDER BY" in statement.sql


def test_query_words_each_become_a_strpos_condition() -> None:
    statement = search_messages(DUCKDB, MessageFilter(owner="o", q=" Hello\twörld  x "))
    assert (
        statement.sql.count("strpos(strip_accents(lower(message)), strip_accents(lower(?))) > 0")
        == 3
    )
    assert statement.params[2:5] == ["Hello", "wörld", "x"]
    assert " LIKE " not in statement.sql


def test_a_table_with_the_folded_message_is_searched_without_folding_again() -> None:
    table = Dialect.duckdb_table("silver_owner_3")
    statement = search_messages(table, MessageFilter(owner="o", q="Hello wörld"))
    assert 'FROM "silver_owner_3" WHERE owner = ?' in statement.sql
    assert "read_parquet" not in statement.sql
    assert statement.sql.count("strpos(message_fold, strip_accents(lower(?))) > 0") == 2
    assert "lower(message)" not in statement.sql
    assert statement.params[:3] == ["o", "Hello", "wörld"]


@pytest.mark.parametrize("name", ["", "1t", 't"; DROP TABLE x; --', "a.b", "tab le"])
def test_duckdb_table_names_must_be_plain_identifiers(name: str) -> None:
    with pytest.raises(ValueError, match="must match"):
        Dialect.duckdb_table(name)


def test_too_many_query_words_are_refused() -> None:
    with pytest.raises(ValueError, match="at most"):
        MessageFilter(owner="o", q=" ".join(["w"] * 33))


def test_missing_owner_is_refused_everywhere() -> None:
    with pytest.raises(ValueError, match="owner"):
        MessageFilter(owner="")
    with pytest.raises(ValueError, match="owner"):
        chat_summaries(DUCKDB, "")
    with pytest.raises(ValueError, match="owner"):
        chat_stats(ATHENA, "", "chat")


def test_conversation_needs_a_chat() -> None:
    with pytest.raises(ValueError, match="chat"):
        conversation(DUCKDB, "o", "")


def test_date_filters_compare_iso_strings() -> None:
    f = MessageFilter(
        owner="o",
        date=date(2024, 2, 3),
        date_from=date(2024, 1, 1),
        date_to=date(2024, 3, 1),
        hide_system=True,
        only_media=True,
    )
    statement = search_messages(DUCKDB, f)
    assert statement.params[2:5] == ["2024-02-03", "2024-01-01", "2024-03-01"]
    assert '"date" = ? AND "date" >= ? AND "date" <= ?' in statement.sql
    assert "NOT is_system AND has_media" in statement.sql


def test_cursor_continues_after_the_position_in_ascending_order() -> None:
    token = Cursor("2024-01-02", "2024-01-02T09:30:00", "m-7").encode()
    statement = search_messages(DUCKDB, MessageFilter(owner="o", cursor=token))
    assert '"date" > ?' in statement.sql
    assert "message_id > ?" in statement.sql
    assert 'ORDER BY "date" ASC' in statement.sql
    # Timestamps go to SQL in the space-separated form Trino's CAST accepts.
    assert statement.params[2:7] == [
        "2024-01-02",
        "2024-01-02",
        "2024-01-02 09:30:00",
        "2024-01-02 09:30:00",
        "m-7",
    ]


def test_newest_first_pages_backwards() -> None:
    token = Cursor("2024-01-02", "2024-01-02T09:30:00", "m-7").encode()
    statement = search_messages(DUCKDB, MessageFilter(owner="o", cursor=token, newest_first=True))
    assert '"date" < ?' in statement.sql
    assert 'ORDER BY "date" DESC, ts DESC, message_id DESC' in statement.sql


def test_backwards_conversation_is_returned_oldest_first() -> None:
    statement = conversation(DUCKDB, "o", "c", backwards=True)
    assert statement.sql.startswith("SELECT * FROM (WITH m AS")
    assert statement.sql.endswith('ORDER BY "date" ASC, ts ASC, message_id ASC')


def test_cursor_round_trips() -> None:
    cursor = Cursor("2024-05-06", "2024-05-06T07:08:09.123456", "ïd'; DROP--")
    assert Cursor.decode(cursor.encode()) == cursor
    assert (
        Cursor.after_row(
            {"date": "2024-05-06", "ts": "2024-05-06T07:08:09.123456", "message_id": "ïd'; DROP--"}
        )
        == cursor
    )


@pytest.mark.parametrize(
    "token",
    [
        "not base64 !!",
        "x" * 3000,
        Cursor("2024-01-01", "2024-01-01T00:00:00", "m").encode()[:-3] + "@@@",
        "WzEsMiwzXQ",  # [1,2,3]
        "eyJhIjogMX0",  # {"a": 1}
        Cursor("2024-13-01", "2024-01-01T00:00:00", "m").encode(),
        Cursor("2024-1-1", "2024-01-01T00:00:00", "m").encode(),
        Cursor("2024-01-01", "yesterday'; DROP TABLE x", "m").encode(),
        Cursor("2024-01-01", "2024-01-01T00:00:00", "").encode(),
    ],
)
def test_invalid_cursor_is_a_value_error(token: str) -> None:
    with pytest.raises(ValueError, match="Invalid cursor"):
        Cursor.decode(token)
    with pytest.raises(ValueError, match="Invalid cursor"):
        search_messages(DUCKDB, MessageFilter(owner="o", cursor=token))


def test_message_context_anchors_on_the_message_id() -> None:
    statement = message_context(ATHENA, "o", "c", "m-1", radius=3)
    assert statement.params == ["o", "c", "m-1", 3, 4]
    clamped = message_context(DUCKDB, "o", "c", "m-1", radius=10**6)
    assert clamped.params[-2:] == [500, 501]


def test_chat_summaries_and_stats_statements() -> None:
    assert set(chat_summaries(DUCKDB, "o")) == {"chats", "participants"}
    duck = chat_stats(DUCKDB, "o", "c")
    athena = chat_stats(ATHENA, "o", "c")
    assert set(duck) == set(athena) == {"totals", "senders", "months", "heatmap"}
    assert "isodow(ts)" in duck["heatmap"].sql
    assert "day_of_week(ts)" in athena["heatmap"].sql
    for statement in athena.values():
        assert statement.params == ["o", "c"]


def test_senders_are_compared_folded_on_both_engines() -> None:
    duck = search_messages(DUCKDB, MessageFilter(owner="o", sender="João"))
    assert "strip_accents(lower(sender)) = strip_accents(lower(?))" in duck.sql
    table = search_messages(Dialect.duckdb_table("t"), MessageFilter(owner="o", sender="João"))
    assert "sender_fold = strip_accents(lower(?))" in table.sql
    athena = search_messages(ATHENA, MessageFilter(owner="o", sender="João"))
    assert (
        f"normalize(translate(normalize(lower(sender), NFD), {COMBINING_MARKS}, ''), NFC) = "
        f"normalize(translate(normalize(lower(%(p1)s), NFD), {COMBINING_MARKS}, ''), NFC)"
    ) in athena.sql
    assert athena.params == ["o", "João", 201]


def test_athena_folds_words_with_trino_functions_only() -> None:
    """Trino has no strip_accents: NFD, then translate() deletes the combining marks (a
    character of `from` beyond the end of `to` is dropped), then NFC as DuckDB does."""
    f = MessageFilter(owner="o", q="joão CAFÉ")
    statement = search_messages(ATHENA, f)
    fold_message = (
        f"normalize(translate(normalize(lower(message), NFD), {COMBINING_MARKS}, ''), NFC)"
    )
    fold_word = "normalize(translate(normalize(lower(%(p"
    assert statement.sql.count(f"strpos({fold_message}, {fold_word}") == 2
    assert "strip_accents" not in statement.sql
    assert statement.sql.isascii()  # the marks are U& escapes
    formatted = DefaultParameterFormatter().format(statement.sql, statement.named_params())
    assert "normalize(translate(normalize(lower('joão'), NFD), U&'\\0300\\0301" in formatted
    assert "\\0308" in COMBINING_MARKS and "\\036F" in COMBINING_MARKS
    assert COMBINING_MARKS.count("\\") == 112 + 80 + 64 + 48 + 16


def test_a_count_has_the_search_conditions_without_page_or_order() -> None:
    cursor = Cursor("2024-01-02", "2024-01-02T10:00:00", "m9").encode()
    f = MessageFilter(owner="o", chat="c", sender="s", q="a b", hide_system=True, cursor=cursor)
    count = count_messages(DUCKDB, f)
    page = search_messages(DUCKDB, f)
    assert " SELECT count(*) AS matches FROM (SELECT 1 AS hit FROM m WHERE " in count.sql
    assert count.sql.endswith("NOT is_system LIMIT ?) AS hits")
    assert "ORDER BY" not in count.sql
    # The search's values without the keyset's five and its limit, then the count's bound.
    assert count.params == [*page.params[: len(page.params) - 6], COUNT_LIMIT + 1]
    assert count_messages(ATHENA, f, at_most=50).params[-1] == 51
