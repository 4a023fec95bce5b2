"""The Athena engine decodes real result rows: PyAthena talks to moto's Athena in server mode.

moto does not run SQL: its API queues the result sets that the next queries return (the rows
Athena itself would send, all values as text with a type per column, the header row first).
So these tests check what the engine makes of Athena's answers (types, NULLs, the next-page
cursor, statistics) and that the statement reached Athena with its parameters filled in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from chats.search.engines import AthenaEngine, Cursor, MessageFilter

pytestmark = pytest.mark.services

# (name, Athena type) of the message columns, in chats.search.sql's select order.
MESSAGE_COLUMNS = [
    ("message_id", "varchar"),
    ("chat", "varchar"),
    ("date", "varchar"),
    ("ts", "timestamp"),
    ("time", "varchar"),
    ("sender", "varchar"),
    ("message", "varchar"),
    ("word_count", "integer"),
    ("is_system", "boolean"),
    ("has_media", "boolean"),
    ("source_file", "varchar"),
]


def result_set(columns: list[tuple[str, str]], rows: list[list[str | None]]) -> dict[str, Any]:
    """One query's result as Athena sends it: a header row, then text values (None = NULL)."""

    def row(values: list[str | None]) -> dict[str, Any]:
        return {"Data": [{} if v is None else {"VarCharValue": v} for v in values]}

    return {
        "rows": [row([name for name, _ in columns]), *(row(r) for r in rows)],
        "column_info": [
            {
                "CatalogName": "hive",
                "SchemaName": "",
                "TableName": "",
                "Name": name,
                "Label": name,
                "Type": kind,
                "Precision": 0,
                "Scale": 0,
                "Nullable": "UNKNOWN",
                "CaseSensitive": kind == "varchar",
            }
            for name, kind in columns
        ],
    }


@pytest.fixture
def athena(moto_server: str) -> Iterator[dict[str, Any]]:
    region = "eu-west-1"
    bucket = f"athena-{uuid.uuid4().hex[:10]}"
    work_group = f"chats-{uuid.uuid4().hex[:8]}"  # this test's queries, apart from others'
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=region)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    client = boto3.client("athena", endpoint_url=moto_server, region_name=region)
    client.create_work_group(
        Name=work_group,
        Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{bucket}/athena/"}},
    )
    engine = AthenaEngine(
        work_group=work_group,
        database="personal_data",
        s3_staging_dir=f"s3://{bucket}/athena-results/",
        region=region,
        table="whatsapp_silver",
        endpoint_url=moto_server,
    )

    def answer(*results: dict[str, Any]) -> None:
        response = requests.post(
            f"{moto_server}/moto-api/static/athena/query-results",
            json={"region": region, "results": list(results)},
            timeout=10,
        )
        assert response.status_code == 201

    yield {"engine": engine, "answer": answer, "client": client, "work_group": work_group}


