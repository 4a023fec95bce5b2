"""chats.pipeline: a raw-whatsapp-uploads/ object becomes a bronze export and silver rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.conf import settings

from chats.lake.files import GENERATION_FILE, from_parquet, generation_key
from chats.models import ChatExport, SilverStatus
from chats.pipeline import import_note, ingest_export_object, rename_chat, rename_export
from chats.search.duckdb_engine import DuckDBEngine
from chats.search.engines import MessageFilter
from chats.tasks import forget_export_task, ingest_export
from ingestion import storage
from ingestion.jobs import Rejected
from ingestion.models import Status, StoredObject
from ingestion.routing import route_for_key
from tests.factories.chats import ANDROID, ANDROID_MORE, IOS, upload_chat

pytestmark = pytest.mark.django_db


def run(obj: StoredObject) -> StoredObject:
    """What the worker does with the task message: the task body, called with the id."""
    ingest_export(obj.pk)
    obj.refresh_from_db()
    return obj


def engine() -> DuckDBEngine:
    return DuckDBEngine.for_storage_root(settings.LOCAL_STORAGE_DIR)


def silver_rows(owner: Any = None) -> list[dict[str, Any]]:
    """Every silver row (of one owner), read straight from the Parquet files."""
    glob = str(Path(settings.LOCAL_STORAGE_DIR) / "silver/whatsapp/date=*/*.parquet")
    sql = "SELECT * FROM read_parquet(?, hive_partitioning = true) "
    params: list[Any] = [glob]
    if owner is not None:
        sql += "WHERE owner = ? "
        params.append(str(owner.pk))
    result = duckdb.execute(sql + "ORDER BY ts, message_id", params)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def test_the_routed_task_is_this_one() -> None:
    route = route_for_key("raw-whatsapp-uploads/1/x/chat.txt")
    assert route is not None and (route.task, route.queue) == (ingest_export.name, "cpu")


def test_android_export_is_recorded_with_its_counts(owner: Any) -> None:
    obj = run(upload_chat(owner, ANDROID, "WhatsApp Chat with Anna.txt"))

    assert obj.status == Status.DONE, obj.reason
    assert "7 messages" in obj.reason
    export = ChatExport.objects.get(source=obj)
    assert export.owner == owner
    assert export.chat_name == "Anna"
    assert (export.layout, export.date_order) == ("android", "day-first")
    assert (export.message_count, export.media_count, export.system_count) == (7, 1, 2)
    assert export.participants == ["Alice", "Bob"]
    assert export.first_ts == dt.datetime(2024, 3, 13, 9, 5, tzinfo=dt.UTC)
    assert export.last_ts == dt.datetime(2024, 3, 15, 7, 30, tzinfo=dt.UTC)
    assert export.silver_status == SilverStatus.BUILT and export.silver_built_at is not None


def test_ios_export_named_chat_txt_takes_the_file_stem(owner: Any) -> None:
    obj = run(upload_chat(owner, IOS, "_chat.txt"))

    assert obj.status == Status.DONE, obj.reason
    export = ChatExport.objects.get(source=obj)
    assert export.chat_name == "_chat"
    assert (export.layout, export.date_order) == ("ios", "day-first")
    assert (export.message_count, export.media_count, export.system_count) == (4, 1, 1)
    assert export.participants == ["Dan", "Carla"]
    rows = engine().search(MessageFilter(owner=str(owner.pk), chat="_chat")).rows
    assert [r["time"] for r in rows] == ["20:15:03", "20:15:10", "20:16:00", "08:00:00"]
    assert rows[-1]["message"] == "two\nlines"


def test_bronze_is_the_unchanged_export_keyed_by_owner_and_first_month(owner: Any) -> None:
    obj = run(upload_chat(owner, ANDROID))

    export = ChatExport.objects.get(source=obj)
    assert export.bronze_key == (
        f"bronze/whatsapp/owner={owner.pk}/year=2024/month=03/{export.pk}.txt"
    )
    assert storage.read_bytes(export.bronze_key) == storage.read_bytes(obj.key)


def test_silver_is_one_file_per_date_and_owner_read_by_the_duckdb_engine(owner: Any) -> None:
    run(upload_chat(owner, ANDROID))

    keys = sorted(storage.list_keys("silver/whatsapp/"))
    assert keys == [
        "silver/whatsapp/_generation",
        *(f"silver/whatsapp/date=2024-03-{day}/part-{owner.pk}.parquet" for day in (13, 14, 15)),
    ]
    page = engine().search(MessageFilter(owner=str(owner.pk), chat="Anna"))
    assert len(page.rows) == 7
    first = next(r for r in page.rows if r["message"].startswith("good morning"))
    assert {k: v for k, v in first.items() if k != "message_id"} == {
        "chat": "Anna",
        "date": "2024-03-13",
        "ts": "2024-03-13T09:05:00",
        "time": "09:05:00",
        "sender": "Alice",
        "message": "good morning\nall of you",
        "word_count": 5,
        "is_system": False,
        "has_media": False,
        "source_file": ChatExport.objects.get().bronze_key,
    }
    assert len(first["message_id"]) == 32
    assert [r["is_system"] for r in page.rows].count(True) == 2
    assert [r["sender"] for r in page.rows if r["has_media"]] == ["Bob"]
    summary = engine().chat_summaries(str(owner.pk))
    assert [(c["chat"], c["messages"], c["media"]) for c in summary] == [("Anna", 7, 1)]
    assert summary[0]["participants"][0] == {"sender": "Alice", "messages": 3}


def test_every_silver_write_changes_the_generation_marker(owner: Any) -> None:
    key = generation_key()
    assert key == f"silver/whatsapp/{GENERATION_FILE}" and not storage.exists(key)

    obj = run(upload_chat(owner, ANDROID))
    first = storage.read_bytes(key)
    assert len(first) == 32
    run(upload_chat(owner, ANDROID + ANDROID_MORE))
    second = storage.read_bytes(key)
    rename_export(ChatExport.objects.get(source=obj), "Anna & Bob")
    third = storage.read_bytes(key)

    assert len({first, second, third}) == 3


def test_identical_messages_get_different_ids(owner: Any) -> None:
    run(upload_chat(owner, ANDROID))

    oks = [r for r in silver_rows() if r["message"] == "ok"]
    assert len(oks) == 2 and oks[0]["message_id"] != oks[1]["message_id"]


def test_cumulative_export_adds_only_the_new_messages(owner: Any) -> None:
    run(upload_chat(owner, ANDROID))
    before = {r["message_id"]: r for r in silver_rows()}
    untouched = Path(settings.LOCAL_STORAGE_DIR) / (
        f"silver/whatsapp/date=2024-03-13/part-{owner.pk}.parquet"
    )
    written_at = untouched.stat().st_mtime_ns

    obj = run(upload_chat(owner, ANDROID + ANDROID_MORE))

    assert obj.status == Status.DONE
    assert "3 messages added (2 days); the other 7 were already here." in obj.reason
    after = {r["message_id"]: r for r in silver_rows()}
    assert len(after) == len(silver_rows()) == 10
    assert before.keys() <= after.keys()
    assert all(after[key] == row for key, row in before.items())
    assert untouched.stat().st_mtime_ns == written_at  # dates without news are not rewritten
    assert ChatExport.objects.get(source=obj).message_count == 10


def test_the_same_export_uploaded_twice_adds_nothing(owner: Any) -> None:
    run(upload_chat(owner, ANDROID))
    obj = run(upload_chat(owner, ANDROID))

    assert "no new messages; all 7 were already here" in obj.reason
    assert len(silver_rows()) == 7
    assert ChatExport.objects.count() == 2


def test_an_export_going_back_in_time_keeps_every_message(owner: Any) -> None:
    late = ANDROID + "13/03/2024, 10:00 - Bob: delivered late\n" + ANDROID_MORE
    run(upload_chat(owner, late))

    assert len(silver_rows()) == 11
    rows = engine().search(MessageFilter(owner=str(owner.pk), date=dt.date(2024, 3, 13))).rows
    assert rows[-1]["message"] == "delivered late"


def test_a_new_date_file_holds_its_rows_in_time_order(owner: Any) -> None:
    backwards = (
        "13/03/2024, 10:00 - Bob: second\n"
        "13/03/2024, 09:00 - Alice: first\n"
        "13/03/2024, 10:00 - Bob: third\n"
    )
    run(upload_chat(owner, backwards))

    data = storage.read_bytes(f"silver/whatsapp/date=2024-03-13/part-{owner.pk}.parquet")
    assert from_parquet(data).column("message").to_pylist() == ["first", "second", "third"]


def test_a_text_file_that_is_no_export_is_rejected_and_kept(owner: Any) -> None:
    obj = run(upload_chat(owner, "shopping list\n- milk\n- eggs\n", "notes.txt"))

    assert obj.status == Status.REJECTED
    assert "not a WhatsApp chat export" in obj.reason
    assert "shopping list" in obj.reason
    assert storage.read_bytes(obj.key) == b"shopping list\n- milk\n- eggs\n"
    assert not ChatExport.objects.exists()
    assert list(storage.list_keys("silver/")) == []


def test_the_plain_function_raises_rejected_for_a_single_header(owner: Any) -> None:
    obj = upload_chat(owner, "13/03/2024, 09:05 - Alice: only one\n")

    with pytest.raises(Rejected, match="only one message header"):
        ingest_export_object(obj)


def test_owners_only_see_their_own_rows(owner: Any, stranger: Any) -> None:
    run(upload_chat(owner, ANDROID))
    run(upload_chat(stranger, ANDROID + ANDROID_MORE))

    assert {r["owner"] for r in silver_rows(owner)} == {str(owner.pk)}
    assert len(silver_rows(owner)) == 7 and len(silver_rows(stranger)) == 10
    mine = engine().search(MessageFilter(owner=str(owner.pk), q="ok")).rows
    assert len(mine) == 2
    ids = {r["message_id"] for r in silver_rows(owner)}
    assert not ids & {r["message_id"] for r in silver_rows(stranger)}
    assert f"silver/whatsapp/date=2024-03-13/part-{stranger.pk}.parquet" in set(
        storage.list_keys("silver/whatsapp/")
    )


def test_renaming_an_export_rebuilds_its_silver_rows(owner: Any) -> None:
    obj = run(upload_chat(owner, ANDROID))
    run(upload_chat(owner, IOS, "WhatsApp Chat with Carla.txt"))
    export = ChatExport.objects.get(source=obj)

    rename_export(export, "Anna & Bob")

    chats = {r["chat"] for r in silver_rows()}
    assert chats == {"Anna & Bob", "Carla"}
    assert len(silver_rows()) == 11
    assert ChatExport.objects.get(pk=export.pk).chat_name == "Anna & Bob"


def test_renaming_a_chat_renames_all_its_exports(owner: Any) -> None:
    run(upload_chat(owner, ANDROID))
    run(upload_chat(owner, ANDROID + ANDROID_MORE))

    rename_chat(owner.pk, "Anna", "Family")

    assert {r["chat"] for r in silver_rows()} == {"Family"}
    assert len(silver_rows()) == 10
    assert set(ChatExport.objects.values_list("chat_name", flat=True)) == {"Family"}


def test_an_export_unpacked_from_a_zip_is_named_by_the_unpacker(owner: Any) -> None:
    obj = run(upload_chat(owner, IOS, "WhatsApp Chat with Dan & Carla.txt"))

    assert ChatExport.objects.get(source=obj).chat_name == "Dan & Carla"


@pytest.fixture
def forget_runs_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the worker does with a `chats.forget_export` message: the task body, called."""
    monkeypatch.setattr(forget_export_task, "delay", lambda *args: forget_export_task(*args))


