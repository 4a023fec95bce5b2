"""The database (a PostgreSQL of the test's own) stopped for a few seconds while a task runs:
the task's database error is temporary, Celery retries it with backoff, the retry (the same
task id) takes over the lease the failed run could not release, and the object ends done.

Everything here runs in processes of its own against that server: ``manage.py`` to migrate
and upload, a real worker; the test's own database is not involved."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.django_process import clean_env, manage
from tests.faults.conftest import FaultWorker, OwnPostgres, wait_for

pytestmark = pytest.mark.services

UPLOAD = """
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
user = get_user_model().objects.create_user("dana", password="x-long-pass-1")
client = Client(SERVER_NAME="localhost")
client.force_login(user)
answer = client.post("/api/uploads", {"file": SimpleUploadedFile("sales.csv", b"d,n\\n1,2\\n")})
print(answer.status_code, answer.json()["id"])
"""
STATE = """
import json
from ingestion.models import StoredObject
row = StoredObject.objects.values("status", "reason", "attempts", "lease_holder").get()
print(json.dumps(row))
"""


def state(env: dict[str, str]) -> dict[str, Any] | None:
    done = manage(env, "shell", "-c", STATE)
    if done.returncode != 0:
        return None  # the database is still starting
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def test_a_task_survives_the_database_stopping_for_a_few_seconds(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    marker = tmp_path / "paused"
    env = clean_env(tmp_path / "data", DATABASE_URL=own_postgres.url, PLATFORM_TESTING="1")
    assert manage(env, "migrate", "--noinput", timeout=180).returncode == 0
    worker = FaultWorker(
        "solo",
        {
            **env,
            "PLATFORM_PAUSE_AT": "profile:2",
            "PLATFORM_PAUSE_MARKER": str(marker),
            "SWEEP_SECONDS": "1",
        },
        tmp_path / "worker.log",
        inherit=False,
    )
    worker.log.touch()
    worker.start()
    try:
        uploaded = manage(env, "shell", "-c", UPLOAD)
        assert uploaded.stdout.splitlines()[-1].startswith("201 "), uploaded.stderr
        wait_for(marker.exists, 60, "the profile task to start")
        own_postgres.stop()  # the task wakes up to a database that is gone
        time.sleep(4)
        own_postgres.start()
        row = wait_for(
            lambda: (found := state(env)) and found["status"] == "done" and found, 90, "done"
        )
    finally:
        worker.stop()
    assert row["attempts"] == 2 and row["lease_holder"] == ""
    assert "retry: Retry in" in worker.log.read_text()  # Celery's autoretry, not a hand loop
