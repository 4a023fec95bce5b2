"""Query strings and posted choices of the gallery, read by Django forms (each rule once)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from gallery.models import BadTag, clean_tag
from gallery.query import MAX_PAGE_SIZE, PAGE_SIZE, SORTS, GalleryQuery, Position, decode_position
from ingestion.forms import ObjectIdsField


class PositionField(forms.CharField):
    """A cursor handed out by the gallery (``gallery.query`` holds the one codec)."""

    def to_python(self, value: Any) -> Position | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return decode_position(text)
        except ValueError:
            raise forms.ValidationError(
                "This is not a cursor the gallery gave out.", code="bad_cursor"
            ) from None


class MonthField(forms.CharField):
    """``YYYY-MM``: the month a jump lands on (the scrubber's links)."""

    def to_python(self, value: Any) -> tuple[int, int] | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not (1800 <= int(match[1]) <= 2200 and 1 <= int(match[2]) <= 12):
            raise forms.ValidationError("Give a month as YYYY-MM, such as 2024-03.", code="month")
        return int(match[1]), int(match[2])


class GalleryQueryForm(forms.Form):
    """``tag year month camera gps problems sort cursor newer at limit`` → ``GalleryQuery``."""

    tag = forms.CharField(required=False, max_length=40)
    year = forms.IntegerField(required=False, min_value=1800, max_value=2200)
    month = forms.IntegerField(required=False, min_value=1, max_value=12)
    camera = forms.CharField(required=False, max_length=200)
    gps = forms.ChoiceField(required=False, choices=[("", "either"), ("yes", "yes"), ("no", "no")])
    problems = forms.ChoiceField(required=False, choices=[("", "no"), ("1", "yes")])
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    cursor = PositionField(required=False)
    newer = PositionField(required=False)
    at = MonthField(required=False)
    limit = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("month") and not data.get("year"):
            self.add_error("month", "Choose a year as well as a month.")
        if sum(bool(data.get(name)) for name in ("cursor", "newer", "at")) > 1:
            raise forms.ValidationError("Use one of cursor, newer and at, not several.")
        return data

    def query(self) -> GalleryQuery:
        """The query the valid form describes (call after ``is_valid()``)."""
        data = self.cleaned_data
        older = data.get("cursor")
        if data.get("at"):
            older = Position(_start_of_month_after(*data["at"]), 0)
        return GalleryQuery(
            tag=(data.get("tag") or "").strip().lower(),
            year=data.get("year"),
            month=data.get("month"),
            camera=(data.get("camera") or "").strip(),
            gps={"yes": True, "no": False}.get(data.get("gps") or ""),
            problems=data.get("problems") == "1",
            sort=data.get("sort") or "taken",
            older=older,
            newer=data.get("newer"),
            # A bigger page than we serve is served at the biggest size, not refused.
            limit=min(data.get("limit") or PAGE_SIZE, MAX_PAGE_SIZE),
        )

    def problem(self) -> str:
        """What is wrong, in one line: ``year: Enter a whole number.``"""
        parts = []
        for name, errors in self.errors.items():
            label = "" if name == "__all__" else f"{name}: "
            parts.append(label + " ".join(str(e) for e in errors))
        return "; ".join(parts)


def _start_of_month_after(year: int, month: int) -> datetime:
    """The first instant after the month (local time): a jump to March shows March's newest
    photo first."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return timezone.make_aware(datetime(year, month, 1))


class DismissProblemsForm(forms.Form):
    """``until``: when the newest problem the owner saw was recorded (ISO 8601)."""

    until = forms.DateTimeField()


class PhotoSelectionForm(forms.Form):
    """The grid's multi-select: ``ids`` (photo ids, the library's one parser of id lists), the
    ``action`` and, to tag, the ``tag``; ``confirm`` once a delete was confirmed."""

    ids = ObjectIdsField()
    action = forms.ChoiceField(
        choices=[("download", "Download"), ("tag", "Add a tag"), ("delete", "Delete")]
    )
    tag = forms.CharField(required=False, max_length=200)
    confirm = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "tag":
            try:
                data["tag"] = clean_tag(data.get("tag") or "")
            except BadTag as exc:
                self.add_error("tag", str(exc))
        return data

    def problem(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
