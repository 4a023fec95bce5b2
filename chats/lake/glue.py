"""AWS mode: the Glue job builds silver; the worker queues exports and follows the runs.

One silver writer per mode. With ``STORAGE_BUCKET`` and ``GLUE_JOB_NAME`` set, the worker never
writes silver: it validates an export, writes bronze and counts it (chats.pipeline), then
:func:`queue_build` starts a run of the Glue job (deploy/glue/whatsapp_silver_job.py) over a
manifest of the owner's queued exports. Without them the worker writes silver itself with the
same functions (chats.lake.writer). Renames, rebuilds and deleted exports are queued the same
way (:func:`queue_rebuild`, whose run the worker starts: renames come from the web process): the
run drops the chats' rows from the files it rewrites and adds every remaining export of those
chats again, as the local rebuild does.

One run per owner at a time (two runs would read-merge-write the same files): starting a run
happens under the owner's lock (chats.lake.lock) and only when the owner has no unfinished run
(also a unique constraint). Work that arrives meanwhile stays queued (exports ``pending``, a
rebuild on the owner's SilverOwner row) and goes into the next run, started when the running
one finishes. The ``chats.check_glue_run`` task polls GetJobRun with backoff; the exports'
silver status follows the run (``running`` → ``built`` or ``failed`` with Glue's reason).
:func:`sweep` re-checks runs whose polling task was lost and starts queued work;
:func:`sweep_runs` is its entry in the periodic sweep (``settings.PLATFORM_SWEEPS``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import uuid
from collections.abc import Collection, Iterable
from typing import Any, Final

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chats.lake.date_writer import WriteStats
from chats.lake.files import SILVER_PREFIX
from chats.lake.lock import held, owner_lock
from chats.models import ChatExport, GlueRun, SilverOwner, SilverStatus
from ingestion import storage

__all__ = [
    "MANIFEST_PREFIX",
    "TERMINAL_STATES",
    "check_run",
    "enabled",
    "glue_manifest",
    "job_arguments",
    "poll_delay",
    "queue_build",
    "queue_rebuild",
    "start_queued",
    "sweep",
    "sweep_runs",
]

log = logging.getLogger(__name__)

MANIFEST_PREFIX: Final = "glue/manifests/"
TERMINAL_STATES: Final = frozenset(
    {"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"}
)
# Errors after which starting again later may work (the job's concurrency is full, throttling).
_RETRY_START: Final = frozenset(
    {
        "ConcurrentRunsExceededException",
        "ThrottlingException",
        "InternalServiceException",
        "OperationTimeoutException",
        "ResourceNumberLimitExceededException",
    }
)
# A run not checked for this long lost its polling task (broker down, worker gone).
STALE_CHECK: Final = dt.timedelta(minutes=20)


def enabled() -> bool:
    """Whether the Glue job is the silver writer (AWS mode with a job configured)."""
    return bool(settings.STORAGE_BUCKET and settings.GLUE_JOB_NAME)


def _client() -> Any:
    return boto3.client(
        "glue",
        region_name=settings.AWS_REGION,
        endpoint_url=settings.AWS_GLUE_ENDPOINT_URL or None,
    )


def job_arguments(manifest_key: str) -> dict[str, str]:
    """The run arguments deploy/glue/whatsapp_silver_job.py reads."""
    bucket = settings.STORAGE_BUCKET
    return {
        "--manifest": f"s3://{bucket}/{manifest_key}",
        "--bronze_root": f"s3://{bucket}",
        "--silver_root": f"s3://{bucket}/{SILVER_PREFIX.rstrip('/')}",
    }


def glue_manifest(
    exports: Iterable[ChatExport],
    *,
    owner: int | None = None,
    rebuild_chats: Collection[str] = (),
    rebuild_all: bool = False,
    rebuild_dates: Collection[str] = (),
) -> list[dict[str, Any]]:
    """The Glue job's manifest lines: a rebuild (if any) first, then exports in upload order."""
    lines: list[dict[str, Any]] = []
    if owner is not None and (rebuild_chats or rebuild_all):
        lines.append(
            {
                "drop": {
                    "owner": str(owner),
                    "chats": sorted(rebuild_chats),
                    "all": rebuild_all,
                    "dates": sorted(rebuild_dates),
                }
            }
        )
    chosen = sorted((e for e in exports if e.bronze_key), key=lambda e: (e.created_at, e.pk))
    lines += [
        {
            "key": e.bronze_key,
            "owner": str(e.owner_id),
            "chat": e.chat_name,
            "date_order": e.date_order,
        }
        for e in chosen
    ]
    return lines


