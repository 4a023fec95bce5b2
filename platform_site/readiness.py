"""What the staff readiness report reads beyond the services: is a worker alive, is work stuck.

The worker records a heartbeat every HEARTBEAT_SECONDS (platform_site.celery starts the timer
in its main process) on the broker it serves: a key with a time-to-live on Redis, a file's
modification time beside the embedded broker's queue. ``stuck_counts`` reads the ledger.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15
# A worker that has not beaten for this long is down (readiness; leases held on its host end).
HEARTBEAT_STALE_SECONDS = HEARTBEAT_SECONDS * 4
HEARTBEAT_KEY = "platform:worker-heartbeat:"
# Received but not enqueued, or enqueued but not started, for this long: the sweep's business.
LONG_QUEUED = timedelta(minutes=10)


def _heartbeat_dir() -> Path:
    return Path(settings.BROKER_DIR) / "heartbeats"


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)


def record_heartbeat(name: str) -> None:
    """Say that worker ``name`` is alive now."""
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        _redis().set(HEARTBEAT_KEY + name, str(time.time()), ex=HEARTBEAT_SECONDS * 8)
        return
    folder = _heartbeat_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).touch()


def heartbeats() -> dict[str, float]:
    """Seconds since each worker's (``<host>-<pid>``) last heartbeat."""
    now = time.time()
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        client = _redis()
        found = {}
        for key in client.scan_iter(HEARTBEAT_KEY + "*", count=100):
            value = client.get(key)
            if value:
                name = key.decode() if isinstance(key, bytes) else str(key)
                found[name.removeprefix(HEARTBEAT_KEY)] = float(value)
    else:
        folder = _heartbeat_dir()
        entries = list(folder.iterdir()) if folder.is_dir() else []
        found = {entry.name: entry.stat().st_mtime for entry in entries}
    return {name: round(now - beat, 1) for name, beat in found.items()}


def worker_heartbeat() -> float | None:
    """Seconds since the most recent heartbeat of any worker, or None if none was ever seen."""
    ages = heartbeats().values()
    return min(ages) if ages else None


def host_heartbeat(host: str) -> float | None:
    """Seconds since the most recent heartbeat of a worker on ``host`` (None: never seen)."""
    ages = [age for name, age in heartbeats().items() if name.rpartition("-")[0] == host]
    return min(ages) if ages else None


def start_heartbeat() -> threading.Thread:
    """A daemon thread recording this process's heartbeat until the process ends."""
    name = f"{socket.gethostname()}-{os.getpid()}"

    def beat() -> None:
        while True:
            try:
                record_heartbeat(name)
            except Exception as exc:  # the broker may be down for a while; keep trying
                log.warning("heartbeat not recorded: %s", type(exc).__name__)
            time.sleep(HEARTBEAT_SECONDS)

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    return thread


def stuck_counts() -> dict[str, int]:
    """Ledger rows waiting too long: received and never enqueued, enqueued and never started,
    processing for longer than a task may run."""
    from ingestion.models import Status, StoredObject

    now = timezone.now()
    rows = StoredObject.objects
    running_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return {
        "received_not_enqueued": rows.filter(
            status=Status.RECEIVED, enqueued_at__isnull=True, created_at__lt=now - LONG_QUEUED
        ).count(),
        "queued_long": rows.filter(
            status=Status.RECEIVED, enqueued_at__lt=now - LONG_QUEUED
        ).count(),
        "processing_too_long": rows.filter(
            Q(lease_since__lt=now - running_limit)
            | Q(lease_since__isnull=True, updated_at__lt=now - running_limit),
            status=Status.PROCESSING,
        ).count(),
    }
