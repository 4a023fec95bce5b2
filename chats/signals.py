"""A chat export deleted on its own (the admin) leaves silver after commit.

Django runs no ``Model.delete()`` on cascaded rows, so a receiver is the one place that sees
every deletion. It only enqueues `chats.forget_export`, which does the work. An export whose
upload's deletion is recorded is the deletion task's (ingestion.deletion, through
chats.pipeline.forget_chat_upload), which has done that work already.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from chats.models import ChatExport
from ingestion.models import StoredObject


@receiver(post_delete, sender=ChatExport, dispatch_uid="chats.forget_deleted_export")
def forget_deleted_export(sender: type[ChatExport], instance: ChatExport, **kwargs: Any) -> None:
    from chats.tasks import forget_export_task

    if StoredObject.objects.filter(pk=instance.source_id, deleted_at__isnull=False).exists():
        return
    span = None
    if instance.first_ts is not None and instance.last_ts is not None:
        span = [instance.first_ts.date().isoformat(), instance.last_ts.date().isoformat()]
    args = (instance.owner_id, instance.chat_name, instance.bronze_key, span)
    transaction.on_commit(lambda: forget_export_task.delay(*args))
