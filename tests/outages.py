"""Real outages for tests: a broker that refuses connections, a directory that refuses writes.

Nothing here mocks: the app's Celery really connects to a closed port, and the storage really
writes to a read-only directory (chmod for a normal user; a read-only bind mount for root,
whom permissions do not stop).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from platform_site.celery import app
from tests.services import free_port, unavailable


def _reset_broker_pools() -> None:
    # Celery keeps the connections made for the old URL; what app._after_fork() clears.
    app.__dict__["_pool"] = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp.__dict__["_producer_pool"] = None


@contextmanager
def web_broker(url: str) -> Iterator[None]:
    """This test process (the web app) sends its tasks to ``url``."""
    saved = (app.conf.broker_url, app.conf.broker_write_url)
    app.conf.update(broker_url=url, broker_write_url=url)
    _reset_broker_pools()
    try:
        yield
    finally:
        app.conf.update(broker_url=saved[0], broker_write_url=saved[1])
        _reset_broker_pools()


@contextmanager
def broker_down() -> Iterator[None]:
    """The app's broker is a Redis URL on a port nobody listens on."""
    with web_broker(f"redis://127.0.0.1:{free_port()}/0"):
        yield


@contextmanager
def read_only_directory(path: Path) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    steps = (
        ["mount", "--bind", str(path), str(path)],
        ["mount", "-o", "remount,ro,bind", str(path)],
    )
    for step in steps:
        if subprocess.run(step, capture_output=True).returncode != 0:
            subprocess.run(["umount", str(path)], capture_output=True)
            unavailable("a read-only bind mount", "root without CAP_SYS_ADMIN cannot mount")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)
