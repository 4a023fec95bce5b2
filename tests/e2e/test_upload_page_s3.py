"""The upload page in AWS mode: the browser sends the parts straight to the bucket (moto's
server, real notifications to SQS, the bucket's CORS as deploy/ sets it) and resumes after
the connection to the bucket drops."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from tests.e2e.conftest import Platform, running_platform, sign_in
from tests.e2e.slow_network import SlowNetwork
from tests.e2e.upload_steps import MB, part_number, stored_parts, wait_state, wait_until
from tests.services import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def aws_platform() -> Iterator[tuple[Platform, SlowNetwork, Any, str]]:
    """The platform as on AWS, its bucket behind a network the test can cut."""
    from moto.server import ThreadedMotoServer

    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    endpoint = f"http://127.0.0.1:{moto_port}"
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = f"e2e-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    queue = sqs.create_queue(QueueName=f"{bucket}-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    network = SlowNetwork(moto_port)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    # What the browser needs from the bucket: PUT from the app's origin, the ETag readable.
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["PUT"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    with running_platform(
        PORT=str(port),
        STORAGE_BUCKET=bucket,
        AWS_S3_ENDPOINT_URL=network.url,  # the app and the browser reach S3 through it
        SQS_QUEUE_URL=queue,
        AWS_SQS_ENDPOINT_URL=endpoint,
        AWS_REGION="us-east-1",
        **keys,
    ) as platform:
        yield platform, network, s3, bucket
    network.close()
    moto.stop()


@pytest.fixture
def aws_page(browser: Any, aws_platform: Any) -> Iterator[Any]:
    platform = aws_platform[0]
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, platform.url, platform.username, platform.password)
    yield page
    context.close()


def test_big_files_go_straight_to_the_bucket_and_resume_after_a_drop(
    aws_page: Any, aws_platform: Any, tmp_path: Path
) -> None:
    platform, network, s3, bucket = aws_platform
    page = aws_page
    video = tmp_path / "concert.mov"
    video.write_bytes(os.urandom(11 * MB))  # parts of 5, 5 and 1 MB
    stored = stored_parts(page)
    page.goto(f"{platform.url}/upload/")
    page.select_option("#storage_class", "DEEP_ARCHIVE")  # offered: it means something here
    page.check("#raw_only")
    network.rate = 2 * MB

    page.set_input_files("#files", str(video))
    wait_until(page, lambda: stored == {3}, "the short part to reach the bucket")
    network.cut()
    network.rate = 0
    wait_state(page, "concert.mov", "done", timeout=90_000)

    puts = [r for r in network.requests if r.line.startswith("PUT") and "partNumber" in r.line]
    assert all(urlsplit(r.line.split(" ")[1]).path.startswith(f"/{bucket}/") for r in puts)
    finished = [part_number(r.line) for r in puts if r.complete]
    assert sorted(finished) == [1, 2, 3], finished  # the short part once, the others resent
    assert any(not r.complete for r in puts)  # parts were really cut off mid-body
    (key,) = [
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"] if "concert" in o["Key"]
    ]
    head = s3.head_object(Bucket=bucket, Key=key)
    assert (head["StorageClass"], head["ContentLength"]) == ("DEEP_ARCHIVE", 11 * MB)
    row = platform.manage(
        "shell",
        "-c",
        "from ingestion.models import StoredObject as S; "
        "print(*S.objects.filter(original_name='concert.mov').values_list('status', "
        "'storage_class', 'bucket'))",
    )
    assert row.strip().splitlines()[-1] == f"('done', 'DEEP_ARCHIVE', '{bucket}')"
