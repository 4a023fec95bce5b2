"""A bucket whose ObjectCreated notifications for the routing prefixes go to an SQS queue with
a dead-letter queue behind its redrive policy: the AWS event path, on moto's server mode."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from ingestion.routing import ROUTES


@dataclass(frozen=True)
class NotifiedBucket:
    bucket: str
    queue: str
    dlq: str


def notified_bucket(
    s3: Any, sqs: Any, *, max_receives: int, visibility_timeout: int | None = None
) -> NotifiedBucket:
    bucket = f"bucket-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    dlq = sqs.create_queue(QueueName=f"{bucket}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)}
    attributes = {"RedrivePolicy": json.dumps(redrive)}
    if visibility_timeout is not None:
        attributes["VisibilityTimeout"] = str(visibility_timeout)
    queue = sqs.create_queue(QueueName=f"{bucket}-events", Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": route.prefix}]}},
                }
                for route in ROUTES
            ]
        },
    )
    return NotifiedBucket(bucket=bucket, queue=queue, dlq=dlq)
