"""The upload page links a profiled CSV to its dataset report (see ingestion.links)."""

from __future__ import annotations

from django.urls import reverse

from ingestion.links import Link, register
from ingestion.models import StoredObject
from ingestion.routing import Kind


def dataset_link(obj: StoredObject) -> Link:
    return Link(reverse("datasets:detail", args=[obj.dataset.pk]), "Open dataset")


register(Kind.CSV, dataset_link)
