"""What the gallery is asked to show: the pure query value and the one codec of its cursors.

``gallery.forms.GalleryQueryForm`` validates a query string and builds a ``GalleryQuery``; pages
and the API turn it back into query strings with ``params``. Pure: no Django, no boto3.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 120
MAX_PAGE_SIZE = 500
SORTS = ("taken", "uploaded")


@dataclass(frozen=True)
class Position:
    """A place in the timeline: the sort date and id of a photo (pages are cut before or after
    it, so a photo arriving meanwhile never shifts the pages already shown)."""

    when: datetime  # aware
    id: int


def encode_position(position: Position) -> str:
    raw = json.dumps([position.when.isoformat(), position.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(text: str) -> Position:
    """The position a cursor names; ValueError for text this gallery never gave out."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        stamp, photo_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValueError("not a cursor this gallery gave out") from exc
    if not isinstance(photo_id, int) or when.tzinfo is None:
        raise ValueError("not a cursor this gallery gave out")
    return Position(when, photo_id)


@dataclass(frozen=True)
class GalleryQuery:
    """Filters (which photos), the sort, and where the page starts."""

    tag: str = ""
    year: int | None = None
    month: int | None = None  # 1-12, within ``year``
    camera: str = ""
    gps: bool | None = None  # with a location, without one, or either
    problems: bool = False  # only photos whose last processing run did not finish
    sort: str = "taken"
    older: Position | None = None  # the page holds photos after this one (the "cursor")
    newer: Position | None = None  # ... or the photos before this one, nearest first
    limit: int = PAGE_SIZE

    @property
    def filtered(self) -> bool:
        return bool(self.tag or self.year or self.camera or self.gps is not None or self.problems)

    def filters(self) -> dict[str, Any]:
        """The filter and sort parameters (what a link to another page of the same view keeps)."""
        values: dict[str, Any] = {
            "tag": self.tag,
            "year": self.year,
            "month": self.month,
            "camera": self.camera,
            "gps": {True: "yes", False: "no", None: ""}[self.gps],
            "problems": "1" if self.problems else "",
            "sort": "" if self.sort == "taken" else self.sort,
            "limit": "" if self.limit == PAGE_SIZE else self.limit,
        }
        return {k: v for k, v in values.items() if v not in ("", None)}

    def params(self, **changes: Any) -> str:
        """The query string of this query's filters with ``changes`` (empty values left out);
        pass ``cursor=`` / ``newer=`` as encoded positions."""
        values = self.filters() | changes
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def at_start(self) -> GalleryQuery:
        """The same filters from the newest photo on."""
        return replace(self, older=None, newer=None)
