"""Claims on objects are leases: who holds one (``<host>:<pid>:<task id>``), since when, and
how many times processing has started.

A claim succeeds on a ``received`` or ``failed`` row, and on a ``processing`` row whose lease
is over:

- **expired**: taken longer ago than a task may run (``CELERY_TASK_TIME_LIMIT``);
- **the same message again**: the holder's task id is the claimant's. A broker hands a message
  out again only when the run that had it is over (a killed pool child's message is requeued
  by the worker; Redis restores a dead worker's unacked messages; a retry keeps its id), so
  the holder is dead. This works on every transport, unlike ``delivery_info['redelivered']``,
  which the filesystem transport never sets;
- **a dead holder**: its pid is gone on this host, or its host has no fresh worker heartbeat
  (``platform_site.readiness``): a worker's main process killed on another machine.

Taking over a lease that already had ``TASK_MAX_ATTEMPTS`` starts fails the row with the
reason instead, and a task message arriving late for such a row (Redis restores a dead worker's
messages after the visibility timeout) does not start it again; a person's reprocessing
(holder task ``manual``) does, with a fresh count. Only the holder records an outcome
(``finish``): a run that lost its lease records nothing, so each object ends with one outcome.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ingestion.models import Status, StoredObject

log = logging.getLogger(__name__)


def max_attempts() -> int:
    return int(getattr(settings, "TASK_MAX_ATTEMPTS", 3))


def holder_for(task_id: str | None) -> str:
    """``<host>:<pid>:<task id>`` of this process (``manual`` for work run by a command)."""
    return f"{socket.gethostname()}:{os.getpid()}:{task_id or 'manual'}"


def parse(holder: str) -> tuple[str, int, str] | None:
    """(host, pid, task id), or None for an empty or foreign holder."""
    host, sep, rest = holder.partition(":")
    pid, sep2, task_id = rest.partition(":")
    if not (sep and sep2 and pid.isdigit()):
        return None
    return host, int(pid), task_id


def pid_alive(pid: int, since: datetime | None = None) -> bool:
    """Is process ``pid`` running, and (when the system says) the one that was running at
    ``since``? A process started later reuses the pid of a dead holder (a restarted container
    with a fixed host name counts its pids from 1 again)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: running
    started = process_started(pid)
    return started is None or since is None or started <= since.timestamp() + 1


def process_started(pid: int) -> float | None:
    """When ``pid`` started (seconds since the epoch), from Linux's /proc; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def host_alive(host: str) -> bool:
    """Does any worker on ``host`` still beat? (True when heartbeats cannot be read.)"""
    from platform_site.readiness import HEARTBEAT_STALE_SECONDS, host_heartbeat

    try:
        age = host_heartbeat(host)
    except Exception as exc:  # the broker is down: do not declare anyone dead for it
        log.warning("heartbeats unreadable (%s); leases on %s are kept", type(exc).__name__, host)
        return True
    return age is not None and age <= HEARTBEAT_STALE_SECONDS


def why_over(holder: str, since: Any, claimant: str = "") -> str:
    """Why the lease ``holder`` took at ``since`` may be taken over, or "" while it holds."""
    if since is None or since < timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT):
        return "expired"
    held = parse(holder)
    if held is None:
        return "no holder"
    host, pid, task_id = held
    mine = parse(claimant)
    if mine is not None and task_id not in ("", "manual") and task_id == mine[2]:
        return "redelivered"
    if host == socket.gethostname():
        return "" if pid_alive(pid, since) else "holder's process is gone"
    return "" if host_alive(host) else "holder's host has no heartbeat"


def stopped_reason(attempts: int) -> str:
    return f"Stopped after {attempts} attempts: the worker was killed or ran out of time."


def claim(obj: StoredObject, holder: str) -> bool:
    """Take ``obj`` for processing as ``holder``; False if a live lease holds it (or the row
    just failed for too many attempts). ``obj`` is updated on success."""
    rows = StoredObject.objects.filter(pk=obj.pk)
    current = rows.values("status", "lease_holder", "lease_since", "attempts").first()
    if current is None:
        return False
    manual = holder.endswith(":manual")  # a person's command: a fresh count of attempts
    fresh = False
    if current["status"] == Status.FAILED and not manual:
        if current["attempts"] >= max_attempts():
            return False  # a stale message (Redis gives one back late) does not start it again
        still = Q(status=Status.FAILED)
    elif current["status"] in (Status.RECEIVED, Status.FAILED):
        still = Q(status=current["status"])
        fresh = current["status"] == Status.FAILED
    elif current["status"] == Status.PROCESSING:
        why = why_over(current["lease_holder"], current["lease_since"], holder)
        if not why:
            return False
        still = Q(
            status=Status.PROCESSING,
            lease_holder=current["lease_holder"],
            lease_since=current["lease_since"],
        )
        if current["attempts"] >= max_attempts():
            reason = stopped_reason(current["attempts"])
            if rows.filter(still).update(
                status=Status.FAILED,
                reason=reason,
                lease_holder="",
                lease_since=None,
                updated_at=timezone.now(),
            ):
                log.warning("object %s failed: %s (%s)", obj.pk, reason, why)
                obj.status, obj.reason = Status.FAILED, reason
            return False
        log.warning("object %s: taking over from %s (%s)", obj.pk, current["lease_holder"], why)
    else:
        return False
    now = timezone.now()
    taken = rows.filter(still).update(
        status=Status.PROCESSING,
        reason="",
        lease_holder=holder,
        lease_since=now,
        attempts=1 if fresh else F("attempts") + 1,
        updated_at=now,
    )
    if taken:
        obj.status, obj.reason = Status.PROCESSING, ""
        obj.lease_holder, obj.lease_since = holder, now
        obj.attempts = 1 if fresh else current["attempts"] + 1
    return bool(taken)


def finish(obj: StoredObject, status: str, reason: str = "", **also: Any) -> bool:
    """Record the outcome (and the columns in ``also``) and end the lease, only while ``obj``'s
    holder still holds it."""
    updated = StoredObject.objects.filter(
        pk=obj.pk, status=Status.PROCESSING, lease_holder=obj.lease_holder
    ).update(
        status=status,
        reason=reason,
        lease_holder="",
        lease_since=None,
        updated_at=timezone.now(),
        **also,
    )
    if not updated:
        log.warning("object %s: lease taken over; %s records nothing", obj.pk, obj.lease_holder)
        return False
    obj.status, obj.reason, obj.lease_holder, obj.lease_since = status, reason, "", None
    return True
