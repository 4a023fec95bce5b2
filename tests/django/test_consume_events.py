import json
from typing import Any

import pytest

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


def test_object_created_is_recorded_then_deletable(owner: Any) -> None:
    body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": "b"},
                        "object": {"key": f"misc/{owner.pk}/u/a+b.txt", "size": 1, "eTag": "e"},
                    },
                }
            ]
        }
    )
    assert Command().handle_message(message(body)) is True
    assert StoredObject.objects.get().key == f"misc/{owner.pk}/u/a b.txt"
