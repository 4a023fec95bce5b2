"""How every object task runs: re-fetch by id, claim, call a plain function, record the outcome.

Bad input (the user's) is recorded as ``rejected`` with the reason and never retried; transient
errors (network, throttling, a locked database) are retried with backoff and jitter; anything
else is ``failed`` with the reason. Each run returns "done", "rejected", "failed" or "skipped".
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.db import OperationalError

from ingestion import storage
from ingestion.models import Status, StorageClass, StoredObject
from ingestion.routing import KEPT_AS_IS

log = logging.getLogger(__name__)

MAX_RETRIES = 5


class Rejected(Exception):
    """The input is bad: record the reason for the user, keep the original, do not retry."""


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
    return isinstance(exc, (BotoCoreError, ConnectionError, TimeoutError, OperationalError))


def retry_delay(retries: int) -> float:
    """Exponential backoff with full jitter, capped at ten minutes."""
    return random.uniform(0, min(600.0, 5.0 * 2**retries))  # noqa: S311 (not cryptographic)


def run_object_job(task: Any, object_id: int, work: Callable[[StoredObject], str | None]) -> str:
    obj = StoredObject.objects.filter(pk=object_id).first()
    if obj is None:
        log.info("object %s is gone; nothing to do", object_id)
        return "skipped"
    if not obj.claim():
        log.info("object %s is %s; not running it twice", object_id, obj.status)
        return "skipped"
    return run_claimed(obj, work, task=task)


def run_claimed(
    obj: StoredObject, work: Callable[[StoredObject], str | None], *, task: Any = None
) -> str:
    """Run ``work`` on a claimed object (also used by the reprocessing commands, without a task)."""
    try:
        note = work(obj)
    except Rejected as exc:
        obj.mark(Status.REJECTED, str(exc))
        return "rejected"
    except Exception as exc:
        retries = task.request.retries if task is not None else MAX_RETRIES
        if is_transient(exc) and retries < MAX_RETRIES:
            obj.mark(Status.RECEIVED, f"Retrying after a temporary error: {exc}")
            raise task.retry(
                exc=exc, countdown=retry_delay(retries), max_retries=MAX_RETRIES
            ) from exc
        log.exception("processing object %s failed", obj.pk)
        obj.mark(Status.FAILED, f"{type(exc).__name__}: {exc}")
        return "failed"
    obj.mark(Status.DONE, note or "")
    settle_storage_class(obj)
    return "done"


def settle_storage_class(obj: StoredObject) -> None:
    """Move a processed upload into the storage class its owner chose (it landed in Standard)."""
    if obj.storage_class != StorageClass.STANDARD and obj.kind not in KEPT_AS_IS:
        storage.change_storage_class(obj.key, obj.storage_class)