def poll_delay(checks: int) -> float:
    """Seconds before the next check of a run: doubling from GLUE_POLL_SECONDS, at most 10 min."""
    base = min(600.0, settings.GLUE_POLL_SECONDS * 2.0 ** min(checks, 20))
    return base * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not cryptographic)


def queue_build(owner_id: int) -> WriteStats:
    """Put the owner's pending exports in a Glue run now, or in the next one if one runs."""
    with owner_lock(owner_id):
        run = start_queued(owner_id)
    return WriteStats(glue_run=run.job_run_id if run is not None else "queued")


def queue_rebuild(
    owner_id: int, chats: Collection[str] | None, dates: Collection[str]
) -> WriteStats:
    """Queue a rebuild of the owner's chats (all of them when ``chats`` is None); the worker
    starts its run (``chats.start_glue_run``, after commit).

    Renames come from the admin, in the web process, whose role may neither write manifests
    nor start Glue runs (deploy/terraform/iam.tf): only the worker talks to Glue.
    """
    with owner_lock(owner_id):
        owner, _ = SilverOwner.objects.get_or_create(owner_id=owner_id)
        owner.add_rebuild(chats or (), every=chats is None, dates=dates)
    _later(lambda: _start_task().apply_async((owner_id,)))
    return WriteStats(glue_run="queued")


def _alive_exports(owner_id: int) -> Any:
    return ChatExport.objects.filter(owner_id=owner_id, source__deleted_at__isnull=True).exclude(
        bronze_key=""
    )


def start_queued(owner_id: int, *, new_exports_only: bool = False) -> GlueRun | None:
    """Start a run over the owner's queued work unless one is unfinished; the run or None.

    Call under the owner's lock. ``new_exports_only``: start only if exports are queued (not
    for a queued rebuild alone: after a failed run, a rebuild waits for the next trigger rather
    than failing again and again).
    """
    assert held(owner_id), "start Glue runs under the owner's lock"
    if GlueRun.objects.filter(owner_id=owner_id, finished_at__isnull=True).exists():
        return None
    owner, _ = SilverOwner.objects.get_or_create(owner_id=owner_id)
    alive = _alive_exports(owner_id)
    pending = alive.filter(silver_status=SilverStatus.PENDING)
    rebuilding = owner.rebuild_all or bool(owner.rebuild_chats)
    if not pending.exists() and (new_exports_only or not rebuilding):
        return None
    chosen = pending
    if owner.rebuild_all:
        chosen = alive
    elif owner.rebuild_chats:
        chosen = alive.filter(
            Q(silver_status=SilverStatus.PENDING) | Q(chat_name__in=owner.rebuild_chats)
        )
    exports = list(chosen.order_by("created_at", "pk"))
    key = f"{MANIFEST_PREFIX}owner={owner_id}/{uuid.uuid4().hex}.jsonl"
    lines = glue_manifest(
        exports,
        owner=owner_id,
        rebuild_chats=owner.rebuild_chats,
        rebuild_all=owner.rebuild_all,
        rebuild_dates=owner.rebuild_dates,
    )
    storage.save_bytes(
        key,
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode(),
        content_type="application/x-ndjson",
    )
    try:
        job_run_id = _client().start_job_run(
            JobName=settings.GLUE_JOB_NAME, Arguments=job_arguments(key)
        )["JobRunId"]
    except (ClientError, BotoCoreError) as exc:
        storage.delete(key)
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else ""
        if isinstance(exc, BotoCoreError) or code in _RETRY_START:
            log.warning("Glue run for owner %s not started yet (%s); retrying later", owner_id, exc)
            _later(lambda: _start_task().apply_async((owner_id,), countdown=poll_delay(0)))
            return None
        reason = f"The Glue job could not be started: {exc}"
        log.error("owner %s: %s", owner_id, reason)
        pending.update(silver_status=SilverStatus.FAILED, silver_error=reason)
        return None
    run = GlueRun.objects.create(
        owner_id=owner_id,
        job_run_id=job_run_id,
        state="STARTING",
        manifest_key=key,
        rebuild_chats=owner.rebuild_chats,
        rebuild_all=owner.rebuild_all,
        rebuild_dates=owner.rebuild_dates,
    )
    ChatExport.objects.filter(pk__in=[e.pk for e in exports]).update(
        glue_run=run, silver_status=SilverStatus.RUNNING, silver_error=""
    )
    owner.rebuild_chats, owner.rebuild_all, owner.rebuild_dates = [], False, []
    owner.save(update_fields=["rebuild_chats", "rebuild_all", "rebuild_dates"])
    log.info("owner %s: Glue run %s over %d exports", owner_id, job_run_id, len(exports))
    _later(lambda: _check_task().apply_async((run.pk,), countdown=poll_delay(0)))
    return run


