"""Where a processed object can be seen: its photo, its chat, its dataset (the upload page links
each finished file there). Each app says so for its own kinds in its ``links.py`` (found when
ingestion is ready), so ingestion imports none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from ingestion.models import Status, StoredObject
from ingestion.routing import Kind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Link:
    url: str
    label: str  # the link's words, e.g. "View photo"


Resolver = Callable[[StoredObject], Link | None]
_RESOLVERS: dict[str, Resolver] = {}


def register(kind: Kind, resolver: Resolver) -> None:
    _RESOLVERS[kind] = resolver


def link_for(obj: StoredObject) -> Link | None:
    """Where the result of a processed object is; the library for files kept as they are."""
    if obj.status != Status.DONE:
        return None
    resolver = _RESOLVERS.get(obj.kind)
    if resolver is not None:
        try:
            found = resolver(obj)
        except ObjectDoesNotExist:  # processed into nothing, or since deleted
            found = None
        if found is not None:
            return found
    return Link(f"{reverse('library')}?kind={obj.kind}#object-{obj.pk}", "Show in library")


def as_json(obj: StoredObject) -> dict[str, str] | None:
    found = link_for(obj)
    return {"url": found.url, "label": found.label} if found else None
