"""Start every process of the platform and keep them running (``make run``).

The web app (gunicorn), a Celery worker for the ``io`` and ``cpu`` queues, and the SQS consumer
when SQS_QUEUE_URL is set: the table in ``processes()``; add a process there and it is
supervised like the others. A process that dies is restarted with backoff while the others go
on; one that keeps failing right after it starts stops everything, saying why
(platform_site/supervisor.py). Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from platform_site.env import env_int, env_str
from platform_site.supervisor import Program, Supervisor


def processes() -> list[Program]:
    """What runplatform runs: the same commands as the container's (deploy/Dockerfile)."""
    python = sys.executable
    bin_dir = os.path.dirname(python)
    table = [
        Program(
            "web",
            [
                os.path.join(bin_dir, "gunicorn"),
                "--config",
                "python:platform_site.gunicorn",
                "platform_site.wsgi",
            ],
        ),
        Program(
            "worker",
            [
                os.path.join(bin_dir, "celery"),
                "-A",
                "platform_site",
                "worker",
                "-Q",
                "io,cpu",
                "--concurrency",
                str(env_int("WORKER_CONCURRENCY", 2, minimum=1)),
                "--loglevel",
                "INFO",
            ],
        ),
    ]
    if settings.SQS_QUEUE_URL:
        table.append(Program("events", [python, "manage.py", "consume_events"]))
    return table


class Command(BaseCommand):
    help = "Run and supervise the web app, a Celery worker and (with SQS_QUEUE_URL) the consumer."

    def handle(self, *args: Any, **options: Any) -> None:
        port = env_int("PORT", 8000, minimum=1)
        host = env_str("HOST", "127.0.0.1")
        table = processes()

        def say(message: str) -> None:
            self.stderr.write(message)
            self.stderr.flush()

        self.stdout.write(
            f"Personal data platform at http://{host}:{port}/ "
            f"({', '.join(p.name for p in table)} running; Ctrl-C stops everything)"
        )
        self.stdout.flush()
        code = Supervisor(table, say=say).run()
        if code:
            raise CommandError("stopped after repeated failures", returncode=code)
        self.stdout.write("stopped")
