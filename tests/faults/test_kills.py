"""SIGKILL mid-task: of a worker's pool child (the worker requeues the message, the same task
id comes back and takes the lease over at once) and of the worker's main process (solo pool,
where it runs the task itself, and prefork: the restarted worker's sweep finds the holder's
process gone; the embedded broker had already dropped the message, Redis keeps it unacked
until the visibility timeout, when it finds the object done). Each object
ends done exactly once: one outcome, its attempts counted."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from chats.models import ChatExport
from datasets.models import Dataset
from gallery.models import Photo
from ingestion.models import Status, StoredObject
from tests.factories.gallery import photo_bytes
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CHAT = "01/03/2024, 10:00 - Bob: hi\n01/03/2024, 10:01 - Ana: hello\n02/03/2024, 09:00 - Bob: yo\n"
KINDS: dict[str, tuple[str, bytes, type[models.Model]]] = {
    "thumbnail": ("holiday.jpg", photo_bytes((800, 600)), Photo),
    "silver": ("WhatsApp Chat with Bob.txt", CHAT.encode(), ChatExport),
    "profile": ("sales.csv", b"day,amount\n2024-01-01,3\n2024-01-02,4\n", Dataset),
}


def upload(client: Any, name: str, data: bytes) -> StoredObject:
    response = client.post("/api/uploads", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 201, response.content
    return StoredObject.objects.get(pk=response.json()["id"])


def paused_pid(marker: Path) -> int:
    line = wait_for(lambda: marker.exists() and marker.read_text(), 60, "the task to pause")
    return int(line.split()[1])


def finished(obj: StoredObject) -> StoredObject | None:
    obj.refresh_from_db()
    return obj if obj.is_final else None


CASES = [
    *((step, victim) for victim in ("pool child", "main process") for step in KINDS),
    # A prefork worker's main process: its pool children die with it (billiard's parent-death
    # signal), and the restarted worker's sweep finds the holder's process gone.
    ("thumbnail", "prefork main process"),
]


@pytest.mark.parametrize(("step", "victim"), CASES)
def test_a_killed_worker_s_task_ends_done_exactly_once(
    workers: Any, owner_client: Any, tmp_path: Path, step: str, victim: str
) -> None:
    name, data, made = KINDS[step]
    marker = tmp_path / "paused"
    env = {"PLATFORM_PAUSE_AT": f"{step}:120", "PLATFORM_PAUSE_MARKER": str(marker)}
    pool = "solo" if victim == "main process" else "prefork"
    if victim == "pool child":
        # No sweep after the first: only the message itself, requeued by the worker when it
        # sees the child lost, can take the lease over (its task id is the holder's).
        env["SWEEP_SECONDS"] = "3600"
    first = workers(pool, **env)
    obj = upload(owner_client, name, data)
    pid = paused_pid(marker)
    obj.refresh_from_db()
    assert obj.status == Status.PROCESSING and obj.attempts == 1
    if victim == "pool child":
        assert pid != first.pid
        os.kill(pid, signal.SIGKILL)  # the worker's main process lives on and forks anew
    else:
        assert pid == first.pid or victim == "prefork main process"
        first.kill()
        workers(pool, **env)  # a worker restarted (as runplatform or ECS would)

    wait_for(lambda: finished(obj), 60, f"the {step} task after the kill")
    assert obj.status == Status.DONE, obj.reason
    assert obj.attempts == 2
    assert obj.lease_holder == ""
    assert made._default_manager.filter(source=obj).count() == 1
