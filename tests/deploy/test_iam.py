"""Least privilege: the applied IAM policies, read back from moto and evaluated for what each
process must and must not be able to do, one rule per test. The evaluator knows the condition
operators these policies use (StringLike, StringEquals) and refuses any other, so a condition
is never silently taken as met; a request without a key a condition names is not allowed, as
on AWS.

Which process calls what (deploy/terraform/iam.tf says it by module): the web uploads, signs,
restores, probes and searches; the worker processes, derives, changes storage classes,
deletes (ingestion.delete_object) and runs the Glue job; the Glue job reads bronze and its
manifest and writes silver."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import boto3
import pytest

from ingestion.routing import KEPT_AS_IS, ROUTES
from tests.deploy.conftest import Applied

pytestmark = [pytest.mark.services, pytest.mark.terraform]
ACCOUNT, REGION = "123456789012", "us-east-1"
RAW = [route.prefix for route in ROUTES]
PROCESSED_RAW = [route.prefix for route in ROUTES if route.kind not in KEPT_AS_IS]
KEPT_RAW = [route.prefix for route in ROUTES if route.kind in KEPT_AS_IS]
# One key of each kind the app writes (DESIGN.md "Key layout").
DERIVED = {
    "thumbnail": "photos/thumbnails/1/2.jpg",
    "preview": "photos/previews/1/2.jpg",
    "original": "photos/originals/1/2.jpg",
    "bronze": "bronze/whatsapp/owner=1/year=2024/month=03/12.txt",
    "summary": "processed/csv/1/2_summary.json",
}
SILVER = "silver/whatsapp/date=2024-03-12/part-1.parquet"
MANIFEST = "glue/manifests/owner=1/run.jsonl"
GLUE_CODE = ("glue/scripts/whatsapp_silver_job.py", "glue/python/chats/lake/rows.py")


def matches(patterns: Any, value: str) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in as_list(patterns))


def condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            if key not in context:
                return False
            if operator == "StringLike":
                if not any(fnmatch.fnmatchcase(context[key], w) for w in as_list(wanted)):
                    return False
            elif operator == "StringEquals":
                if context[key] not in as_list(wanted):
                    return False
            else:
                raise AssertionError(f"the evaluator does not know {operator}")
    return True


class Policy:
    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.statements = [s for d in documents for s in as_list(d["Statement"])]

    def allows(self, action: str, resource: str, *, prefix: str | None = None) -> bool:
        """``prefix``: the ``s3:prefix`` of a ListBucket request (absent when None)."""
        context = {} if prefix is None else {"s3:prefix": prefix}
        allowed = False
        for statement in self.statements:
            if not matches(statement["Action"], action):
                continue
            if not matches(statement["Resource"], resource):
                continue
            if not condition_holds(statement.get("Condition", {}), context):
                continue
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


def obj(names: dict[str, str], key: str) -> str:
    return f"{names['bucket']}/{key}"


def raw_key(prefix: str) -> str:
    return f"{prefix}1/0b5e3c9a-uuid/file.bin"


# The web ------------------------------------------------------------------------------------


def test_the_web_puts_and_uploads_multipart_parts_under_every_raw_prefix(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    """Streamed PUT, and presigned multipart: CreateMultipartUpload, UploadPart and
    CompleteMultipartUpload are s3:PutObject; resuming lists parts, cancelling aborts."""
    web = policies["web"]
    for prefix in RAW:
        for action in ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"):
            assert web.allows(action, obj(names, raw_key(prefix))), (action, prefix)
    for key in (*DERIVED.values(), SILVER, MANIFEST, *GLUE_CODE):
        assert not web.allows("s3:PutObject", obj(names, key)), key


def test_the_web_reads_what_it_shows_and_signs_and_nothing_of_the_lake(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    web = policies["web"]
    for prefix in RAW:  # downloads, zip downloads, restore state
        assert web.allows("s3:GetObject", obj(names, raw_key(prefix)))
    for kind in ("thumbnail", "preview", "original", "summary"):
        assert web.allows("s3:GetObject", obj(names, DERIVED[kind])), kind
    for key in (DERIVED["bronze"], MANIFEST, *GLUE_CODE):
        assert not web.allows("s3:GetObject", obj(names, key)), key


def test_the_web_deletes_nothing_users_own_deletion_is_the_workers(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    web = policies["web"]
    for key in (*(raw_key(p) for p in RAW), *DERIVED.values(), SILVER, MANIFEST):
        assert not web.allows("s3:DeleteObject", obj(names, key)), key


def test_the_readiness_probe_puts_reads_and_deletes_under_healthz_only(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    web = policies["web"]
    probe = obj(names, "healthz/5f0c2a9e")
    for action in ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"):
        assert web.allows(action, probe), action
    assert not web.allows("s3:DeleteObject", obj(names, "healthzx/5f0c2a9e"))


def test_the_web_asks_for_restores_of_uploads(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    web, worker = policies["web"], policies["worker"]
    for prefix in RAW:  # the library's restore button (ingestion.views)
        assert web.allows("s3:RestoreObject", obj(names, raw_key(prefix)))
    assert not web.allows("s3:RestoreObject", obj(names, DERIVED["bronze"]))
    assert not worker.allows("s3:RestoreObject", obj(names, raw_key(RAW[0])))


def test_the_web_runs_athena_only_in_its_workgroup_over_silver(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    web, workgroup = policies["web"], names["workgroup"]
    assert web.allows("athena:StartQueryExecution", workgroup)
    assert web.allows("athena:GetQueryResults", workgroup)
    other = workgroup.rsplit("/", 1)[0] + "/primary"
    assert not web.allows("athena:StartQueryExecution", other)
    # Athena reads the data and writes the results with the caller's permissions.
    assert web.allows("s3:GetObject", obj(names, SILVER))
    assert web.allows("s3:ListBucket", names["bucket"], prefix="silver/whatsapp/date=2024-03-12/")
    assert web.allows("s3:PutObject", obj(names, "athena-results/q1.csv"))
    assert not web.allows("s3:PutObject", obj(names, SILVER))
    assert not web.allows("glue:StartJobRun", names["job"])
    assert not web.allows("sqs:ReceiveMessage", names["queue"])


def test_the_web_lists_only_under_the_keys_it_asks_about(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    """storage.exists() lists under the key (a completed upload's, a dataset summary's);
    Athena and an admin rename list silver. Never the whole bucket, never without a prefix."""
    web, bucket = policies["web"], names["bucket"]
    for key in (raw_key("raw-csv/"), raw_key("misc/"), DERIVED["summary"], "silver/whatsapp/"):
        assert web.allows("s3:ListBucket", bucket, prefix=key), key
    for elsewhere in ("", "bronze/", "glue/", "photos/", "silver/", "healthz/"):
        assert not web.allows("s3:ListBucket", bucket, prefix=elsewhere), elsewhere
    assert not web.allows("s3:ListBucket", bucket)


# The worker ---------------------------------------------------------------------------------


def test_the_worker_starts_and_follows_runs_of_the_one_silver_job(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    worker, job = policies["worker"], names["job"]
    assert worker.allows("glue:StartJobRun", job) and worker.allows("glue:GetJobRun", job)
    assert not worker.allows("glue:StartJobRun", job + "-other")
    assert not worker.allows("glue:StartJobRun", job.rsplit("/", 1)[0] + "/other")
    for unused in ("glue:BatchStopJobRun", "glue:UpdateJob", "glue:CreateJob", "iam:PassRole"):
        assert not worker.allows(unused, job), unused


def test_the_worker_writes_and_deletes_glue_manifests_and_no_glue_code(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    worker = policies["worker"]
    assert worker.allows("s3:PutObject", obj(names, MANIFEST))
    assert worker.allows("s3:DeleteObject", obj(names, MANIFEST))
    for key in GLUE_CODE:
        assert not worker.allows("s3:PutObject", obj(names, key)), key


def test_the_worker_reads_writes_and_deletes_bronze(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    worker = policies["worker"]
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert worker.allows(action, obj(names, DERIVED["bronze"])), action
    assert not worker.allows("s3:PutObject", obj(names, "bronze/other/x.txt"))


def test_the_worker_writes_no_silver_the_glue_job_does(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    worker = policies["worker"]
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert not worker.allows(action, obj(names, SILVER)), action
        assert not worker.allows(action, obj(names, "silver/whatsapp/_generation")), action


def test_the_worker_lists_only_under_silver_and_the_raw_prefixes(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    """Silver: the owner's dates before a rebuild (chats.lake.date_writer.owner_dates); the raw
    prefixes: storage.exists() before processing, backfill_objects. Never the whole bucket."""
    worker, bucket = policies["worker"], names["bucket"]
    assert worker.allows("s3:ListBucket", bucket, prefix="silver/whatsapp/")
    for prefix in RAW:
        assert worker.allows("s3:ListBucket", bucket, prefix=prefix), prefix
    for elsewhere in ("", "bronze/", "glue/", "photos/", "silver/", "healthz/"):
        assert not worker.allows("s3:ListBucket", bucket, prefix=elsewhere), elsewhere
    assert not worker.allows("s3:ListBucket", bucket)


def test_the_worker_reads_uploads_and_writes_what_it_derives(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    worker = policies["worker"]
    for prefix in RAW:
        assert worker.allows("s3:GetObject", obj(names, raw_key(prefix))), prefix
    for kind in ("thumbnail", "preview", "original", "summary"):
        assert worker.allows("s3:PutObject", obj(names, DERIVED[kind])), kind
    # A WhatsApp zip's members are unpacked under the chat and photo prefixes.
    for prefix in ("raw-photos/", "raw-whatsapp-uploads/"):
        assert worker.allows("s3:PutObject", obj(names, raw_key(prefix))), prefix
    assert not worker.allows("s3:PutObject", obj(names, "healthz/x"))


def test_the_worker_moves_processed_uploads_into_their_storage_class(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    """ingestion.jobs.settle_storage_class: CopyObject onto itself, GetObject + PutObject."""
    worker = policies["worker"]
    for prefix in PROCESSED_RAW:
        key = obj(names, raw_key(prefix))
        assert worker.allows("s3:GetObject", key) and worker.allows("s3:PutObject", key), prefix
    for prefix in KEPT_RAW:  # land in their class, never rewritten
        assert not worker.allows("s3:PutObject", obj(names, raw_key(prefix))), prefix


def test_the_worker_deletes_uploads_and_everything_derived_from_them(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    worker = policies["worker"]
    for key in (*(raw_key(p) for p in RAW), *DERIVED.values()):
        assert worker.allows("s3:DeleteObject", obj(names, key)), key
    for key in (*GLUE_CODE, "athena-results/q1.csv"):
        assert not worker.allows("s3:DeleteObject", obj(names, key)), key
    assert not worker.allows("sqs:ReceiveMessage", names["queue"])


# The Glue job -------------------------------------------------------------------------------


def test_the_glue_job_lists_only_bronze_silver_and_its_modules(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    """The job finds files by listing their directory (find_file: a bronze month, a silver
    date) and copies its modules by listing glue/python/ (ship_modules)."""
    glue, bucket = policies["glue"], names["bucket"]
    bronze_month, silver_date = DERIVED["bronze"].rsplit("/", 1)[0], SILVER.rsplit("/", 1)[0]
    for prefix in (bronze_month + "/", silver_date + "/", "glue/python/"):
        assert glue.allows("s3:ListBucket", bucket, prefix=prefix), prefix
    for elsewhere in ("", "raw-photos/", "photos/", "glue/manifests/", "bronze/", "silver/"):
        assert not glue.allows("s3:ListBucket", bucket, prefix=elsewhere), elsewhere


def test_the_glue_job_reads_bronze_its_manifest_and_its_code(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    glue = policies["glue"]
    for key in (DERIVED["bronze"], MANIFEST, *GLUE_CODE):
        assert glue.allows("s3:GetObject", obj(names, key)), key
    for key in (raw_key("raw-whatsapp-uploads/"), DERIVED["original"], "athena-results/q.csv"):
        assert not glue.allows("s3:GetObject", obj(names, key)), key


def test_the_glue_job_reads_writes_and_deletes_silver_and_writes_nothing_else(
    policies: dict[str, Policy], names: dict[str, str]
) -> None:
    glue = policies["glue"]
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert glue.allows(action, obj(names, SILVER)), action
    # pyarrow leaves an empty marker for a date whose last file it deleted.
    assert glue.allows("s3:PutObject", obj(names, "silver/whatsapp/date=2024-03-12/"))
    for key in (DERIVED["bronze"], MANIFEST, *GLUE_CODE, raw_key("raw-photos/"), "silver/x"):
        assert not glue.allows("s3:PutObject", obj(names, key)), key
        assert not glue.allows("s3:DeleteObject", obj(names, key)), key


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