@pytest.mark.usefixtures("forget_runs_inline")
def test_deleting_a_later_export_keeps_the_messages_an_earlier_one_holds(
    owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = run(upload_chat(owner, ANDROID))
    first_ids = {r["message_id"] for r in silver_rows()}
    later = run(upload_chat(owner, ANDROID + ANDROID_MORE))
    bronze = ChatExport.objects.get(source=later).bronze_key
    assert len(silver_rows()) == 10

    with django_capture_on_commit_callbacks(execute=True):
        later.delete()

    assert {r["message_id"] for r in silver_rows()} == first_ids
    assert not storage.exists(bronze)
    assert storage.exists(ChatExport.objects.get(source=first).bronze_key)


@pytest.mark.usefixtures("forget_runs_inline")
def test_deleting_the_only_export_leaves_nothing_to_search(
    owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    obj = run(upload_chat(owner, ANDROID))
    run(upload_chat(owner, IOS, "WhatsApp Chat with Carla.txt"))
    search = engine()
    assert search.search(MessageFilter(owner=str(owner.pk), chat="Anna")).rows  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        obj.delete()

    assert {r["chat"] for r in silver_rows()} == {"Carla"}
    assert search.search(MessageFilter(owner=str(owner.pk), chat="Anna")).rows == []
    assert [c["chat"] for c in search.chat_summaries(str(owner.pk))] == ["Carla"]


def test_import_notes_say_what_was_added_in_plain_words() -> None:
    assert import_note("Family", 4204, 4204, 12) == (
        "WhatsApp chat “Family”: 4,204 messages added (12 days)."
    )
    assert import_note("Ana", 8, 1, 1) == (
        "WhatsApp chat “Ana”: 1 message added (1 day); the other 7 were already here."
    )
    assert import_note("Ana", 2, 1, 1).endswith("the other 1 was already here.")
    assert import_note("Ana", 1, 0, 0) == (
        "WhatsApp chat “Ana”: no new messages; its one message was already here."
    )