def _later(enqueue: Any) -> None:
    # After commit: on PostgreSQL the owner's lock is a transaction the run's rows are part of.
    transaction.on_commit(enqueue)


def _check_task() -> Any:
    from chats.tasks import check_glue_run

    return check_glue_run


def _start_task() -> Any:
    from chats.tasks import start_glue_run

    return start_glue_run


def _job_run(run: GlueRun) -> tuple[str, str]:
    """(state, error message) of the run as Glue reports it."""
    try:
        found = _client().get_job_run(JobName=settings.GLUE_JOB_NAME, RunId=run.job_run_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "EntityNotFoundException":
            return "ERROR", f"Glue knows no run {run.job_run_id}"
        raise
    job_run = found["JobRun"]
    return str(job_run["JobRunState"]), str(job_run.get("ErrorMessage") or "")


def check_run(run_pk: int) -> GlueRun | None:
    """Read the run's state from Glue; when it has ended, settle its exports and start the
    owner's queued work. The run (None if it is gone). Transient AWS errors propagate."""
    run = GlueRun.objects.filter(pk=run_pk).first()
    if run is None or run.finished_at is not None:
        return run
    state, message = _job_run(run)
    with owner_lock(run.owner_id):
        run.refresh_from_db()
        if run.finished_at is not None:
            return run
        run.state = state
        run.checked_at = timezone.now()
        if state not in TERMINAL_STATES:
            run.save(update_fields=["state", "checked_at"])
            return run
        run.finished_at = run.checked_at
        run.error = "" if state == "SUCCEEDED" else f"Glue run {run.job_run_id} {state}: {message}"
        run.save(update_fields=["state", "checked_at", "finished_at", "error"])
        _settle(run)
        start_queued(run.owner_id, new_exports_only=state != "SUCCEEDED")
    return run


def _settle(run: GlueRun) -> None:
    exports = ChatExport.objects.filter(glue_run=run, silver_status=SilverStatus.RUNNING)
    if run.state == "SUCCEEDED":
        exports.update(
            silver_status=SilverStatus.BUILT, silver_built_at=run.finished_at, silver_error=""
        )
        return
    exports.update(silver_status=SilverStatus.FAILED, silver_error=run.error)
    if run.rebuild_all or run.rebuild_chats:
        # The rebuild (a rename, a deleted export) still has to happen: queue it again.
        owner, _ = SilverOwner.objects.get_or_create(owner_id=run.owner_id)
        owner.add_rebuild(run.rebuild_chats, every=run.rebuild_all, dates=run.rebuild_dates)


def sweep() -> int:
    """Check runs whose polling task was lost; start queued exports of idle owners.

    For a periodic caller (the sweep): returns how many runs were checked or started.
    """
    done = 0
    stale = timezone.now() - STALE_CHECK
    lost = GlueRun.objects.filter(finished_at__isnull=True).filter(
        Q(checked_at__lt=stale) | Q(checked_at__isnull=True, started_at__lt=stale)
    )
    for run_pk in lost.values_list("pk", flat=True):
        check_run(run_pk)
        done += 1
    waiting = (
        ChatExport.objects.filter(
            silver_status=SilverStatus.PENDING, source__deleted_at__isnull=True
        )
        .exclude(bronze_key="")
        .values_list("owner_id", flat=True)
        .distinct()
    )
    for owner_id in waiting:
        with owner_lock(owner_id):
            if start_queued(owner_id, new_exports_only=True) is not None:
                done += 1
    return done


def sweep_runs() -> int:
    """The periodic sweep's entry (``settings.PLATFORM_SWEEPS``): how many Glue runs were
    checked or started; 0 without asking Glue anything when the worker writes silver itself."""
    if not enabled():
        return 0
    return sweep()
