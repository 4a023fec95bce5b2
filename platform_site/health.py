"""Health: ``/healthz``, a cheap anonymous liveness answer for load balancers, and
``/healthz/ready``, a readiness report for staff (broker, database, storage, the workers'
heartbeat, stuck work) that names no paths and echoes no exception text.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from ingestion import storage
from platform_site import readiness
from platform_site.celery import app as celery_app

LIVENESS_PATH = "/healthz"
# A worker that has not beaten for this long is reported down.
HEARTBEAT_STALE_SECONDS = readiness.HEARTBEAT_STALE_SECONDS


class LivenessMiddleware:
    """Answers ``/healthz`` before anything else runs: the load balancer probes each task by
    its IP (a Host that ALLOWED_HOSTS rightly refuses) over plain HTTP (which SECURE_PROXY would
    redirect). It touches no database, disk or broker: it says the process answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            return liveness(request)
        return self.get_response(request)


@login_not_required
def liveness(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _storage() -> None:
    # A uniquely named object per probe: concurrent probes never touch each other's.
    storage.probe()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "broker": _broker,
    "storage": _storage,
}


def _run(check: Callable[[], None]) -> dict[str, object]:
    started = time.monotonic()
    try:
        check()
        entry: dict[str, object] = {"ok": True}
    except Exception as exc:
        # The kind of failure, never its text: that can hold paths, hosts or credentials.
        entry = {"ok": False, "error": type(exc).__name__}
    entry["ms"] = round((time.monotonic() - started) * 1000, 1)
    return entry


@login_not_required
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": "authentication required"}, status=401)
    if not request.user.is_staff:
        return JsonResponse({"error": "staff only"}, status=403)
    report = {name: _run(check) for name, check in CHECKS.items()}
    try:
        age = readiness.worker_heartbeat()
        report["worker"] = {
            "ok": age is not None and age <= HEARTBEAT_STALE_SECONDS,
            "last_heartbeat_seconds": age,
        }
    except Exception as exc:
        report["worker"] = {"ok": False, "error": type(exc).__name__}
    try:
        stuck = readiness.stuck_counts()
        report["work"] = {"ok": not any(stuck.values()), **stuck}
    except Exception as exc:
        report["work"] = {"ok": False, "error": type(exc).__name__}
    healthy = all(entry["ok"] for entry in report.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": report},
        status=200 if healthy else 503,
    )
