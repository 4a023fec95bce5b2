import json

import pytest

from ingestion.events import MalformedEvent, parse_notification


def s3_event(key: str, etag: str = '"abc"', name: str = "ObjectCreated:Put") -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventName": name,
                    "s3": {
                        "bucket": {"name": "b"},
                        "object": {"key": key, "size": 5, "eTag": etag},
                    },
                }
            ]
        }
    )


def test_key_is_url_decoded_with_plus_as_space() -> None:
    (record,) = parse_notification(s3_event("misc/1/u/My+Photo%2B%C3%A9.jpg"))
    assert record.key == "misc/1/u/My Photo+é.jpg"
    assert record.etag == "abc"
    assert record.size == 5


def test_test_event_has_no_records() -> None:
    assert parse_notification(json.dumps({"Event": "s3:TestEvent", "Bucket": "b"})) == []


def test_other_event_types_are_ignored() -> None:
    assert parse_notification(s3_event("misc/1/u/a", name="ObjectRemoved:Delete")) == []


def test_sns_envelope_is_unwrapped() -> None:
    wrapped = json.dumps({"Type": "Notification", "Message": s3_event("misc/1/u/a.txt")})
    assert [r.key for r in parse_notification(wrapped)] == ["misc/1/u/a.txt"]


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"Records": 3}', '{"Records": [{"eventName": "ObjectCreated:Put"}]}'],
)
def test_unreadable_messages_raise(body: str) -> None:
    with pytest.raises(MalformedEvent):
        parse_notification(body)


def test_keys_are_decoded_as_s3_encodes_them() -> None:
    # S3 sends keys URL-encoded with "+" for a space, so a real "+" arrives as %2B.
    encoded = "raw-photos/7/0f/%C3%A9t%C3%A9+photo%2B1.jpg"
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": "b"},
                    "object": {"key": encoded, "size": 10, "eTag": '"d41d"'},
                },
            }
        ]
    }
    (record,) = parse_notification(json.dumps(event))
    assert (record.bucket, record.key, record.size, record.etag) == (
        "b",
        "raw-photos/7/0f/été photo+1.jpg",
        10,
        "d41d",
    )
