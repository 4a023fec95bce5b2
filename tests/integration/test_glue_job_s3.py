"""The Glue job's own S3 I/O (deploy/glue/whatsapp_silver_job.py through pyarrow.fs) against
an S3 server (moto's, in process), with each request it sends recorded.

Its role may list only under bronze/whatsapp/, silver/ and glue/python/ (deploy/terraform/
iam.tf). On AWS a HEAD of a missing key then answers 403, not 404, and a HEAD of the bucket is
refused, so the job must never send either: these tests pin that, and that what it writes and
reads is right. The job's Spark side is tested on pyspark (tests/spark/test_glue_job.py).
"""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from tests.factories.chats import ANDROID
from tests.integration.moto_recording import Requests

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]
BRONZE = "bronze/whatsapp/owner=7/year=2024/month=03/1.txt"
EXPORT = {"key": BRONZE, "owner": "7", "chat": "Anna", "date_order": "day-first"}


def load_job() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "whatsapp_silver_job", ROOT / "deploy" / "glue" / "whatsapp_silver_job.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def s3(moto_server: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    client = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    bucket = f"glue-io-{tmp_path.name[-8:].lower().replace('_', '-')}"
    client.create_bucket(Bucket=bucket)
    host = urlsplit(moto_server).netloc
    query = f"endpoint_override={host}&scheme=http&region=us-east-1"
    requests = Requests(tmp_path)
    yield {
        "client": client,
        "bucket": bucket,
        "bronze_root": f"s3://{bucket}?{query}",
        "silver_root": f"s3://{bucket}/silver/whatsapp?{query}",
        "modules": f"s3://{bucket}/glue/python/?{query}",
        "requests": requests,
    }
    requests.stop()


def keys(s3: dict[str, Any], prefix: str = "") -> list[str]:
    found = s3["client"].list_objects_v2(Bucket=s3["bucket"], Prefix=prefix)
    return sorted(item["Key"] for item in found.get("Contents", []))


def heads(s3: dict[str, Any]) -> list[str]:
    return [path for method, path in s3["requests"].seen() if method == "HEAD"]


def test_a_new_silver_file_is_written_without_asking_s3_about_a_missing_key_or_the_bucket(
    s3: dict[str, Any],
) -> None:
    job = load_job()
    s3["client"].put_object(Bucket=s3["bucket"], Key=BRONZE, Body=ANDROID.encode())
    keyed = list(job.export_rows(0, EXPORT, s3["bronze_root"]))
    assert keyed
    by_file: dict[tuple[str, str], list[Any]] = {}
    for file, row in keyed:
        by_file.setdefault(file, []).append(row)

    s3["requests"].reset()
    fates = [job.write_file(s3["silver_root"], d, o, rows) for (d, o), rows in by_file.items()]
    assert {fate for _, _, fate in fates} == {"written"}
    assert sum(added for _, added, _ in fates) == len(keyed)
    assert heads(s3) == []  # every file was new: no HEAD of it, none of the bucket
    # Only the Parquet files: no directory markers (create_dir is for local file systems).
    assert keys(s3, "silver/") == sorted(
        f"silver/whatsapp/date={date}/part-{owner}.parquet" for date, owner in by_file
    )

    # The same rows again: each file is found by listing, read, and left as it was.
    s3["requests"].reset()
    again = [job.write_file(s3["silver_root"], d, o, rows) for (d, o), rows in by_file.items()]
    assert {fate for _, _, fate in again} == {""}
    assert all(f"/{s3['bucket']}/silver/whatsapp/date=" in path for path in heads(s3))


def test_a_deleted_bronze_export_is_skipped_without_a_head_of_its_key(
    s3: dict[str, Any],
) -> None:
    job = load_job()
    s3["requests"].reset()
    assert list(job.export_rows(0, EXPORT, s3["bronze_root"])) == []
    assert heads(s3) == []
    listed = [path for method, path in s3["requests"].seen() if method == "GET"]
    assert listed == [f"/{s3['bucket']}"]  # ListObjectsV2 under the month's prefix


def test_the_module_tree_is_copied_from_glue_python_by_listing_it(
    s3: dict[str, Any],
) -> None:
    job = load_job()
    shipped = ["chats/__init__.py", "chats/lake/rows.py"]
    for name in shipped:
        body = (ROOT / name).read_bytes()
        s3["client"].put_object(Bucket=s3["bucket"], Key=f"glue/python/{name}", Body=body)
    added: list[str] = []
    spark = SimpleNamespace(sparkContext=SimpleNamespace(addPyFile=added.append))

    s3["requests"].reset()
    bundle = job.ship_modules(spark, s3["modules"])
    assert added == [str(bundle)]
    with zipfile.ZipFile(bundle) as archive:
        assert sorted(n for n in archive.namelist() if not n.endswith("/")) == sorted(shipped)
    assert f"/{s3['bucket']}/glue/python" not in heads(s3)  # the prefix itself is no key
    assert set(heads(s3)) <= {f"/{s3['bucket']}/glue/python/{name}" for name in shipped}
