"""manage.py parse_chat and build_silver."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from chats.models import ChatExport, SilverStatus
from chats.tasks import ingest_export
from chats.whatsapp.parser import MessageColumns
from chats.whatsapp.steps import json_rows
from ingestion import storage
from tests.factories.chats import ANDROID, ANDROID_MORE, IOS, upload_chat

ROOT = Path(__file__).resolve().parents[2]


def silver_rows() -> list[tuple[Any, ...]]:
    glob = str(Path(settings.LOCAL_STORAGE_DIR) / "silver/whatsapp/date=*/*.parquet")
    return duckdb.execute(
        "SELECT * FROM read_parquet(?, hive_partitioning = true) ORDER BY message_id", [glob]
    ).fetchall()


def test_parse_chat_prints_a_json_array_of_messages(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(ANDROID, encoding="utf-8")
    out = io.StringIO()

    call_command("parse_chat", str(path), stdout=out)

    messages = json.loads(out.getvalue())
    assert len(messages) == 7
    assert messages[1] == {
        "timestamp": "2024-03-13T09:05:00",
        "sender": "Alice",
        "message": "good morning\nall of you",
        "system": False,
        "has_media": False,
        "line": 2,
    }
    assert messages[0]["system"] is True and messages[0]["sender"] is None


@examples(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(
                r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]", fullmatch=True
            ),
            st.none() | st.text(),
            st.text(),
            st.booleans(),
            st.booleans(),
            st.integers(1, 10**9),
        ),
        max_size=20,
    )
)
def test_parse_chat_writes_what_the_json_encoder_writes(rows: list[tuple[Any, ...]]) -> None:
    """Column-at-a-time JSON is byte for byte json.dumps(message, ensure_ascii=False)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    names = ("timestamp", "sender", "message", "system", "has_media", "line")
    columns = MessageColumns(*([row[i] for row in rows] for i in range(len(names))))
    assert json_rows(columns) == ",\n".join(encode(dict(zip(names, r, strict=True))) for r in rows)


def test_parse_chat_reads_ios_exports(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(IOS, encoding="utf-8")
    out = io.StringIO()
    call_command("parse_chat", str(path), stdout=out)
    assert [m["sender"] for m in json.loads(out.getvalue())] == [None, "Carla", "Dan", "Dan"]


def test_parse_chat_refuses_a_file_that_is_no_export(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n- milk\n", encoding="utf-8")

    with pytest.raises(CommandError, match="not a WhatsApp chat export"):
        call_command("parse_chat", str(path), stdout=io.StringIO())


def test_parse_chat_exits_non_zero_with_the_reason_on_stderr(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(ANDROID, encoding="utf-8")
    bad.write_text("shopping list\n", encoding="utf-8")
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}

    ok = subprocess.run(
        [sys.executable, "manage.py", "parse_chat", str(good)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    failed = subprocess.run(
        [sys.executable, "manage.py", "parse_chat", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert ok.returncode == 0 and len(json.loads(ok.stdout)) == 7
    assert failed.returncode != 0 and failed.stdout == ""
    assert "not a WhatsApp chat export" in failed.stderr


@pytest.mark.django_db
def test_build_silver_full_is_idempotent(owner: Any, stranger: Any) -> None:
    ingest_export(upload_chat(owner, ANDROID).pk)
    ingest_export(upload_chat(owner, ANDROID + ANDROID_MORE).pk)
    ingest_export(upload_chat(owner, IOS, "_chat.txt").pk)
    ingest_export(upload_chat(stranger, ANDROID).pk)
    built = silver_rows()
    keys = sorted(storage.list_keys("silver/"))

    out = io.StringIO()
    call_command("build_silver", "--full", stdout=out)
    assert silver_rows() == built
    call_command("build_silver", "--full", stdout=out)
    assert silver_rows() == built and len(built) == 10 + 4 + 7
    assert sorted(storage.list_keys("silver/")) == keys
    assert "rows added" in out.getvalue() and "“Anna”" in out.getvalue()


@pytest.mark.django_db
def test_build_silver_full_brings_back_deleted_files_for_one_owner_and_chat(
    owner: Any, stranger: Any
) -> None:
    ingest_export(upload_chat(owner, ANDROID).pk)
    ingest_export(upload_chat(owner, IOS, "_chat.txt").pk)
    ingest_export(upload_chat(stranger, ANDROID).pk)
    built = silver_rows()
    for key in storage.list_keys("silver/"):
        storage.delete(key)

    call_command(
        "build_silver", "--full", "--owner", "alice", "--chat", "Anna", stdout=io.StringIO()
    )
    assert len(silver_rows()) == 7
    call_command("build_silver", "--full", "--owner", str(stranger.pk), stdout=io.StringIO())
    call_command("build_silver", "--full", "--owner", "alice", stdout=io.StringIO())
    assert silver_rows() == built


@pytest.mark.django_db
def test_build_silver_without_full_builds_what_is_pending(owner: Any) -> None:
    ingest_export(upload_chat(owner, ANDROID).pk)
    ChatExport.objects.update(silver_status=SilverStatus.FAILED)
    for key in storage.list_keys("silver/"):
        storage.delete(key)
    out = io.StringIO()

    call_command("build_silver", stdout=out)

    assert len(silver_rows()) == 7
    assert ChatExport.objects.get().silver_status == SilverStatus.BUILT
    assert "[1/1] “Anna”" in out.getvalue()
    call_command("build_silver", stdout=out)
    assert len(silver_rows()) == 7


@pytest.mark.django_db
def test_build_silver_names_an_unknown_owner() -> None:
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("build_silver", "--owner", "nobody")
