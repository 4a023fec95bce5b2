"""Claims are leases: a live one is respected, one that is over is taken over, and after too
many starts the row fails with the reason. Run in this process on real rows (no worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from gallery.pipeline import reprocess
from gallery.tasks import process_photo
from ingestion import leases
from ingestion.jobs import Outcome, Transient, run_object_job
from ingestion.models import Status, StoredObject
from tests.factories.gallery import photo_bytes, upload_photo

pytestmark = pytest.mark.django_db
HOST = socket.gethostname()


def dead_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def processing(
    obj: StoredObject, holder: str, *, minutes_ago: float = 0, attempts: int = 1
) -> None:
    StoredObject.objects.filter(pk=obj.pk).update(
        status=Status.PROCESSING,
        lease_holder=holder,
        lease_since=timezone.now() - timedelta(minutes=minutes_ago),
        attempts=attempts,
    )


def task(task_id: str) -> Any:
    return SimpleNamespace(request=SimpleNamespace(id=task_id, retries=0))


def test_a_claim_records_holder_since_and_attempt(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    assert obj.claim(leases.holder_for("t-1"))
    obj.refresh_from_db()
    assert obj.status == Status.PROCESSING
    assert obj.lease_holder == f"{HOST}:{os.getpid()}:t-1"
    assert obj.lease_since is not None and obj.attempts == 1


def test_a_live_lease_is_not_taken(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, leases.holder_for("t-1"))  # this very process: alive
    assert run_object_job(task("t-2"), obj.pk, lambda o: "") == Outcome.SKIPPED
    obj.refresh_from_db()
    assert obj.status == Status.PROCESSING and obj.attempts == 1


def test_the_redelivered_message_takes_over_at_once(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, leases.holder_for("t-1"))  # alive by pid, but the same message came back
    assert run_object_job(task("t-1"), obj.pk, lambda o: "") == Outcome.DONE
    obj.refresh_from_db()
    assert (obj.status, obj.attempts, obj.lease_holder) == (Status.DONE, 2, "")


def test_a_lease_whose_process_died_is_taken_over_at_once(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, f"{HOST}:{dead_pid()}:t-1")
    assert process_photo(obj.pk) == Outcome.DONE
    obj.refresh_from_db()
    assert obj.status == Status.DONE and obj.attempts == 2


def test_a_lease_on_a_host_without_heartbeat_is_taken_over(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, "gone-host.example:4242:t-1")
    assert process_photo(obj.pk) == Outcome.DONE


def test_an_expired_lease_is_taken_over(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, leases.holder_for("t-1"), minutes_ago=31)  # past the 30-minute hard limit
    assert process_photo(obj.pk) == Outcome.DONE


def test_after_max_attempts_the_row_fails_with_the_reason(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, f"{HOST}:{dead_pid()}:t-1", attempts=3)
    assert process_photo(obj.pk) == Outcome.SKIPPED
    obj.refresh_from_db()
    assert obj.status == Status.FAILED
    assert obj.reason == "Stopped after 3 attempts: the worker was killed or ran out of time."


def test_a_run_that_lost_its_lease_records_nothing(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())

    def taken_over_meanwhile(o: StoredObject) -> str:
        processing(o, leases.holder_for("t-other"), attempts=2)
        return ""

    assert run_object_job(task("t-1"), obj.pk, taken_over_meanwhile) == Outcome.LOST
    obj.refresh_from_db()
    assert obj.status == Status.PROCESSING and obj.lease_holder.endswith(":t-other")


def test_a_transient_error_asks_celery_to_retry_and_frees_the_row(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())

    def flaky(o: StoredObject) -> str:
        raise ConnectionError("network went away")

    with pytest.raises(Transient):
        run_object_job(task("t-1"), obj.pk, flaky)
    obj.refresh_from_db()
    assert obj.status == Status.RECEIVED and obj.lease_holder == ""
    assert process_photo.autoretry_for == (Transient,)
    assert process_photo.retry_backoff and process_photo.retry_jitter


def test_reprocess_without_force_takes_over_an_expired_lease(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, leases.holder_for("t-1"), minutes_ago=31)
    call_command("reprocess_photos", "--owner", owner.username)
    obj.refresh_from_db()
    assert obj.status == Status.DONE


def test_reprocess_without_force_leaves_a_live_lease(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, leases.holder_for("t-1"))
    assert reprocess(obj) == Outcome.SKIPPED


def test_a_holder_s_pid_reused_by_a_later_process_counts_as_dead(owner: Any, settings: Any) -> None:
    """The lease was taken a day ago by pid N; the process now running as N (this one, which
    started later) is not its holder."""
    settings.CELERY_TASK_TIME_LIMIT = 7 * 24 * 3600  # not expired: only the pid check decides
    obj = upload_photo(owner, photo_bytes())
    processing(obj, leases.holder_for("t-1"), minutes_ago=24 * 60)
    assert leases.process_started(os.getpid()) is not None, "no /proc on this system"
    assert process_photo(obj.pk) == Outcome.DONE


def test_a_row_failed_for_attempts_is_not_restarted_by_a_stale_message(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, f"{HOST}:{dead_pid()}:t-1", attempts=3)
    assert process_photo(obj.pk) == Outcome.SKIPPED  # fails the row
    assert run_object_job(task("t-1"), obj.pk, lambda o: "") == Outcome.SKIPPED  # Redis, late
    obj.refresh_from_db()
    assert obj.status == Status.FAILED and obj.attempts == 3


def test_a_person_s_reprocess_of_such_a_row_starts_a_fresh_count(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    processing(obj, f"{HOST}:{dead_pid()}:t-1", attempts=3)
    process_photo(obj.pk)
    call_command("reprocess_photos", "--owner", owner.username)
    obj.refresh_from_db()
    assert obj.status == Status.DONE and obj.attempts == 1
