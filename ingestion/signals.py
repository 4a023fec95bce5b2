"""Deleting an account (the admin, ``user.delete()``) deletes its files the way the library
does: every derived object with them. The cascade would only drop rows, leaving thumbnails,
bronze, silver rows and summaries behind, so the work is done before it (and a failure stops
the account's deletion rather than leaving the files of an account that is gone)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from ingestion import deletion


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="ingestion.forget_owner")
def forget_owner(sender: Any, instance: Any, **kwargs: Any) -> None:
    deletion.forget_owner_objects(instance.pk)
