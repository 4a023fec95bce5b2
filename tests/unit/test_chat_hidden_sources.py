"""Rows of exports being deleted are left out of every chat statement (chats.search.sql), on
both engines' dialects, with the source files travelling as parameters like any user value."""

from __future__ import annotations

import dataclasses

import pytest

from chats.search.sql import (
    Dialect,
    MessageFilter,
    chat_stats,
    chat_summaries,
    conversation,
    message_context,
    search_messages,
)

HIDDEN = ("bronze/whatsapp/owner=7/year=2024/month=03/12.txt", 'it\'s "odd"; DROP TABLE x')
DIALECTS = [Dialect.duckdb("/silver/date=*/*.parquet"), Dialect.athena("messages", "lake")]


def statements(dialect: Dialect) -> list[tuple[str, list[object]]]:
    found = [
        search_messages(dialect, MessageFilter(owner="7", q="hi")),
        conversation(dialect, "7", "Anna"),
        message_context(dialect, "7", "Anna", "m1"),
        *chat_summaries(dialect, "7").values(),
        *chat_stats(dialect, "7", "Anna").values(),
    ]
    return [(s.sql, list(s.params)) for s in found]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_statement_leaves_out_the_hidden_sources(dialect: Dialect) -> None:
    hiding = dataclasses.replace(dialect, hidden_sources=HIDDEN)
    for sql, params in statements(hiding):
        assert "source_file NOT IN (" in sql
        assert all(source in params for source in HIDDEN)
        assert all(source not in sql for source in HIDDEN)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_nothing_hidden_changes_nothing(dialect: Dialect) -> None:
    assert all("source_file NOT IN" not in sql for sql, _ in statements(dialect))
