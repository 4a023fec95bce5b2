"""The ledger's part of the periodic sweep (``platform_site.sweeps`` runs every function named in
``PLATFORM_SWEEPS``): work that would otherwise wait forever is sent again.

- rows ``received`` but never enqueued (the broker was down when they arrived: the upload
  answered success and left them here), or enqueued ``SWEEP_REQUEUE_SECONDS`` ago and never
  started (a message a worker had prefetched when Redis went away stays unacked until the
  visibility timeout, 40 minutes by default). A message sent twice is harmless: the claim
  lets one run, the other finds the object taken or done;
- rows ``processing`` whose lease is over (expired, or its holder's process or host is dead:
  a worker's main process killed with the embedded broker loses its message, and Redis gives
  it back only after the visibility timeout): released to ``received`` and enqueued again, or
  ``failed`` with the reason once they had ``TASK_MAX_ATTEMPTS`` starts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ingestion import leases
from ingestion.dispatch import enqueue
from ingestion.models import Status, StoredObject

log = logging.getLogger(__name__)
BATCH = 500


def requeue_stalled() -> int:
    """Enqueue stalled rows and take over leases that are over; how many were sent or failed."""
    return _release_orphans() + _enqueue_waiting()


def _enqueue_waiting() -> int:
    now = timezone.now()
    grace = timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    waiting = StoredObject.objects.filter(
        Q(enqueued_at__isnull=True, updated_at__lt=now - grace)
        | Q(enqueued_at__lt=now - timedelta(seconds=settings.SWEEP_REQUEUE_SECONDS)),
        status=Status.RECEIVED,
        deleted_at__isnull=True,
    ).order_by("pk")[:BATCH]
    sent = 0
    for obj in waiting:
        if not enqueue(obj):
            break  # the broker is still down: the next sweep tries again
        sent += 1
    if sent:
        log.info("sweep: %s waiting object(s) enqueued", sent)
    return sent


def _release_orphans() -> int:
    count = 0
    for obj in StoredObject.objects.filter(status=Status.PROCESSING, deleted_at__isnull=True)[
        :BATCH
    ]:
        why = leases.why_over(obj.lease_holder, obj.lease_since)
        if not why:
            continue
        still = StoredObject.objects.filter(
            pk=obj.pk,
            status=Status.PROCESSING,
            lease_holder=obj.lease_holder,
            lease_since=obj.lease_since,
        )
        if obj.attempts >= leases.max_attempts():
            reason = leases.stopped_reason(obj.attempts)
            if still.update(
                status=Status.FAILED,
                reason=reason,
                lease_holder="",
                lease_since=None,
                updated_at=timezone.now(),
            ):
                log.warning("sweep: object %s failed: %s (%s)", obj.pk, reason, why)
                count += 1
            continue
        if still.update(
            status=Status.RECEIVED,
            lease_holder="",
            lease_since=None,
            enqueued_at=None,
            updated_at=timezone.now(),
        ):
            log.warning("sweep: object %s taken back from %s (%s)", obj.pk, obj.lease_holder, why)
            obj.refresh_from_db()
            count += 1 if enqueue(obj) else 0
    return count
