"""Start every process of the platform and stop them all together (``make run``).

The web app (gunicorn), a Celery worker for the ``io`` and ``cpu`` queues, and the SQS consumer
when SQS_QUEUE_URL is set. Ctrl-C or SIGTERM stops them all; if one dies, the others are stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from platform_site.env import env_int, env_str


class Command(BaseCommand):
    help = "Run the web app, a Celery worker and (with SQS_QUEUE_URL) the event consumer."

    def handle(self, *args: Any, **options: Any) -> None:
        port = env_int("PORT", 8000, minimum=1)
        host = env_str("HOST", "127.0.0.1")
        python = sys.executable
        bin_dir = os.path.dirname(python)
        commands = {
            "web": [
                os.path.join(bin_dir, "gunicorn"),
                "platform_site.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(env_int("WEB_WORKERS", 2, minimum=1)),
                "--threads",
                "4",
                "--timeout",
                "900",
                "--access-logfile",
                "-",
            ],
            "worker": [
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
        }
        if settings.SQS_QUEUE_URL:
            commands["events"] = [python, "manage.py", "consume_events"]
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            f"Personal data platform at http://{host}:{port}/ ({', '.join(processes)} running;"
            " Ctrl-C stops everything)"
        )
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("stopped")
