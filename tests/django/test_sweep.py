"""The periodic sweep: a registry of functions (PLATFORM_SWEEPS), one sweeper at a time; the
ledger's sweep enqueues rows the broker never got and takes back leases that are over."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from ingestion.models import Status, StoredObject
from ingestion.sweep import requeue_stalled
from platform_site import sweeps
from tests.broker import drain, purge
from tests.django.test_leases import dead_pid, processing
from tests.factories.gallery import photo_bytes, upload_photo

pytestmark = pytest.mark.django_db(transaction=True)
counted: list[int] = []


def count_three() -> int:
    counted.append(3)
    return 3


def broken() -> int:
    raise RuntimeError("secret path /etc/x")


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def long_ago(obj: StoredObject, **fields: Any) -> None:
    StoredObject.objects.filter(pk=obj.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5), **fields
    )


def test_a_row_never_enqueued_is_enqueued(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    purge("io", "cpu")
    long_ago(obj, enqueued_at=None)
    assert requeue_stalled() == 1
    assert drain("cpu") == [("gallery.process_photo", [obj.pk])]
    obj.refresh_from_db()
    assert obj.enqueued_at is not None
    assert requeue_stalled() == 0  # sent once, not every sweep


def test_a_fresh_row_is_left_to_its_own_enqueue(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    purge("io", "cpu")
    StoredObject.objects.filter(pk=obj.pk).update(enqueued_at=None)
    assert requeue_stalled() == 0


def test_a_row_enqueued_long_ago_and_never_started_is_sent_again(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    purge("io", "cpu")
    long_ago(obj, enqueued_at=timezone.now() - timedelta(hours=1))
    assert requeue_stalled() == 1
    assert drain("cpu") == [("gallery.process_photo", [obj.pk])]


def test_an_orphaned_lease_is_taken_back_and_enqueued(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    purge("io", "cpu")
    processing(obj, f"{socket.gethostname()}:{dead_pid()}:t-1", attempts=1)
    assert requeue_stalled() == 1
    obj.refresh_from_db()
    assert (obj.status, obj.lease_holder, obj.attempts) == (Status.RECEIVED, "", 1)
    assert drain("cpu") == [("gallery.process_photo", [obj.pk])]


def test_a_live_lease_is_left_alone(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    purge("io", "cpu")
    processing(obj, f"{socket.gethostname()}:{os.getpid()}:t-1")
    assert requeue_stalled() == 0
    obj.refresh_from_db()
    assert obj.status == Status.PROCESSING


def test_an_orphan_after_max_attempts_fails_with_the_reason(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    purge("io", "cpu")
    processing(obj, f"{socket.gethostname()}:{dead_pid()}:t-1", attempts=3)
    assert requeue_stalled() == 1
    obj.refresh_from_db()
    assert obj.status == Status.FAILED and obj.reason.startswith("Stopped after 3 attempts")
    assert drain("cpu") == []


def test_every_registered_sweep_runs_and_one_failing_does_not_stop_the_rest(
    settings: Any,
) -> None:
    here = "tests.django.test_sweep"
    settings.PLATFORM_SWEEPS = [f"{here}.broken", f"{here}.count_three"]
    out = StringIO()
    call_command("sweep", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{here}.broken: error: RuntimeError",
        f"{here}.count_three: 3",
    ]


def test_the_ledger_sweep_is_registered(settings: Any) -> None:
    assert "ingestion.sweep.requeue_stalled" in settings.PLATFORM_SWEEPS


def test_only_one_sweeper_at_a_time(settings: Any) -> None:
    settings.PLATFORM_SWEEPS = ["tests.django.test_sweep.count_three"]
    counted.clear()
    with sweeps.sweep_lock() as first:
        assert first
        assert sweeps.run_once() is None  # another sweeper holds the lock
    assert sweeps.run_once() == {"tests.django.test_sweep.count_three": 3}
    assert counted == [3]


def test_a_lock_left_by_this_process_after_a_failed_release_is_taken_again(
    settings: Any,
) -> None:
    """Redis went away mid-sweep: the release failed and Redis kept the key. The same worker
    must sweep again at once, not wait out the time-to-live."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the lock is a Redis key only with the Redis broker")
    from platform_site.readiness import _redis

    client = _redis()
    client.set(sweeps.LOCK_KEY, f"{socket.gethostname()}:{os.getpid()}", ex=300)
    settings.PLATFORM_SWEEPS = ["tests.django.test_sweep.count_three"]
    assert sweeps.run_once() == {"tests.django.test_sweep.count_three": 3}
    client.set(sweeps.LOCK_KEY, "other-host:1", ex=300)
    assert sweeps.run_once() is None  # another process's lock holds
    client.delete(sweeps.LOCK_KEY)
