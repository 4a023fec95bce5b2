"""BucketStorage.exists asks S3 by listing under the key, never by a HEAD: the deployment's roles
list only under some prefixes (deploy/terraform/iam.tf), and S3 answers their HEAD of a missing
key with 403, not 404, which django-storages' exists() raises."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from ingestion.backends.s3 import BucketStorage
from tests.integration.moto_recording import Requests

pytestmark = pytest.mark.services


@pytest.fixture
def bucket(moto_server: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    name = f"exists-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    store = BucketStorage(
        bucket_name=name, endpoint_url=moto_server, region_name="us-east-1", file_overwrite=True
    )
    requests = Requests(tmp_path)
    yield {"client": client, "name": name, "store": store, "requests": requests}
    requests.stop()


def test_exists_answers_from_a_listing_under_the_key_without_a_head(
    bucket: dict[str, Any],
) -> None:
    client, store = bucket["client"], bucket["store"]
    client.put_object(Bucket=bucket["name"], Key="raw-csv/1/u/data.csv", Body=b"a,b\n")
    client.put_object(Bucket=bucket["name"], Key="raw-csv/1/u/data.csv.bak", Body=b"x")
    bucket["requests"].reset()
    assert store.exists("raw-csv/1/u/data.csv")
    assert not store.exists("raw-csv/1/u/data")  # a prefix of a key is no object
    assert not store.exists("raw-csv/1/u/missing.csv")
    assert not store.exists("processed/csv/1/2_summary.json")
    methods = [method for method, _ in bucket["requests"].seen()]
    assert methods == ["GET"] * 4  # four ListObjectsV2, no HEAD
