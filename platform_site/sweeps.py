"""The periodic sweep: every function named in ``PLATFORM_SWEEPS`` (dotted paths; each returns
how many things it did), run by one worker at a time every ``SWEEP_SECONDS``.

The worker's main process starts the timer (``platform_site.celery``, at ``worker_ready``, like
the heartbeat); ``manage.py sweep`` runs it once. One sweeper at a time: a Redis key set with
NX and a time-to-live when the broker is Redis (workers on several hosts), else an exclusive
``flock`` beside the embedded broker's queue (one host by construction).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
LOCK_KEY = "platform:sweep-lock"


def sweeps() -> list[tuple[str, Callable[[], int]]]:
    return [(path, import_string(path)) for path in settings.PLATFORM_SWEEPS]


def run_all() -> dict[str, int | str]:
    """Run every sweep once; one that raises is reported by the kind of error, the rest go on."""
    report: dict[str, int | str] = {}
    for path, sweep in sweeps():
        try:
            report[path] = int(sweep())
        except Exception as exc:
            log.exception("sweep %s failed", path)
            report[path] = f"error: {type(exc).__name__}"
    return report


_in_process = threading.Lock()


@contextmanager
def sweep_lock() -> Iterator[bool]:
    """True while this process is the only sweeper; False when another one is sweeping."""
    if not _in_process.acquire(blocking=False):
        yield False
        return
    try:
        with _across_processes() as got:
            yield got
    finally:
        _in_process.release()


@contextmanager
def _across_processes() -> Iterator[bool]:
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        from platform_site.readiness import _redis

        client = _redis()
        me = f"{socket.gethostname()}:{os.getpid()}"
        ttl = max(settings.SWEEP_SECONDS * 5, 30)
        # Ours already when an earlier release failed (Redis went away mid-sweep and kept the
        # key): this process takes it again rather than waiting out the time-to-live.
        got = bool(client.set(LOCK_KEY, me, nx=True, ex=ttl)) or (
            client.get(LOCK_KEY) == me.encode() and bool(client.expire(LOCK_KEY, ttl))
        )
        try:
            yield got
        finally:
            if got and client.get(LOCK_KEY) == me.encode():
                client.delete(LOCK_KEY)
        return
    path = Path(settings.BROKER_DIR) / "sweep.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_once() -> dict[str, int | str] | None:
    """Run the sweeps unless another process is sweeping (None then)."""
    with sweep_lock() as mine:
        if not mine:
            log.info("sweep skipped: another process is sweeping")
            return None
        return run_all()


def start_sweeper() -> threading.Thread:
    """A daemon thread sweeping now and then every SWEEP_SECONDS until the process ends."""

    def loop() -> None:
        while True:
            try:
                report = run_once()
                if report and any(report.values()):
                    log.info("sweep: %s", report)
            except Exception as exc:  # the broker or database may be down for a while
                log.warning("sweep not run: %s", type(exc).__name__)
            finally:
                # No connection held between sweeps: the pool forks its children from this
                # process, and a child must not inherit a live database socket.
                connections.close_all()
            time.sleep(settings.SWEEP_SECONDS)

    thread = threading.Thread(target=loop, name="sweeper", daemon=True)
    thread.start()
    return thread
