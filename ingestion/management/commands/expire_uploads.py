"""Cancel resumable uploads nobody finished: their parts and their ``uploading`` rows go."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ingestion import multipart


class Command(BaseCommand):
    help = "Cancel resumable uploads started more than --days ago and never completed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="age in days (default 7)")

    def handle(self, *args: Any, **options: Any) -> None:
        count = multipart.expire(timedelta(days=options["days"]))
        self.stdout.write(
            f"{count} unfinished upload(s) older than {options['days']} days cancelled."
        )
