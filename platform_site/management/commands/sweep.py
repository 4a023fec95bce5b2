"""Run the periodic sweep once (what the worker's timer runs every SWEEP_SECONDS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from platform_site.sweeps import run_once


class Command(BaseCommand):
    help = "Run every sweep in PLATFORM_SWEEPS once: stalled uploads, orphaned leases, …"

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_once()
        if report is None:
            self.stdout.write("Another process is sweeping; nothing done.")
            return
        for path, count in report.items():
            self.stdout.write(f"{path}: {count}")
