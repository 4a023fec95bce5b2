"""WhatsApp exports: one row per validated export, its bronze copy and the state of its silver."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

from ingestion.models import StoredObject


class SilverStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"  # AWS: in a Glue run that has not finished yet
    BUILT = "built", "Built"
    FAILED = "failed", "Failed"


class ChatExportQuerySet(models.QuerySet["ChatExport"]):
    def owned_by(self, user: Any) -> ChatExportQuerySet:
        """The user's exports, less those whose upload's deletion is recorded."""
        return self.filter(owner_id=user.pk, source__deleted_at__isnull=True)


class ChatExport(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_exports"
    )
    source = models.OneToOneField(
        StoredObject, on_delete=models.CASCADE, related_name="chat_export"
    )
    chat_name = models.CharField(
        max_length=200,
        help_text="From the file name (WhatsApp Chat with NAME.txt) or its stem; renaming "
        "rebuilds the chat's silver rows.",
    )
    layout = models.CharField(max_length=16, blank=True, help_text="android or ios")
    date_order = models.CharField(max_length=16, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    media_count = models.PositiveIntegerField(default=0)
    system_count = models.PositiveIntegerField(default=0)
    participants = models.JSONField(
        default=list, blank=True, help_text="Senders, most active first."
    )
    first_ts = models.DateTimeField(
        null=True, blank=True, help_text="Earliest message: the local time as written (as UTC)."
    )
    last_ts = models.DateTimeField(
        null=True, blank=True, help_text="Latest message: the local time as written (as UTC)."
    )
    bronze_key = models.CharField(max_length=1024, blank=True)
    silver_status = models.CharField(
        max_length=16, choices=SilverStatus.choices, default=SilverStatus.PENDING
    )
    silver_built_at = models.DateTimeField(null=True, blank=True)
    silver_error = models.TextField(blank=True)
    glue_run = models.ForeignKey(
        "GlueRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exports",
        help_text="AWS: the Glue run that builds (or built) this export's silver.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChatExportQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["owner", "chat_name"], name="chatexport_owner_chat")]
        ordering = ["-created_at", "-id"]
        verbose_name = "chat export"

    def __str__(self) -> str:
        return f"{self.chat_name} ({self.message_count} messages)"


class SilverOwner(models.Model):
    """One row per owner whose chats reach silver: what that owner's one silver writer locks.

    See chats.lake.lock: on PostgreSQL every write of the owner's silver holds a row lock on
    this row for as long as it writes. On AWS (chats.lake.glue) it also holds the rebuild the
    owner's next Glue run is to do.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    rebuild_chats = models.JSONField(
        default=list, blank=True, help_text="AWS: chats the next Glue run drops and writes again."
    )
    rebuild_all = models.BooleanField(
        default=False, help_text="AWS: the next Glue run drops and writes every chat again."
    )
    rebuild_dates = models.JSONField(
        default=list, blank=True, help_text="AWS: dates whose files the next rebuild rewrites."
    )

    class Meta:
        verbose_name = "silver owner"

    def __str__(self) -> str:
        return f"silver of owner {self.owner_id}"

    def add_rebuild(self, chats: Iterable[str], *, every: bool, dates: Iterable[str]) -> None:
        """Queue a rebuild of these chats (or of ``every`` chat) for the next Glue run."""
        self.rebuild_all = self.rebuild_all or every
        self.rebuild_chats = sorted(set(self.rebuild_chats) | set(chats))
        self.rebuild_dates = sorted(set(self.rebuild_dates) | set(dates))
        self.save(update_fields=["rebuild_chats", "rebuild_all", "rebuild_dates"])


class GlueRun(models.Model):
    """AWS: one run of the silver Glue job for one owner; at most one unfinished per owner."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_glue_runs"
    )
    job_run_id = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, default="STARTING", help_text="Glue's JobRunState.")
    manifest_key = models.CharField(max_length=1024)
    rebuild_chats = models.JSONField(default=list, blank=True)
    rebuild_all = models.BooleanField(default=False)
    rebuild_dates = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(finished_at__isnull=True),
                name="one_unfinished_glue_run_per_owner",
            )
        ]
        ordering = ["-started_at", "-id"]
        verbose_name = "Glue run"

    def __str__(self) -> str:
        return f"{self.job_run_id or 'run'} ({self.state})"


class ChatReader(models.Model):
    """Who the owner is in one of their chats: their messages are drawn on the right."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_readers"
    )
    chat = models.CharField(max_length=200)
    me = models.CharField(max_length=500, blank=True, help_text="Empty: nobody on the right.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "chat"], name="one_reader_per_owner_chat")
        ]
        verbose_name = "chat reader"

    def __str__(self) -> str:
        return f"{self.me or 'nobody'} in {self.chat}"
