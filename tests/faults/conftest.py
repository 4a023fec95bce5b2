"""Real processes for the fault suite: Celery workers started (and killed) by the test, and
servers of the test's own (redis-server on a free port) that the test may stop. The machine's
own services are never stopped: every process killed here was started here.

Workers share DATA_DIR (files, the embedded broker) and the test database with the test
process; each runs with PLATFORM_TESTING, a fast sweep, and optionally a pause point
(``ingestion.jobs.pause_point``) so a kill lands mid-task.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.broker import purge
from tests.integration.conftest import ROOT, database_url, wait_for
from tests.services import free_port, in_ci, reachable, unavailable

__all__ = ["FaultWorker", "OwnRedis", "wait_for"]


class FaultWorker:
    """One ``celery worker`` process: ``prefork`` (one pool child runs the task) or ``solo``
    (the main process runs it)."""

    def __init__(self, pool: str, env: dict[str, str], log: Path, *, inherit: bool = True) -> None:
        """``env`` adds to this test process's environment and database, or with ``inherit``
        false is the whole environment (a worker of services of its own)."""
        self.pool, self.env, self.log, self.inherit = pool, env, log, inherit
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> FaultWorker:
        full = {"PLATFORM_TESTING": "1", **self.env}
        if self.inherit:
            full = {**os.environ, "DATABASE_URL": database_url(), **full}
        full.pop("CI", None)  # the worker is app code, not a test
        pool = ["--pool", "solo"] if self.pool == "solo" else ["--pool", "prefork", "-c", "1"]
        handle = self.log.open("ab")
        offset = self.log.stat().st_size
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "platform_site", "worker"),
                *("-Q", "io,cpu", *pool, "--without-mingle", "--without-gossip"),
                *("--loglevel", "INFO", "-n", f"fault-{uuid.uuid4().hex[:8]}@%h"),
            ],
            cwd=ROOT,
            env=full,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the pool children too
        )
        deadline = time.monotonic() + 60
        while b"ready." not in self.log.read_bytes()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("celery worker did not start:\n" + self.log.read_text())
            time.sleep(0.1)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """The test is over: end this worker's process group (its main process and children)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Any]:
    """``start(pool, **env)``: a worker; all of them stopped (or killed) at the end."""
    if settings.CELERY_BROKER_URL.startswith("redis") and not reachable(
        settings.CELERY_BROKER_URL, 6379
    ):
        unavailable("Redis", settings.CELERY_BROKER_URL)
    purge("io", "cpu")
    started: list[FaultWorker] = []
    log = tmp_path / "workers.log"
    log.touch()

    def start(pool: str = "prefork", **env: str) -> FaultWorker:
        base = {"SWEEP_SECONDS": "1", "SWEEP_GRACE_SECONDS": "0"}
        worker = FaultWorker(pool, {**base, **env}, log).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    purge("io", "cpu")


class OwnRedis:
    """A redis-server of the test's own on a free port, persisting every write (appendfsync
    always) so stopping and starting it loses nothing, as a managed Redis would not."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always"),
                *("--save", ""),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: reachable(self.url, self.port), 10, "redis-server to listen")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        if in_ci():
            pytest.fail("redis-server is missing; CI must run the fault suite", pytrace=False)
        pytest.skip("redis-server is not installed on this machine")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class OwnPostgres:
    """A PostgreSQL server of the test's own (initdb in a temp dir, a free port), which the test
    may stop and start; never the machine's. As root it runs as the ``postgres`` user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="fault-pg-"))
        self.port = free_port()
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._as_owner(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "root")

    @property
    def url(self) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_owner(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.folder / "log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and shutil.which("runuser") is None):
        if in_ci():
            pytest.fail(f"PostgreSQL binaries are missing in {PG_BIN}; CI must run this test")
        pytest.skip(f"PostgreSQL binaries are not in {PG_BIN} (set PG_BIN); skipped here")
    server = OwnPostgres()
    server.start()
    yield server
    server.remove()
