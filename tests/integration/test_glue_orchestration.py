"""AWS mode: the Glue job is the silver writer; runs are started and followed against moto's
Glue in server mode (create job, start run, run state), one run per owner at a time.

The job itself is tested on pyspark (tests/spark/test_glue_job.py).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from chats.lake import glue
from chats.models import ChatExport, GlueRun, SilverOwner, SilverStatus
from chats.pipeline import forget_export, rename_chat
from chats.tasks import ingest_export, start_glue_run
from ingestion.models import Status, StoredObject
from tests.factories.chats import ANDROID, ANDROID_MORE, IOS, upload_chat
from tests.integration.conftest import Worker, wait_for

pytestmark = pytest.mark.services

SCRIPT = "glue/whatsapp_silver_job.py"
EXTRA_FILES = "glue/glue-chats.zip"


def set_run_transitions(endpoint: str, progression: dict[str, Any] | None) -> None:
    """moto's state manager: how a job run moves STARTING → RUNNING → SUCCEEDED."""
    if progression is None:
        response = requests.post(
            f"{endpoint}/moto-api/state-manager/unset-transition",
            json={"model_name": "glue::job_run"},
            timeout=10,
        )
    else:
        response = requests.post(
            f"{endpoint}/moto-api/state-manager/set-transition",
            json={"model_name": "glue::job_run", "transition": progression},
            timeout=10,
        )
    response.raise_for_status()


@pytest.fixture
def aws(moto_server: str, settings: Any) -> Iterator[dict[str, Any]]:
    """A bucket and a Glue job on moto; the app's storage and Glue settings pointing at them."""
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    client = boto3.client("glue", endpoint_url=moto_server, region_name="us-east-1")
    bucket = f"bucket-{uuid.uuid4().hex[:10]}"
    job = f"whatsapp-silver-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    client.create_job(
        Name=job,
        Role="arn:aws:iam::123456789012:role/whatsapp-silver-glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/{SCRIPT}"},
        DefaultArguments={"--extra-py-files": f"s3://{bucket}/{EXTRA_FILES}"},
        ExecutionProperty={"MaxConcurrentRuns": 2},
        GlueVersion="5.0",
    )
    settings.STORAGE_BUCKET = settings.STORAGE_BUCKET_LABEL = bucket
    settings.AWS_S3_ENDPOINT_URL = moto_server
    settings.AWS_REGION = "us-east-1"
    settings.GLUE_JOB_NAME = job
    settings.AWS_GLUE_ENDPOINT_URL = moto_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ingestion.backends.s3.BucketStorage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": moto_server,
                "region_name": "us-east-1",
                "file_overwrite": True,
                "signature_version": "s3v4",
            },
        },
    }
    # Each read of a run's state moves it one step: STARTING, RUNNING, SUCCEEDED.
    set_run_transitions(moto_server, {"progression": "manual", "times": 1})
    yield {"s3": s3, "glue": client, "bucket": bucket, "job": job, "endpoint": moto_server}
    set_run_transitions(moto_server, None)


