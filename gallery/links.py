"""The upload page links a processed photo to its page (see ingestion.links)."""

from __future__ import annotations

from django.urls import reverse

from ingestion.links import Link, register
from ingestion.models import StoredObject
from ingestion.routing import Kind


def photo_link(obj: StoredObject) -> Link:
    return Link(reverse("gallery:photo", args=[obj.photo.pk]), "View photo")


register(Kind.PHOTO, photo_link)
