"""The S3 event contract: S3 notification JSON read into ``ObjectCreated`` values. Pure: no
Django, no boto3.

Keys arrive URL-encoded with ``+`` for spaces; ``s3:TestEvent`` (sent when a notification is
configured) carries no records. The app's own uploads build ``ObjectCreated`` directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus


class MalformedEvent(ValueError):
    """A message that is not an S3 notification; it is left for the dead-letter queue."""


@dataclass(frozen=True)
class ObjectCreated:
    bucket: str
    key: str
    size: int
    etag: str
    event_name: str = "ObjectCreated:Put"
    sequencer: str = ""


def parse_notification(body: str | bytes | dict[str, Any]) -> list[ObjectCreated]:
    """The ObjectCreated records of one notification; [] for a test event or other event types."""
    try:
        message = json.loads(body) if isinstance(body, (str, bytes)) else body
    except ValueError as exc:
        raise MalformedEvent(f"not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise MalformedEvent("not a JSON object")
    if message.get("Event") == "s3:TestEvent":
        return []
    if "Records" not in message and isinstance(message.get("Message"), str):
        # Delivered through SNS: the S3 notification is the envelope's Message.
        return parse_notification(message["Message"])
    records = message.get("Records")
    if not isinstance(records, list):
        raise MalformedEvent("no Records list")
    created = []
    for index, record in enumerate(records):
        try:
            name = str(record["eventName"])
            if not name.startswith("ObjectCreated:"):
                continue
            s3 = record["s3"]
            obj = s3["object"]
            created.append(
                ObjectCreated(
                    bucket=str(s3["bucket"]["name"]),
                    key=unquote_plus(str(obj["key"])),
                    size=int(obj.get("size", 0)),
                    etag=str(obj.get("eTag") or obj.get("etag") or "").strip('"'),
                    event_name=name,
                    sequencer=str(obj.get("sequencer", "")),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedEvent(f"record {index} is incomplete: {exc!r}") from exc
    return created
