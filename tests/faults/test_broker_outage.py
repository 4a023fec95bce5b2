"""The broker (a redis-server of the test's own) stopped while uploads arrive: each upload
answers success (its object is safe, its row waits), and once Redis is back the worker's sweep
enqueues what the broker never got. Every upload ends done, processed once."""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingestion import storage
from ingestion.models import Status, StoredObject
from tests.faults.conftest import OwnRedis, wait_for
from tests.outages import web_broker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def post(client: Any, name: str, data: bytes) -> Any:
    return client.post("/api/uploads", {"file": SimpleUploadedFile(name, data)})


def all_done(count: int) -> bool:
    rows = StoredObject.objects.all()
    return rows.count() == count and not rows.exclude(status=Status.DONE).exists()


def test_an_upload_while_the_broker_is_down_is_done_once_it_is_back(
    workers: Any, own_redis: OwnRedis, owner_client: Any
) -> None:
    workers("prefork", REDIS_URL=own_redis.url, SWEEP_GRACE_SECONDS="1")
    with web_broker(own_redis.url):
        own_redis.stop()
        response = post(owner_client, "notes.pdf", b"%PDF-1.4 notes")
        assert response.status_code == 201, response.content
        obj = StoredObject.objects.get(pk=response.json()["id"])
        assert obj.status == Status.RECEIVED and obj.enqueued_at is None
        assert storage.read_bytes(obj.key) == b"%PDF-1.4 notes"
        own_redis.start()
        wait_for(lambda: all_done(1), 60, "the sweep to enqueue the waiting upload")
    obj.refresh_from_db()
    assert obj.attempts == 1 and obj.enqueued_at is not None
    assert StoredObject.objects.count() == 1  # the client had its answer: nothing to retry


def test_a_burst_of_uploads_through_a_broker_outage_all_end_done(
    workers: Any, own_redis: OwnRedis, owner_client: Any
) -> None:
    # A message the worker had prefetched when Redis went away stays unacked in Redis until the
    # visibility timeout; the sweep sends such a row again after SWEEP_REQUEUE_SECONDS.
    workers("prefork", REDIS_URL=own_redis.url, SWEEP_GRACE_SECONDS="1", SWEEP_REQUEUE_SECONDS="5")
    answers = []
    waiting = 0
    with web_broker(own_redis.url):
        for number in range(100):
            if number == 40:
                own_redis.stop()
            if number == 60:
                own_redis.start()
            response = post(owner_client, f"file-{number}.pdf", f"%PDF-1.4 {number}".encode())
            answers.append(response.status_code)
            if 40 <= number < 60 and response.status_code == 201:
                row = StoredObject.objects.get(pk=response.json()["id"])
                waiting += row.status == Status.RECEIVED and row.enqueued_at is None
        assert answers == [201] * 100
        assert waiting == 20  # each answered while Redis was down: stored, left for the sweep
        with contextlib.suppress(AssertionError):
            wait_for(lambda: all_done(100), 90, "every upload to be done")
    states = Counter(StoredObject.objects.values_list("status", flat=True))
    assert states == {Status.DONE: 100}, states
    assert set(StoredObject.objects.values_list("attempts", flat=True)) == {1}
