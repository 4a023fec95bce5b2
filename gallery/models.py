"""Photos: one row per processed source object, its derived images, EXIF facts and tags."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from ingestion.models import StoredObject


class TakenAtSource(models.TextChoices):
    EXIF = "exif", "EXIF"
    FILENAME = "filename", "File name"
    MODIFIED = "modified", "File's last-modified time"
    UPLOAD = "upload", "Upload time"


class PhotoQuerySet(models.QuerySet["Photo"]):
    def owned_by(self, user: Any) -> PhotoQuerySet:
        """The user's photos, less those whose upload's deletion is recorded."""
        return self.filter(owner_id=user.pk, source__deleted_at__isnull=True)

    def visible(self) -> PhotoQuerySet:
        """Photos whose derived images have been written (a first run may still be writing)."""
        return self.exclude(thumbnail_key="")


class Photo(models.Model):
    source = models.OneToOneField(StoredObject, on_delete=models.CASCADE, related_name="photo")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos"
    )
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the original's bytes.")
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The year of taken_at in TIME_ZONE (for the year filter)."
    )
    taken_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The month (1-12) of taken_at in TIME_ZONE (the month filter and counts).",
    )
    taken_at_source = models.CharField(
        max_length=16, choices=TakenAtSource.choices, default=TakenAtSource.UPLOAD
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    camera_make = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    camera = models.CharField(
        max_length=200, blank=True, help_text="Make and model as shown and filtered on."
    )
    width = models.PositiveIntegerField(default=0, help_text="After EXIF orientation.")
    height = models.PositiveIntegerField(default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    flash = models.BooleanField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    iso = models.PositiveIntegerField(null=True, blank=True)
    f_number = models.FloatField(null=True, blank=True, help_text="The aperture: 1.8 for ƒ/1.8.")
    exposure_time = models.FloatField(null=True, blank=True, help_text="Seconds.")
    focal_length = models.FloatField(null=True, blank=True, help_text="mm.")
    focal_length_35mm = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="mm, the 35 mm film equivalent."
    )
    lens = models.CharField(max_length=200, blank=True)
    format = models.CharField(max_length=16, blank=True)
    size = models.BigIntegerField(default=0)
    original_key = models.CharField(max_length=1024, blank=True)
    thumbnail_key = models.CharField(max_length=1024, blank=True)
    preview_key = models.CharField(max_length=1024, blank=True)
    exif = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        constraints = [
            # The same bytes uploaded twice by one owner are one photo; this decides a race.
            models.UniqueConstraint(fields=["owner", "content_hash"], name="unique_photo_content"),
        ]
        indexes = [
            models.Index(fields=["owner", "-taken_at", "-id"], name="photo_owner_taken"),
            models.Index(fields=["owner", "-uploaded_at", "-id"], name="photo_owner_uploaded"),
            models.Index(fields=["owner", "camera"], name="photo_owner_camera"),
            models.Index(fields=["owner", "taken_year"], name="photo_owner_year"),
        ]
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.source.original_name

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def aspect(self) -> float:
        """Width over height, for the justified grid (1 when the size is unknown)."""
        return self.width / self.height if self.width and self.height else 1.0


class TagKind(models.TextChoices):
    AUTO = "auto", "Automatic"
    USER = "user", "Added by you"


class PhotoTag(models.Model):
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40)
    kind = models.CharField(max_length=8, choices=TagKind.choices, default=TagKind.USER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "name"], name="unique_photo_tag"),
        ]
        # Filtering the gallery by tag starts from the name.
        indexes = [models.Index(fields=["name", "photo"], name="phototag_name_photo")]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


_TAG_CHARS = re.compile(r"^[\w][\w \-.&']*$")


class BadTag(ValueError):
    """A tag name the user typed that cannot be used (the reason is shown)."""


def clean_tag(text: str) -> str:
    """Tags are lower case with single spaces, 1-40 letters, digits, spaces and - . & '."""
    name = " ".join(text.split()).lower()
    if not name:
        raise BadTag("Type a tag name.")
    if len(name) > 40:
        raise BadTag("Tags are at most 40 characters long.")
    if not _TAG_CHARS.match(name):
        raise BadTag("Tags use letters, digits, spaces and - . & ' only.")
    return name


def add_user_tag(photo: Photo, text: str) -> str:
    """Add the user's tag (a no-op when the photo already has it); returns the clean name."""
    name = clean_tag(text)
    PhotoTag.objects.get_or_create(photo=photo, name=name, defaults={"kind": TagKind.USER})
    return name


def remove_user_tag(photo: Photo, name: str) -> bool:
    """Remove one of the user's own tags; automatic tags stay (they follow the photo)."""
    deleted, _ = PhotoTag.objects.filter(photo=photo, name=name, kind=TagKind.USER).delete()
    return bool(deleted)


class ProblemsDismissal(models.Model):
    """The owner dismissed the gallery's problems card: problems recorded up to ``until`` are
    not shown again (a newer one brings the card back)."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"problems of {self.owner_id} dismissed up to {self.until:%Y-%m-%d %H:%M}"
