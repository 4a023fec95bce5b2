"""Deleting a stored object: recorded first, then carried out.

A minimal stand-in with the interface the reliability helper owns (see CONTRACTS.md): it records
the request (``deleted_at``, which hides the object from its owner at once) and then deletes the
way the library always has, in the request: the stored file, then the row, whose cascades and
post_delete receivers take what was made from it. The reliability helper's version replaces this
module with a retried task and a sweep; callers do not change.
"""

from __future__ import annotations

from django.utils import timezone

from ingestion import storage
from ingestion.models import StoredObject


def request_delete(obj: StoredObject) -> None:
    obj.deleted_at = timezone.now()
    obj.save(update_fields=["deleted_at", "updated_at"])
    storage.delete(obj.key)
    obj.delete()
