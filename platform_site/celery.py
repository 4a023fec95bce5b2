"""The Celery app: Redis or the filesystem broker, JSON payloads of ids, late acks, two queues."""

from __future__ import annotations

import os

from celery import Celery
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