def manifest(aws: dict[str, Any], run: GlueRun) -> list[dict[str, Any]]:
    body = aws["s3"].get_object(Bucket=aws["bucket"], Key=run.manifest_key)["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def moto_runs(aws: dict[str, Any]) -> list[dict[str, Any]]:
    # Reading runs moves each one a step (see set_run_transitions).
    runs: list[dict[str, Any]] = aws["glue"].get_job_runs(JobName=aws["job"])["JobRuns"]
    return runs


def silver_keys(aws: dict[str, Any]) -> list[str]:
    found = aws["s3"].list_objects_v2(Bucket=aws["bucket"], Prefix="silver/")
    return [item["Key"] for item in found.get("Contents", [])]


def import_chat(owner: Any, text: str, name: str = "WhatsApp Chat with Anna.txt") -> ChatExport:
    """What the worker does with the chat task: the task body, called with the id."""
    obj = upload_chat(owner, text, name)
    ingest_export(obj.pk)
    obj.refresh_from_db()
    assert obj.status == Status.DONE, obj.reason
    return ChatExport.objects.get(source=obj)


def ours(callbacks: list[Any]) -> list[Any]:
    """The after-commit callbacks chats.lake.glue scheduled (not the upload's own)."""
    return [c for c in callbacks if "start_queued" in c.__qualname__]


def finish(run: GlueRun) -> GlueRun:
    """Check the run until Glue says it has ended (the check task's work, without waiting)."""
    for _ in range(10):
        checked = glue.check_run(run.pk)
        assert checked is not None
        if checked.finished_at is not None:
            return checked
    raise AssertionError(f"run {run.job_run_id} did not end")


@pytest.mark.django_db
def test_an_import_starts_a_glue_run_with_the_jobs_arguments_and_writes_no_silver(
    aws: dict[str, Any], owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as scheduled:
        export = import_chat(owner, ANDROID)

    run = GlueRun.objects.get(owner=owner)
    assert export.glue_run == run and export.silver_status == SilverStatus.RUNNING
    assert export.message_count == 7 and export.participants == ["Alice", "Bob"]
    assert f"Glue run {run.job_run_id} makes them searchable" in export.source.reason
    [started] = moto_runs(aws)
    assert started["Id"] == run.job_run_id
    bucket = aws["bucket"]
    assert started["Arguments"] == {
        "--extra-py-files": f"s3://{bucket}/{EXTRA_FILES}",
        "--manifest": f"s3://{bucket}/{run.manifest_key}",
        "--bronze_root": f"s3://{bucket}",
        "--silver_root": f"s3://{bucket}/silver/whatsapp",
    }
    assert manifest(aws, run) == [
        {
            "key": export.bronze_key,
            "owner": str(owner.pk),
            "chat": "Anna",
            "date_order": "day-first",
        }
    ]
    assert silver_keys(aws) == []  # the worker writes no silver: the run does
    assert len(ours(scheduled)) == 1  # the check of the run's state


@pytest.mark.django_db
def test_later_exports_of_the_owner_wait_for_the_running_run_and_go_in_the_next(
    aws: dict[str, Any], owner: Any, stranger: Any
) -> None:
    first = import_chat(owner, ANDROID)
    second = import_chat(owner, ANDROID + ANDROID_MORE)
    third = import_chat(owner, IOS, "WhatsApp Chat with Carla.txt")
    theirs = import_chat(stranger, IOS)  # another owner's run does not wait
    assert GlueRun.objects.filter(owner=owner).count() == 1
    for queued in (second, third):
        queued.refresh_from_db()
        assert (queued.silver_status, queued.glue_run) == (SilverStatus.PENDING, None)
    assert theirs.silver_status == SilverStatus.RUNNING

    states = [glue.check_run(first.glue_run.pk).state for _ in range(2)]  # type: ignore[union-attr]
    assert states == ["RUNNING", "SUCCEEDED"]
    first.refresh_from_db()
    assert first.silver_status == SilverStatus.BUILT and first.silver_built_at is not None
    # The run that ended started the next one, with both queued exports.
    following = GlueRun.objects.get(owner=owner, finished_at__isnull=True)
    assert [line["chat"] for line in manifest(aws, following)] == ["Anna", "Carla"]
    finish(following)
    assert set(ChatExport.objects.filter(owner=owner).values_list("silver_status", flat=True)) == {
        SilverStatus.BUILT
    }
    assert GlueRun.objects.filter(owner=owner, finished_at__isnull=True).count() == 0
    assert len(moto_runs(aws)) == 3  # two of the owner's, one after the other; the stranger's


@pytest.mark.django_db
def test_a_job_that_cannot_be_started_fails_the_export_with_the_reason(
    aws: dict[str, Any], owner: Any, settings: Any
) -> None:
    settings.GLUE_JOB_NAME = "no-such-job"
    export = import_chat(owner, ANDROID)
    export.refresh_from_db()
    assert export.silver_status == SilverStatus.FAILED
    assert "EntityNotFoundException" in export.silver_error
    assert not GlueRun.objects.exists()


@pytest.mark.django_db
def test_a_full_job_leaves_the_export_queued_and_starts_it_later(
    aws: dict[str, Any],
    owner: Any,
    stranger: Any,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    busy = [import_chat(user, ANDROID) for user in (stranger, make_user())]  # MaxConcurrentRuns 2
    with django_capture_on_commit_callbacks() as scheduled:
        waiting = import_chat(owner, IOS)
    assert waiting.silver_status == SilverStatus.PENDING
    assert not GlueRun.objects.filter(owner=owner).exists()
    assert len(ours(scheduled)) == 1  # a later start
    finish(busy[0].glue_run)  # type: ignore[arg-type]
    start_glue_run(owner.pk)  # what the scheduled start does
    waiting.refresh_from_db()
    assert waiting.silver_status == SilverStatus.RUNNING


@pytest.mark.django_db
def test_a_rename_and_a_deleted_export_are_rebuilt_by_the_next_run(
    aws: dict[str, Any], owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = import_chat(owner, ANDROID)
    later = import_chat(owner, ANDROID + ANDROID_MORE)
    with django_capture_on_commit_callbacks() as scheduled:
        rename_chat(owner.pk, "Anna", "Anna B")  # queued behind the running run
    queued = SilverOwner.objects.get(owner=owner)
    assert queued.rebuild_chats == ["Anna", "Anna B"]
    # The worker starts it (a rename comes from the web, which may not talk to Glue).
    assert [c.__qualname__ for c in scheduled] == ["queue_rebuild.<locals>.<lambda>"]
    assert len(moto_runs(aws)) == 1

    finish(first.glue_run)  # type: ignore[arg-type]
    rebuild = GlueRun.objects.get(owner=owner, finished_at__isnull=True)
    lines = manifest(aws, rebuild)
    assert lines[0]["drop"] == {
        "owner": str(owner.pk),
        "chats": ["Anna", "Anna B"],
        "all": False,
        "dates": [],
    }
    assert [line["key"] for line in lines[1:]] == [first.bronze_key, later.bronze_key]
    finish(rebuild)

    StoredObject.objects.filter(pk=later.source_id).update(deleted_at="2024-05-01T00:00:00Z")
    forget_export(owner.pk, "Anna B", later.bronze_key, ("2024-03-13", "2024-04-02"))
    assert not GlueRun.objects.filter(owner=owner, finished_at__isnull=True).exists()
    start_glue_run(owner.pk)  # what the scheduled start does
    run = GlueRun.objects.get(owner=owner, finished_at__isnull=True)
    lines = manifest(aws, run)
    assert lines[0]["drop"]["chats"] == ["Anna B"]
    assert [line["key"] for line in lines[1:]] == [first.bronze_key]  # not the deleted one
    assert "Contents" not in aws["s3"].list_objects_v2(
        Bucket=aws["bucket"], Prefix=later.bronze_key
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_follows_the_run_until_the_export_is_built(
    aws: dict[str, Any], _worker_manager: Worker, owner: Any
) -> None:
    _worker_manager.ensure(
        {
            "STORAGE_BUCKET": aws["bucket"],
            "AWS_S3_ENDPOINT_URL": aws["endpoint"],
            "GLUE_JOB_NAME": aws["job"],
            "AWS_GLUE_ENDPOINT_URL": aws["endpoint"],
            "GLUE_POLL_SECONDS": "1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    obj = upload_chat(owner, ANDROID)  # enqueued after commit, as an upload is

    def built() -> ChatExport | None:
        return ChatExport.objects.filter(source=obj, silver_status=SilverStatus.BUILT).first()

    export = wait_for(built, timeout=60, what="the Glue run to be followed to its end")
    run = GlueRun.objects.get(pk=export.glue_run_id)
    assert run.state == "SUCCEEDED" and run.finished_at is not None
    assert [r["JobRunState"] for r in moto_runs(aws)] == ["SUCCEEDED"]


def periodic_sweeps() -> list[Any]:
    """The functions settings.PLATFORM_SWEEPS names, as the periodic sweep calls them."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return [import_string(path) for path in settings.PLATFORM_SWEEPS]


@pytest.mark.django_db
def test_the_periodic_sweep_checks_a_run_whose_polling_was_lost(
    aws: dict[str, Any], owner: Any
) -> None:
    """A run started, then its polling task lost (broker down, worker gone): the sweep named in
    PLATFORM_SWEEPS asks Glue about it; a run polled recently is left to its task."""
    [sweep] = [s for s in periodic_sweeps() if s is glue.sweep_runs]
    export = import_chat(owner, ANDROID)
    run = export.glue_run
    assert run is not None
    assert sweep() == 0  # polled by its own task (checked_at unset, started just now)

    lost_since = run.started_at - glue.STALE_CHECK - dt.timedelta(minutes=1)
    GlueRun.objects.filter(pk=run.pk).update(started_at=lost_since, checked_at=None)
    assert sweep() == 1
    run.refresh_from_db()
    assert run.checked_at is not None and run.state == "RUNNING"  # Glue's answer, from moto

    GlueRun.objects.filter(pk=run.pk).update(checked_at=lost_since)
    assert sweep() == 1
    run.refresh_from_db()
    export.refresh_from_db()
    assert run.state == "SUCCEEDED" and run.finished_at is not None
    assert export.silver_status == SilverStatus.BUILT
    assert sweep() == 0  # nothing left to check or start


@pytest.mark.django_db
def test_the_periodic_sweep_asks_glue_nothing_when_the_worker_writes_silver(
    aws: dict[str, Any], owner: Any, settings: Any
) -> None:
    run = import_chat(owner, ANDROID).glue_run
    assert run is not None
    GlueRun.objects.filter(pk=run.pk).update(
        started_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), checked_at=None
    )
    settings.GLUE_JOB_NAME = ""  # local mode: the worker is the silver writer
    assert glue.sweep_runs() == 0
    run.refresh_from_db()
    assert run.checked_at is None