def executed(athena: dict[str, Any]) -> list[str]:
    client = athena["client"]
    ids = client.list_query_executions(WorkGroup=athena["work_group"])["QueryExecutionIds"]
    return [client.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"] for i in ids]


def message(n: int, sender: str | None = "Ana", system: bool = False) -> list[str | None]:
    return [
        f"m{n}",
        "Family",
        "2024-03-01",
        f"2024-03-01 09:0{n}:30.000",
        f"09:0{n}:30",
        sender,
        f"it's message {n} — ünïcode",
        str(n + 2),
        "true" if system else "false",
        "false",
        "bronze/whatsapp/owner=7/year=2024/month=03/1.txt",
    ]


def test_search_rows_come_back_typed_with_nulls_and_a_next_page(athena: dict[str, Any]) -> None:
    athena["answer"](result_set(MESSAGE_COLUMNS, [message(1), message(2, None, True), message(3)]))
    page = athena["engine"].search(MessageFilter("7", chat="Family", q="it's", limit=2))

    first, second = page.rows
    assert first == {
        "message_id": "m1",
        "chat": "Family",
        "date": "2024-03-01",
        "ts": "2024-03-01T09:01:30",
        "time": "09:01:30",
        "sender": "Ana",
        "message": "it's message 1 — ünïcode",
        "word_count": 3,
        "is_system": False,
        "has_media": False,
        "source_file": "bronze/whatsapp/owner=7/year=2024/month=03/1.txt",
    }
    assert (second["sender"], second["is_system"], second["word_count"]) == (None, True, 4)
    # A third row came back: there is a next page, after the second row.
    assert page.next_cursor is not None
    assert Cursor.decode(page.next_cursor) == Cursor("2024-03-01", "2024-03-01T09:02:30", "m2")
    [query] = executed(athena)
    assert "FROM \"personal_data\".\"whatsapp_silver\" WHERE owner = '7' AND chat = 'Family'" in (
        query
    )
    fold = "normalize(translate(normalize(lower({}), NFD), U&'\\0300"
    assert f"strpos({fold.format('message')}" in query
    assert fold.format("'it''s'") in query  # the word, folded by Trino's own functions
    assert query.rstrip().endswith("LIMIT 3")


def test_an_accent_insensitive_search_and_its_count_reach_athena_filled_in(
    athena: dict[str, Any],
) -> None:
    athena["answer"](
        result_set(MESSAGE_COLUMNS, [message(1, "João")]),
        result_set([("matches", "bigint")], [["183"]]),
    )
    f = MessageFilter("7", chat="Family", sender="joao", q="JOÃO café", limit=50)
    page = athena["engine"].search(f)
    assert [row["sender"] for row in page.rows] == ["João"] and page.next_cursor is None
    assert athena["engine"].count(f) == 183
    search, count = sorted(executed(athena), key=len, reverse=True)
    for query in (search, count):
        assert "translate(normalize(lower(sender), NFD), U&'\\0300" in query
        assert "normalize(lower('joao'), NFD)" in query
        assert "normalize(lower('JOÃO'), NFD)" in query
        assert "normalize(lower('café'), NFD)" in query
        assert "strip_accents" not in query and "%(" not in query
    assert "SELECT count(*) AS matches FROM (SELECT 1 AS hit FROM m WHERE" in count
    assert count.rstrip().endswith("LIMIT 1001) AS hits")


def test_chat_statistics_decode_counts_dates_and_the_heatmap(athena: dict[str, Any]) -> None:
    athena["answer"](
        result_set(
            [
                ("messages", "bigint"),
                ("system_messages", "bigint"),
                ("media", "bigint"),
                ("words", "bigint"),
                ("senders", "bigint"),
                ("first_date", "varchar"),
                ("last_date", "varchar"),
            ],
            [["6", "1", "2", "31", "2", "2024-03-01", "2024-03-03"]],
        ),
        result_set(
            [("sender", "varchar"), ("messages", "bigint"), ("words", "bigint"),
             ("media", "bigint")],
            [["Ana", "3", "20", "1"], ["Bruno", "2", "11", "1"]],
        ),
        result_set([("month", "varchar"), ("messages", "bigint")], [["2024-03", "6"]]),
        result_set(
            [("weekday", "bigint"), ("hour", "bigint"), ("messages", "bigint")],
            [["5", "9", "4"], ["7", "21", "1"]],
        ),
    )  # fmt: skip
    stats = athena["engine"].chat_stats("7", "Family")
    assert stats == {
        "totals": {
            "messages": 6,
            "system_messages": 1,
            "media": 2,
            "words": 31,
            "senders": 2,
            "first_date": "2024-03-01",
            "last_date": "2024-03-03",
        },
        "senders": [
            {"sender": "Ana", "messages": 3, "words": 20, "media": 1},
            {"sender": "Bruno", "messages": 2, "words": 11, "media": 1},
        ],
        "months": [{"month": "2024-03", "messages": 6}],
        "heatmap": [
            {"weekday": 5, "hour": 9, "messages": 4},
            {"weekday": 7, "hour": 21, "messages": 1},
        ],
    }
    assert all("owner = '7' AND chat = 'Family'" in q for q in executed(athena))


def test_chat_summaries_join_participants_to_their_chats(athena: dict[str, Any]) -> None:
    athena["answer"](
        result_set(
            [("chat", "varchar"), ("messages", "bigint"), ("media", "bigint"),
             ("first_date", "varchar"), ("last_date", "varchar"), ("last_ts", "timestamp")],
            [["Family", "6", "2", "2024-03-01", "2024-03-03", "2024-03-03 20:00:00.000"]],
        ),
        result_set(
            [("chat", "varchar"), ("sender", "varchar"), ("messages", "bigint")],
            [["Family", "Ana", "3"], ["Family", "Bruno", "2"]],
        ),
    )  # fmt: skip
    [chat] = athena["engine"].chat_summaries("7")
    assert chat == {
        "chat": "Family",
        "messages": 6,
        "media": 2,
        "first_date": "2024-03-01",
        "last_date": "2024-03-03",
        "last_ts": "2024-03-03T20:00:00",
        "participants": [{"sender": "Ana", "messages": 3}, {"sender": "Bruno", "messages": 2}],
    }
