"""The Celery app: Redis or the filesystem broker, JSON payloads of ids, late acks, two queues."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready
from kombu import Queue

from ingestion.routing import CPU_QUEUE, IO_QUEUE, QUEUES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")

app = Celery("platform_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_ignore_result=True,
    task_acks_late=True,
    # A task whose worker died is given back to the queue rather than lost.
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_queues=tuple(Queue(name) for name in QUEUES),
    task_default_queue=IO_QUEUE,
    task_routes={"gallery.*": {"queue": CPU_QUEUE}, "chats.*": {"queue": CPU_QUEUE}},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()


@worker_ready.connect
def _start_heartbeat(**kwargs: Any) -> None:
    """The worker's main process says it is alive (the staff readiness report reads it, and
    leases held on its host count as alive while it beats) and runs the periodic sweep."""
    from platform_site.readiness import start_heartbeat
    from platform_site.sweeps import start_sweeper

    start_heartbeat()
    start_sweeper()
