"""deploy/terraform applied to moto's server: what it creates, read back through the AWS APIs.

One apply per session (tests/deploy/conftest.py). ``emulated=true`` leaves out the three
resources moto cannot emulate faithfully (variables.tf says which and why); everything else,
ECS services, load balancer, RDS and Glue job included, is really created.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import boto3
import pytest

from ingestion.routing import ROUTES
from tests.deploy.conftest import DOMAIN, Applied
from tests.deploy.terraform import ROOT

pytestmark = [pytest.mark.services, pytest.mark.terraform]
LEFT_OUT_FOR_MOTO = {
    "aws_s3_bucket_policy.data",
    "aws_elasticache_replication_group.broker",
    "aws_sqs_queue_redrive_allow_policy.events_dlq",
}


def client(applied: Applied, service: str) -> Any:
    make: Any = boto3.client  # the service name is a variable: no overload of the stubs fits
    return make(service, endpoint_url=applied.endpoint, region_name="us-east-1")


def bucket(applied: Applied) -> str:
    return str(applied.outputs["environment"]["STORAGE_BUCKET"])


def test_apply_creates_every_resource_but_the_three_moto_cannot_emulate(
    applied: Applied,
) -> None:
    addresses = {r["address"].split("[")[0] for r in applied.resources()}
    assert not addresses & LEFT_OUT_FOR_MOTO
    assert {"aws_ecs_service.app", "aws_lb_listener.https", "aws_db_instance.main"} <= addresses
    print(f"\n{len(applied.resources())} resources applied to moto in {applied.seconds:.0f} s")


def test_notifications_cover_exactly_the_routing_prefixes(applied: Applied) -> None:
    config = client(applied, "s3").get_bucket_notification_configuration(Bucket=bucket(applied))
    prefixes = {
        rule["Value"]
        for queue in config["QueueConfigurations"]
        for rule in queue["Filter"]["Key"]["FilterRules"]
    }
    assert prefixes == {route.prefix for route in ROUTES}
    assert {tuple(q["Events"]) for q in config["QueueConfigurations"]} == {("s3:ObjectCreated:*",)}


def test_the_queue_admits_only_this_bucket_of_this_account_and_dead_letters(
    applied: Applied,
) -> None:
    sqs = client(applied, "sqs")
    queue = applied.outputs["environment"]["SQS_QUEUE_URL"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    [statement] = json.loads(attributes["Policy"])["Statement"]
    condition = statement["Condition"]
    assert condition["ArnEquals"]["aws:SourceArn"] == f"arn:aws:s3:::{bucket(applied)}"
    assert condition["StringEquals"]["aws:SourceAccount"] == "123456789012"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith("-events-dlq")
    assert attributes["SqsManagedSseEnabled"] == "true"
    alarms = client(applied, "cloudwatch").describe_alarms()["MetricAlarms"]
    assert [a["Dimensions"] for a in alarms] == [
        [{"Name": "QueueName", "Value": redrive["deadLetterTargetArn"].rsplit(":", 1)[1]}]
    ]


def test_the_bucket_is_versioned_encrypted_private_with_lifecycle_and_app_only_cors(
    applied: Applied,
) -> None:
    s3, name = client(applied, "s3"), bucket(applied)
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    lifecycle = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]}
    assert lifecycle["whole-bucket"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert "NoncurrentVersionExpiration" in lifecycle["whole-bucket"]
    assert lifecycle["athena-results"]["Filter"]["Prefix"] == "athena-results/"
    assert lifecycle["glue-manifests"]["Filter"]["Prefix"] == "glue/manifests/"


def test_cors_admits_only_part_puts_from_the_app_and_shows_their_etag(applied: Applied) -> None:
    """The browser PUTs presigned parts and reads each part's ETag to complete the upload;
    downloads are navigations to signed URLs, which need no CORS."""
    [cors] = client(applied, "s3").get_bucket_cors(Bucket=bucket(applied))["CORSRules"]
    assert cors["AllowedOrigins"] == [f"https://{DOMAIN}"]
    assert cors["AllowedMethods"] == ["PUT"]
    assert cors["ExposeHeaders"] == ["ETag"]
    assert cors["AllowedHeaders"] == ["Content-Type"]


def job_arguments(arguments: dict[str, str]) -> argparse.Namespace:
    """Parse arguments as the job itself does (deploy/glue/whatsapp_silver_job.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "glue_job", ROOT / "deploy" / "glue" / "whatsapp_silver_job.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = [item for pair in arguments.items() for item in pair]
    namespace: argparse.Namespace = module.arguments(argv)
    return namespace


def test_the_glue_job_runs_the_repositorys_script_with_arguments_it_reads(
    applied: Applied,
) -> None:
    glue, s3, name = client(applied, "glue"), client(applied, "s3"), bucket(applied)
    job = glue.get_job(JobName=applied.outputs["glue_job_name"])["Job"]
    assert (job["GlueVersion"], job["Command"]["Name"], job["Command"]["PythonVersion"]) == (
        "5.0",
        "glueetl",
        "3",
    )
    script_key = job["Command"]["ScriptLocation"].removeprefix(f"s3://{name}/")
    uploaded = s3.get_object(Bucket=name, Key=script_key)["Body"].read()
    assert uploaded == (ROOT / "deploy" / "glue" / "whatsapp_silver_job.py").read_bytes()

    defaults = job["DefaultArguments"]
    ours = {k: v for k, v in defaults.items() if k.removeprefix("--").islower() and "_" in k}
    parsed = job_arguments({**ours, "--manifest": f"s3://{name}/glue/manifests/run.jsonl"})
    assert parsed.bronze_root == f"s3://{name}"
    assert parsed.silver_root == f"s3://{name}/silver/whatsapp"
    assert parsed.python_modules == f"s3://{name}/glue/python/"

    modules = [
        line.strip()
        for line in (ROOT / "deploy" / "glue" / "modules.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    listed = s3.list_objects_v2(Bucket=name, Prefix="glue/python/")["Contents"]
    assert sorted(o["Key"].removeprefix("glue/python/") for o in listed) == sorted(modules)
    for module in modules:
        body = s3.get_object(Bucket=name, Key=f"glue/python/{module}")["Body"].read()
        assert body == (ROOT / module).read_bytes()


def test_the_glue_job_runs_ten_owners_at_once_and_times_out(applied: Applied) -> None:
    """One run per owner is the app's rule (chats.lake.glue); the job caps how many owners'
    runs go together, and a run that hangs is stopped."""
    glue = client(applied, "glue")
    job = glue.get_job(JobName=applied.outputs["glue_job_name"])["Job"]
    assert job["ExecutionProperty"]["MaxConcurrentRuns"] == 10
    assert job["Timeout"] == 60


def test_athena_runs_in_an_enforced_encrypted_capped_workgroup(applied: Applied) -> None:
    environment = applied.outputs["environment"]
    group = client(applied, "athena").get_work_group(WorkGroup=environment["ATHENA_WORK_GROUP"])
    config = group["WorkGroup"]["Configuration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == 10 * 1024**3
    results = config["ResultConfiguration"]
    assert results["OutputLocation"] == environment["ATHENA_S3_STAGING_DIR"]
    assert results["EncryptionConfiguration"]["EncryptionOption"] == "SSE_S3"
    table = client(applied, "glue").get_table(
        DatabaseName=environment["ATHENA_DATABASE"], Name=environment["ATHENA_TABLE"]
    )["Table"]
    assert table["Parameters"]["projection.enabled"] == "true"


def test_cognito_admits_only_users_an_admin_creates_and_has_the_staff_group(
    applied: Applied,
) -> None:
    idp = client(applied, "cognito-idp")
    pool_id = applied.outputs["cognito_user_pool_id"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["DeletionProtection"] == "ACTIVE"
    groups = idp.list_groups(UserPoolId=pool_id)["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
    client_id = applied.outputs["environment"]["OIDC_CLIENT_ID"]
    app = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert app["CallbackURLs"] == [f"https://{DOMAIN}/oidc/callback/"]
    assert app["LogoutURLs"] == [f"https://{DOMAIN}/"]


def test_three_services_and_a_migrate_task_run_one_image_with_the_apps_environment(
    applied: Applied,
) -> None:
    ecs = client(applied, "ecs")
    cluster = applied.outputs["cluster"]
    services = ecs.describe_services(cluster=cluster, services=["web", "worker", "events"])
    assert sorted(s["serviceName"] for s in services["services"]) == ["events", "web", "worker"]
    images, commands = set(), {}
    for family in ("web", "worker", "events", "migrate"):
        task = ecs.describe_task_definition(taskDefinition=f"personal-data-{family}")
        [container] = task["taskDefinition"]["containerDefinitions"]
        images.add(container["image"])
        commands[family] = container["command"]
        environment = {e["name"]: e["value"] for e in container["environment"]}
        assert environment == applied.outputs["environment"]
        assert {s["name"] for s in container["secrets"]} == {
            "SECRET_KEY",
            "REDIS_PASSWORD",
            "OIDC_CLIENT_SECRET",
            "DATABASE_PASSWORD",
        }
        assert container["readonlyRootFilesystem"] is True
        assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert len(images) == 1
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for family, command in commands.items():
        assert f"#   {family:<8} {' '.join(command)}" in dockerfile
    assert applied.outputs["environment"]["LOG_FORMAT"] == "json"
    assert applied.outputs["environment"]["AWS_REGION"] == "us-east-1"
