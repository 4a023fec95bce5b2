"""The session's shared service processes, one of each for the whole run: a Celery worker
(whichever directory's tests ask for it first, a deploy test or an integration test, get the same
one, so no second worker takes their tasks) and an OIDC provider process. Registered once, in
tests/conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.services import free_port, in_ci, reachable, unavailable

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    cfg = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{cfg['NAME']}"
    user = cfg.get("USER") or ""
    auth = f"{user}:{cfg.get('PASSWORD')}@" if cfg.get("PASSWORD") else (f"{user}@" if user else "")
    host = f"{cfg.get('HOST') or '127.0.0.1'}:{cfg.get('PORT') or 5432}"
    return f"postgresql://{auth}{host}/{cfg['NAME']}"


class Worker:
    """A real ``celery worker`` process; one runs at a time so no other takes its tasks."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.env_key: tuple[tuple[str, str], ...] = ()
        self.log = Path(settings.DATA_DIR) / "worker.log"

    def ensure(self, extra_env: dict[str, str]) -> None:
        key = tuple(sorted(extra_env.items()))
        if self.process and self.process.poll() is None and key == self.env_key:
            return
        self.stop()
        env = {**os.environ, "DATABASE_URL": database_url(), **extra_env}
        env.pop("CI", None)  # the worker is app code, not a test
        self.log.write_bytes(b"")
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "platform_site",
                "worker",
                "-Q",
                "io,cpu",
                "--pool",
                "solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        self.env_key = key
        deadline = time.monotonic() + 60
        while b"ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("celery worker did not start:\n" + self.log.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@pytest.fixture(scope="session")
def _worker_manager(django_db_setup: Any) -> Iterator[Worker]:
    if in_ci() and not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("CI must run the integration tests on Redis (REDIS_URL)", pytrace=False)
    if settings.CELERY_BROKER_URL.startswith("redis") and not reachable(
        settings.CELERY_BROKER_URL, 6379
    ):
        unavailable("Redis", settings.CELERY_BROKER_URL)
    manager = Worker()
    yield manager
    manager.stop()


def wait_for(check: Any, timeout: float = 90, what: str = "condition") -> Any:
    """Poll ``check`` until truthy. The limit is generous: the worker shares two cores with
    everything else the suite runs, and a passing test never waits it out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[str]:
    """A real OpenID Connect provider process (PyPI's oidc-provider-mock)."""
    port = free_port()
    claims = '{"sub": "alice-sub-1", "email": "alice@example.org", "name": "Alice Liddell"}'
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--user-claims", claims],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not reachable(url, port):
        if process.poll() is not None or time.monotonic() > deadline:
            unavailable("the OIDC provider process", "python -m oidc_provider_mock did not start")
        time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)
