"""One silver writer per owner: two real workers importing overlapping exports at once keep
every message, on the embedded default (SQLite + the filesystem broker) and on PostgreSQL +
Redis.

Each scenario runs two ``celery worker`` processes, stores two 100,000-message exports of one
owner whose dates overlap (different chats, so no message is shared) and waits until both
imports are done: silver must then hold all 200,000 messages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.conf import settings

from tests.benchmarks.chat_export_gen import generate
from tests.integration.conftest import ROOT, database_url
from tests.services import reachable, unavailable

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MESSAGES = 100_000


def run_driver(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.silver_race", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


class Workers:
    """Two ``celery worker`` processes (solo pool, one task each at a time) on one broker."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = [logs / f"worker-{n}.log" for n in (1, 2)]
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for n, log in enumerate(self.logs, 1):
            handle = log.open("wb")
            self.processes.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "celery", "-A", "platform_site", "worker"),
                        *("-Q", "io,cpu", "--pool", "solo", "--without-mingle"),
                        *("--without-gossip", "--loglevel", "INFO"),
                        *("-n", f"race{n}-{os.getpid()}@%h"),
                    ],
                    cwd=ROOT,
                    env=self.env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 90
        for process, log in zip(self.processes, self.logs, strict=True):
            while b"ready." not in log.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"celery worker did not start:\n{log.read_text()}")
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


def both_ran_at_once(log_text: str) -> bool:
    """Both imports were taken by a worker before either finished (log lines by time)."""
    events = sorted(
        re.findall(
            r"^(\S+ \S+) \S+ \S+: Task chats\.ingest_export\[[^\]]+\] (received|succeeded)",
            log_text,
            re.MULTILINE,
        )
    )
    return [kind for _, kind in events[:2]] == ["received", "received"]


def silver_rows(storage_root: Path, owner: int) -> tuple[int, int]:
    """(rows, distinct message ids) of the owner in the silver files on disk."""
    glob = str(storage_root / "silver" / "whatsapp" / "date=*" / "*.parquet")
    found = duckdb.execute(
        "SELECT count(*), count(DISTINCT message_id) FROM read_parquet(?, "
        "hive_partitioning = true, hive_types = {'date': 'VARCHAR'}) WHERE owner = ?",
        [glob, str(owner)],
    ).fetchone()
    assert found is not None
    return int(found[0]), int(found[1])


@pytest.fixture
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Two exports over the same dates (the generator starts every export on 1 Jan 2019)."""
    folder = tmp_path_factory.mktemp("exports")
    paths = []
    for name, seed in (("Anna", 1), ("Bruno", 2)):
        path = folder / f"{name}.txt"
        path.write_bytes(generate(MESSAGES, seed=seed))
        paths.append(f"{name}={path}")
    return paths


@pytest.fixture(params=["embedded", "postgres+redis"])
def scenario(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of the workers and the driver, with a DATA_DIR of their own."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    env.pop("CI", None)  # the workers are app code, not tests
    if request.param == "embedded":
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'db.sqlite3'}"
        env.pop("REDIS_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    else:
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            unavailable("PostgreSQL", "DATABASE_URL names no PostgreSQL database")
        if not settings.CELERY_BROKER_URL.startswith("redis") or not reachable(
            settings.CELERY_BROKER_URL, 6379
        ):
            unavailable("Redis", "REDIS_URL")
        # The session's own worker consumes the same queues: it must not take these tasks.
        request.getfixturevalue("_worker_manager").stop()
        env["DATABASE_URL"] = database_url()
        env["REDIS_URL"] = settings.CELERY_BROKER_URL
    env["SCENARIO"] = request.param
    yield env


def test_two_workers_importing_overlapping_exports_keep_every_message(
    scenario: dict[str, str], exports: list[str], tmp_path: Path
) -> None:
    workers = Workers(scenario, tmp_path)
    workers.start()
    try:
        uploaded = run_driver(scenario, "upload", *exports)
        ids = [str(i) for i in uploaded["ids"]]
        deadline = time.monotonic() + 240
        while True:
            status = run_driver(scenario, "status", *ids)
            if all(state in ("done", "failed", "rejected") for state, _ in status.values()):
                break
            assert time.monotonic() < deadline, f"imports did not finish: {status}"
            time.sleep(1)
        log_text = workers.text()
    finally:
        workers.stop()
    assert all(state == "done" for state, _ in status.values()), status
    assert both_ran_at_once(log_text), log_text[-4000:]
    storage_root = Path(scenario["DATA_DIR"]) / "storage"
    assert silver_rows(storage_root, uploaded["owner"]) == (2 * MESSAGES, 2 * MESSAGES)
