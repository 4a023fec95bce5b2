"""How every object task runs: re-fetch by id, claim a lease, call a plain function, record the
outcome (an ``Outcome``).

Bad input (the user's) is recorded as ``rejected`` with the reason and never retried; transient
errors (network, throttling, a database that went away) are retried by Celery's own
``autoretry_for`` with exponential backoff and jitter (``OBJECT_TASK``, the options every
object task is declared with); anything else is ``failed`` with the reason. A claim is a lease
(``ingestion.leases``): a run whose worker died is taken over by the redelivered message or by
the sweep, and only the lease's holder records an outcome.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from ingestion import leases, storage
from ingestion.models import Status, StorageClass, StoredObject
from ingestion.routing import KEPT_AS_IS

log = logging.getLogger(__name__)

MAX_RETRIES = 5


class Outcome(StrEnum):
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"
    SKIPPED = "skipped"  # gone, or a live lease holds it (a duplicate message)
    LOST = "lost"  # the lease was taken over while this run worked: another run records


class Rejected(Exception):
    """The input is bad: record the reason for the user, keep the original, do not retry."""


class Transient(Exception):
    """A temporary failure: Celery retries the task (``OBJECT_TASK``'s autoretry_for)."""


# Declared on every object task: ``@shared_task(name=…, **OBJECT_TASK)``.
OBJECT_TASK: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (Transient,),
    "max_retries": MAX_RETRIES,
    "retry_backoff": 5,  # 5 s, 10 s, 20 s … (full jitter below)
    "retry_backoff_max": 600,
    "retry_jitter": True,
}

_THROTTLING = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
    "RequestLimitExceeded",
}


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in _THROTTLING
    return isinstance(
        exc, (BotoCoreError, ConnectionError, TimeoutError, OperationalError, InterfaceError)
    )


def pause_point(step: str) -> None:
    """Tests only (PLATFORM_TESTING): ``PLATFORM_PAUSE_AT=<step>:<seconds>`` makes the job wait
    at ``step`` (thumbnail, silver, profile) so a fault test's kill lands mid-task. With
    ``PLATFORM_PAUSE_MARKER`` the first pause writes ``<step> <pid>`` there and later runs (the
    task taken over) go on without pausing."""
    if not os.environ.get("PLATFORM_TESTING"):
        return
    wanted, _, seconds = os.environ.get("PLATFORM_PAUSE_AT", "").partition(":")
    if wanted != step:
        return
    marker = os.environ.get("PLATFORM_PAUSE_MARKER")
    if marker:
        if os.path.exists(marker):
            return
        with open(marker + ".tmp", "w") as handle:
            handle.write(f"{step} {os.getpid()}\n")
        os.replace(marker + ".tmp", marker)
    time.sleep(float(seconds or 30))


def run_object_job(
    task: Any, object_id: int, work: Callable[[StoredObject], str | None]
) -> Outcome:
    task_id = getattr(getattr(task, "request", None), "id", None)
    try:
        obj = StoredObject.objects.filter(pk=object_id).first()
        if obj is None:
            log.info("object %s is gone; nothing to do", object_id)
            return Outcome.SKIPPED
        claimed = obj.claim(leases.holder_for(task_id))
    except (OperationalError, InterfaceError) as exc:
        if task is None:
            raise
        raise Transient(f"database unavailable: {exc}") from exc
    if not claimed:
        log.info("object %s is %s; not running it twice", object_id, obj.status)
        return Outcome.SKIPPED
    return run_claimed(obj, work, task=task)


def run_claimed(
    obj: StoredObject, work: Callable[[StoredObject], str | None], *, task: Any = None
) -> Outcome:
    """Run ``work`` on a claimed object (also used by the reprocessing commands, without a task)."""
    try:
        note = work(obj)
    except Rejected as exc:
        return _finish(obj, Status.REJECTED, str(exc), Outcome.REJECTED, task)
    except Exception as exc:
        retries = task.request.retries if task is not None else MAX_RETRIES
        if is_transient(exc) and retries < MAX_RETRIES:
            _release_for_retry(obj, exc)
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        log.exception("processing object %s failed", obj.pk)
        return _finish(obj, Status.FAILED, f"{type(exc).__name__}: {exc}", Outcome.FAILED, task)
    outcome = _finish(obj, Status.DONE, note or "", Outcome.DONE, task)
    if outcome is Outcome.DONE:
        settle_storage_class(obj)
    return outcome


def _finish(obj: StoredObject, status: str, reason: str, outcome: Outcome, task: Any) -> Outcome:
    try:
        recorded = leases.finish(obj, status, reason)
    except (OperationalError, InterfaceError) as exc:
        if task is None:
            raise
        # The outcome could not be written: the retry (same task id) takes the lease over and
        # runs the work again (every step overwrites its own outputs).
        raise Transient(f"outcome not recorded: {exc}") from exc
    return outcome if recorded else Outcome.LOST


def _release_for_retry(obj: StoredObject, exc: BaseException) -> None:
    """Back to received for the retry (which claims anew). With the database itself gone this
    fails too: the row stays processing, and the retry, the same task id, takes the lease over."""
    try:
        # The retry is a message sent now: the sweep leaves it to its countdown.
        reason = f"Retrying after a temporary error: {exc}"
        leases.finish(obj, Status.RECEIVED, reason, enqueued_at=timezone.now())
    except (OperationalError, InterfaceError) as db_exc:
        log.warning("object %s: retry not recorded (%s)", obj.pk, type(db_exc).__name__)


def settle_storage_class(obj: StoredObject) -> None:
    """Move a processed upload into the storage class its owner chose (it landed in Standard)."""
    if obj.storage_class != StorageClass.STANDARD and obj.kind not in KEPT_AS_IS:
        storage.change_storage_class(obj.key, obj.storage_class)
