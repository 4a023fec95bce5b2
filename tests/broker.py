"""Read what was really enqueued on the configured broker (filesystem or Redis): no mocks."""

from __future__ import annotations

from typing import Any

from platform_site.celery import app


def purge(*queues: str) -> None:
    with app.connection_for_write() as conn:
        for name in queues:
            conn.SimpleQueue(name).clear()


def drain(queue: str) -> list[tuple[str, list[Any]]]:
    """(task name, args) of every message waiting on ``queue``, removing them."""
    found = []
    with app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        while True:
            try:
                message = simple.get(block=True, timeout=0.2)
            except simple.Empty:
                break
            args = message.payload[0] if isinstance(message.payload, list) else []
            found.append((str(message.headers.get("task")), list(args)))
            message.ack()
        simple.close()
    return found
