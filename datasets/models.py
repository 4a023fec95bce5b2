"""A CSV file's profile: one Dataset row per stored CSV object."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from ingestion.models import StoredObject


class DatasetQuerySet(models.QuerySet["Dataset"]):
    def owned_by(self, user: Any) -> DatasetQuerySet:
        """The user's datasets, less those whose file's deletion is recorded."""
        return self.filter(owner_id=user.pk, source__deleted_at__isnull=True)


class Dataset(models.Model):
    """A CSV file's profile: the successor of the original pipeline's metadata record."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCESS = "success", "Success"
        ERROR = "error", "Error"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets"
    )
    source = models.OneToOneField(StoredObject, on_delete=models.CASCADE, related_name="dataset")
    name = models.CharField(max_length=512)
    status = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    error_message = models.TextField(blank=True)
    row_count = models.BigIntegerField(null=True, blank=True)
    column_count = models.IntegerField(null=True, blank=True)
    issue_count = models.IntegerField(null=True, blank=True)
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=8, blank=True)
    summary_key = models.CharField(max_length=1024, blank=True)
    profile = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        db_table = "ingestion_dataset"  # created by the ingestion app, where datasets began
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.name
