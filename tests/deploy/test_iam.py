"""Least privilege: the applied IAM policies, read back from moto and evaluated for what each
process must and must not be able to do. The evaluator ignores conditions (it treats every
conditional Allow as allowed), so each "cannot" below holds whatever the conditions say."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import boto3
import pytest

from ingestion.routing import ROUTES
from tests.deploy.conftest import Applied

pytestmark = [pytest.mark.services, pytest.mark.terraform]
ACCOUNT, REGION = "123456789012", "us-east-1"


class Policy:
    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.statements = [s for d in documents for s in as_list(d["Statement"])]

    def allows(self, action: str, resource: str) -> bool:
        def matches(patterns: Any, value: str) -> bool:
            return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in as_list(patterns))

        allowed = False
        for statement in self.statements:
            if matches(statement["Action"], action) and matches(statement["Resource"], resource):
                if statement["Effect"] == "Deny":
                    return False
                allowed = True
        return allowed


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def policies(applied: Applied) -> dict[str, Policy]:
    iam = boto3.client("iam", endpoint_url=applied.endpoint, region_name=REGION)
    found = {}
    for process in ("web", "worker", "events", "glue", "ecs-execution"):
        role = f"personal-data-{process}"
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        documents = [
            iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"] for name in names
        ]
        found[process] = Policy([d if isinstance(d, dict) else json.loads(d) for d in documents])
        assert not iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    return found


@pytest.fixture(scope="module")
def names(applied: Applied) -> dict[str, str]:
    env = applied.outputs["environment"]
    return {
        "bucket": f"arn:aws:s3:::{env['STORAGE_BUCKET']}",
        "queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:personal-data-events",
        "job": f"arn:aws:glue:{REGION}:{ACCOUNT}:job/{applied.outputs['glue_job_name']}",
        "workgroup": f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/{env['ATHENA_WORK_GROUP']}",
    }


def test_the_event_consumer_can_only_work_its_queue(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    events = policies["events"]
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"):
        assert events.allows(action, names["queue"])
    assert not events.allows("sqs:SendMessage", names["queue"])
    assert not events.allows("sqs:ReceiveMessage", names["queue"] + "-dlq")
    assert not events.allows("s3:GetObject", names["bucket"] + "/raw-photos/1/a/b.jpg")


def test_the_web_uploads_under_every_raw_prefix_and_writes_nothing_derived(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    web, bucket = policies["web"], names["bucket"]
    for route in ROUTES:
        assert web.allows("s3:PutObject", f"{bucket}/{route.prefix}1/uuid/file")
        assert web.allows("s3:AbortMultipartUpload", f"{bucket}/{route.prefix}1/uuid/file")
    for derived in (
        "bronze/whatsapp/x.txt",
        "silver/whatsapp/date=2024-01-01/p.parquet",
        "photos/thumbnails/1/2.jpg",
        "glue/scripts/whatsapp_silver_job.py",
    ):
        assert not web.allows("s3:PutObject", f"{bucket}/{derived}")
    assert web.allows("s3:GetObject", f"{bucket}/photos/thumbnails/1/2.jpg")
    assert web.allows("athena:StartQueryExecution", names["workgroup"])
    assert not web.allows("athena:StartQueryExecution", names["workgroup"].replace("-chats", "x"))
    assert not web.allows("glue:StartJobRun", names["job"])
    assert not web.allows("sqs:ReceiveMessage", names["queue"])


def test_the_worker_writes_what_it_derives_and_starts_only_the_silver_job(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    worker, bucket = policies["worker"], names["bucket"]
    assert worker.allows("s3:GetObject", f"{bucket}/raw-csv/1/u/data.csv")
    for derived in (
        "photos/previews/1/2.jpg",
        "bronze/whatsapp/owner=1/x.txt",
        "processed/csv/1/2_summary.json",
        "glue/manifests/run.jsonl",
    ):
        assert worker.allows("s3:PutObject", f"{bucket}/{derived}")
    assert not worker.allows("s3:PutObject", f"{bucket}/glue/scripts/whatsapp_silver_job.py")
    assert worker.allows("glue:StartJobRun", names["job"])
    assert not worker.allows("glue:StartJobRun", names["job"] + "-other")
    assert not worker.allows("sqs:ReceiveMessage", names["queue"])
    assert not worker.allows("iam:PassRole", "*")


def test_the_glue_job_reads_bronze_and_writes_only_silver(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    glue, bucket = policies["glue"], names["bucket"]
    assert glue.allows("s3:GetObject", f"{bucket}/bronze/whatsapp/owner=1/x.txt")
    assert glue.allows("s3:GetObject", f"{bucket}/glue/manifests/run.jsonl")
    assert glue.allows("s3:PutObject", f"{bucket}/silver/whatsapp/date=2024-01-01/p.parquet")
    for elsewhere in ("bronze/whatsapp/x.txt", "raw-photos/1/u/a.jpg", "glue/python/chats/x.py"):
        assert not glue.allows("s3:PutObject", f"{bucket}/{elsewhere}")


def test_no_role_may_act_on_everything_except_where_aws_offers_no_scope(
    policies: dict[str, Policy],
) -> None:
    unscoped = {
        (process, action)
        for process, policy in policies.items()
        for statement in policy.statements
        if "*" in as_list(statement["Resource"])
        for action in as_list(statement["Action"])
    }
    assert unscoped == {
        ("ecs-execution", "ecr:GetAuthorizationToken"),
        ("glue", "cloudwatch:PutMetricData"),
    }
    assert not any(
        a == "*" or a.endswith(":*")
        for p in policies.values()
        for s in p.statements
        for a in as_list(s["Action"])
    )
