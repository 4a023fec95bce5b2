"""The object ledger: one row per stored object version, unique on (bucket, key, ETag)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from ingestion.routing import KINDS


class Status(models.TextChoices):
    UPLOADING = "uploading", "Uploading"  # the row exists before the first byte is stored
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"


FINAL_STATUSES = (Status.DONE, Status.REJECTED, Status.FAILED)
# What a non-forced reprocessing may take: a processing row only if its lease is over (the
# claim decides: expired, or its worker died).
RUNNABLE_STATUSES = (Status.RECEIVED, Status.FAILED, Status.PROCESSING)


class StorageClass(models.TextChoices):
    STANDARD = "STANDARD", "Standard"
    INTELLIGENT_TIERING = "INTELLIGENT_TIERING", "Intelligent-Tiering"
    DEEP_ARCHIVE = "DEEP_ARCHIVE", "Glacier Deep Archive"


class StoredObjectQuerySet(models.QuerySet["StoredObject"]):
    def owned_by(self, user: Any) -> StoredObjectQuerySet:
        """The user's objects, less those whose deletion is recorded (hidden at once)."""
        return self.filter(owner_id=user.pk, deleted_at__isnull=True)


class StoredObject(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objects_stored",
        help_text="Empty when the key names no known owner (the object is then rejected).",
    )
    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    etag = models.CharField(max_length=80)
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=255, blank=True)
    storage_class = models.CharField(
        max_length=32, choices=StorageClass.choices, default=StorageClass.STANDARD
    )
    kind = models.CharField(max_length=16, choices=KINDS)
    original_name = models.CharField(max_length=512)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(blank=True)
    source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived",
        help_text="The object this one was unpacked from (a zip), if any.",
    )
    details = models.JSONField(
        default=dict, blank=True, help_text="What processing found, e.g. a zip's contents."
    )
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_holder = models.CharField(
        max_length=255, blank=True, help_text="The worker (and task) holding the processing claim."
    )
    lease_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the claim was taken; it expires after the task's limit.",
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times processing has started."
    )
    deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Deletion requested: hidden from its owner, removed with what was made from it.",
    )
    client_modified_at = models.DateTimeField(
        null=True, blank=True, help_text="The file's last-modified time, as the browser sent it."
    )
    restore_requested_at = models.DateTimeField(null=True, blank=True)
    restored_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoredObjectQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "key", "etag"], name="unique_object_version"),
        ]
        indexes = [models.Index(fields=["owner", "kind", "-created_at"])]
        ordering = ["-created_at", "-id"]
        verbose_name = "stored object"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.key})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_archived(self) -> bool:
        return self.storage_class == StorageClass.DEEP_ARCHIVE

    @property
    def is_downloadable(self) -> bool:
        if self.status == Status.UPLOADING:
            return False  # not all of it is stored yet
        if not self.is_archived:
            return True
        return self.restored_until is not None and self.restored_until > timezone.now()

    @property
    def is_restoring(self) -> bool:
        return self.restore_requested_at is not None and not self.is_downloadable

    def mark(self, status: str, reason: str = "") -> None:
        """Record a status change (and why) without touching the other columns."""
        self.status = status
        self.reason = reason
        self.save(update_fields=["status", "reason", "updated_at"])

    def claim(self, holder: str | None = None) -> bool:
        """Take this object for processing as a lease (``ingestion.leases``): from received or
        failed, or over a processing lease that expired or whose holder is dead. False if a
        live lease holds it, or if the row just failed after too many attempts."""
        from ingestion import leases

        return leases.claim(self, holder or leases.holder_for(None))

    def as_status_json(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "key": self.key,
            "kind": self.kind,
            "name": self.original_name,
            "size": self.size,
            "storage_class": self.storage_class,
            "status": self.status,
            "reason": self.reason,
            "final": self.is_final,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


class MultipartUpload(models.Model):
    """A resumable upload under way: the storage's multipart upload behind one ``uploading`` row.

    The parts themselves are the storage's to remember (S3's ListParts, or the part records on
    disk), so a resumed upload asks the storage, never a copy of its state here.
    """

    object = models.OneToOneField(StoredObject, on_delete=models.CASCADE, related_name="multipart")
    upload_id = models.CharField(max_length=1024, help_text="The storage's multipart upload id.")
    part_size = models.BigIntegerField(help_text="Bytes per part; the last part may be shorter.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "upload in progress"
        verbose_name_plural = "uploads in progress"

    def __str__(self) -> str:
        return f"upload of {self.object_id} ({self.upload_id})"

    @property
    def part_count(self) -> int:
        return max(1, -(-self.object.size // self.part_size))
