"""Storage clean-up: a deleted photo (directly, or with its ledger row) takes its derived files.

Django runs no ``Model.delete()`` on cascaded rows, so a receiver is the one place that sees
every deletion. Only files are removed here; no other rows change.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from gallery.models import Photo
from ingestion import storage


@receiver(post_delete, sender=Photo, dispatch_uid="gallery.delete_photo_files")
def delete_photo_files(sender: type[Photo], instance: Photo, **kwargs: Any) -> None:
    keys = [k for k in (instance.thumbnail_key, instance.preview_key, instance.original_key) if k]

    def remove() -> None:
        for key in keys:
            storage.delete(key)

    transaction.on_commit(remove)
