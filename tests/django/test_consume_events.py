import json
from typing import Any

import pytest

from ingestion import storage
from ingestion.management.commands.consume_events import Command
from ingestion.models import StoredObject

pytestmark = pytest.mark.django_db


def message(body: str) -> dict[str, Any]:
    return {"MessageId": "m1", "ReceiptHandle": "r1", "Body": body}


def test_unreadable_message_is_not_deleted() -> None:
    assert Command().handle_message(message("garbage{")) is False


def test_test_event_is_deleted_without_rows() -> None:
    assert Command().handle_message(message(json.dumps({"Event": "s3:TestEvent"}))) is True
    assert not StoredObject.objects.exists()


def created(key: str, etag: str) -> str:
    s3 = {"bucket": {"name": "b"}, "object": {"key": key, "size": 1, "eTag": etag}}
    return json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": s3}]})


def test_object_created_is_recorded_then_deletable(owner: Any) -> None:
    etag = storage.save_bytes(f"misc/{owner.pk}/u/a b.txt", b"x")
    assert Command().handle_message(message(created(f"misc/{owner.pk}/u/a+b.txt", etag))) is True
    assert StoredObject.objects.get().key == f"misc/{owner.pk}/u/a b.txt"


def test_event_for_a_gone_object_is_deleted_without_a_row(owner: Any) -> None:
    assert Command().handle_message(message(created(f"misc/{owner.pk}/u/gone.txt", "e"))) is True
    assert not StoredObject.objects.exists()


def test_event_for_a_replaced_version_is_deleted_without_a_row(owner: Any) -> None:
    key = f"misc/{owner.pk}/u/twice.txt"
    old = storage.save_bytes(key, b"old")
    storage.save_bytes(key, b"new")
    assert Command().handle_message(message(created(key, old))) is True
    assert not StoredObject.objects.exists()


def test_event_from_another_bucket_is_deleted_without_a_row(owner: Any, settings: Any) -> None:
    settings.STORAGE_BUCKET = "mine"
    key = f"misc/{owner.pk}/u/theirs.txt"
    etag = storage.save_bytes(key, b"x")
    assert Command().handle_message(message(created(key, etag))) is True
    assert not StoredObject.objects.exists()
