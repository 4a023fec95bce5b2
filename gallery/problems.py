"""Photo uploads the gallery shows above the photos: those still being processed (placeholders
that fill in), and those that failed or were rejected (the problems card, until dismissed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce

from gallery.models import ProblemsDismissal
from ingestion.models import Status, StoredObject
from ingestion.routing import Kind

PROCESSING_LIMIT = 60
PROBLEMS_SHOWN = 20
_WAITING = (Status.UPLOADING, Status.RECEIVED, Status.PROCESSING)
_PROBLEMS = (Status.REJECTED, Status.FAILED)
_EVER = datetime(1970, 1, 1, tzinfo=UTC)


def _photo_uploads(user: Any) -> QuerySet[StoredObject]:
    return StoredObject.objects.owned_by(user).filter(kind=Kind.PHOTO, deleted_at=None)


def processing_for(user: Any) -> tuple[list[StoredObject], bool]:
    """Uploads still on their way (newest first), and whether there are more than shown."""
    rows = list(
        _photo_uploads(user)
        .filter(status__in=_WAITING)
        .order_by("-created_at", "-id")[: PROCESSING_LIMIT + 1]
    )
    return rows[:PROCESSING_LIMIT], len(rows) > PROCESSING_LIMIT


@dataclass
class Problems:
    rows: Sequence[StoredObject] = ()  # the newest, at most PROBLEMS_SHOWN
    total: int = 0
    until: datetime | None = None  # when the newest was recorded: what "Dismiss" dismisses

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def problems_for(user: Any) -> Problems:
    """Failed and rejected photo uploads recorded since the owner last dismissed the card (one
    query: the total rides along on each row)."""
    dismissed = ProblemsDismissal.objects.filter(owner_id=OuterRef("owner_id")).values("until")
    rows = list(
        _photo_uploads(user)
        .filter(status__in=_PROBLEMS)
        .alias(seen=Coalesce(Subquery(dismissed[:1]), Value(_EVER)))
        .filter(updated_at__gt=F("seen"))
        .annotate(total=Window(Count("id")))
        .order_by("-updated_at", "-id")[:PROBLEMS_SHOWN]
    )
    if not rows:
        return Problems()
    return Problems(rows, rows[0].total, rows[0].updated_at)


def dismiss(user: Any, until: datetime) -> None:
    """Problems recorded up to ``until`` are not shown again."""
    ProblemsDismissal.objects.update_or_create(owner_id=user.pk, defaults={"until": until})
