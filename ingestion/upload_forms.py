"""Upload fields, read by forms: each rule validated once, errors in words."""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.conf import settings

from ingestion.forms import ObjectIdsField
from ingestion.models import StorageClass

MAX_NAME_CHARS = 512  # the ledger keeps the original name whole, up to this


def too_large_message(size: int | None = None) -> str:
    limit = settings.UPLOAD_MAX_SIZE
    return f"The file is larger than the upload limit of {human_size(limit)}." + (
        f" It is {human_size(size)}." if size else ""
    )


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


class UploadChoicesForm(forms.Form):
    """What the uploader chose: where it goes, how it is kept, and the file's own time."""

    storage_class = forms.CharField(required=False)
    raw_only = forms.BooleanField(required=False)
    # The file's last-modified time as the browser knows it (File.lastModified, ms since 1970).
    last_modified = forms.IntegerField(required=False, min_value=0, max_value=10**14)

    def clean_storage_class(self) -> str:
        # Any known class is recorded as chosen (API callers may name one the page does not
        # offer here: on disk it changes nothing); the page offers only those that mean something.
        value = self.cleaned_data["storage_class"] or StorageClass.STANDARD
        if value not in StorageClass.values:
            raise forms.ValidationError(
                f"Unknown storage class {value!r}; choose one of {', '.join(StorageClass.values)}."
            )
        return str(value)

    def client_modified_at(self) -> datetime | None:
        millis = self.cleaned_data.get("last_modified")
        if not millis:
            return None
        return datetime.fromtimestamp(millis / 1000, tz=UTC)


def check_name(name: str) -> str:
    """The file name as the ledger keeps it, or a ValidationError saying what is wrong."""
    if not name.strip():
        raise forms.ValidationError("The file has no name.")
    if len(name) > MAX_NAME_CHARS:
        raise forms.ValidationError(
            f"The file name is {len(name):,} characters long; the limit is {MAX_NAME_CHARS}."
        )
    if "\x00" in name:
        raise forms.ValidationError("The file name contains a NUL character.")
    return name


class StartUploadForm(UploadChoicesForm):
    """``POST /api/uploads/multipart``: a resumable upload of one file, described up front."""

    name = forms.CharField(strip=False, max_length=10_000)
    size = forms.IntegerField(min_value=1)
    content_type = forms.CharField(required=False, max_length=255)
    part_size = forms.IntegerField(required=False, min_value=1)

    def clean_name(self) -> str:
        return check_name(self.cleaned_data["name"])

    def clean_size(self) -> int:
        size: int = self.cleaned_data["size"]
        if size > settings.UPLOAD_MAX_SIZE:
            raise forms.ValidationError(too_large_message(size), code="too_large")
        return size


class PartNumbersForm(forms.Form):
    """``GET /api/uploads/<id>/parts?numbers=1,2,3``: which parts the client wants URLs for."""

    numbers = ObjectIdsField(
        max_ids=100,
        error_messages={
            "required": "Name the parts, e.g. numbers=1,2,3.",
            "invalid": "Expected part numbers separated by commas, e.g. numbers=1,2,3.",
            "too_many": "At most %(max)s parts at a time.",
        },
    )


class CompleteForm(forms.Form):
    """``POST /api/uploads/<id>/complete``: every part, by number, with the ETag its PUT gave."""

    parts = forms.JSONField()

    def clean_parts(self) -> list[tuple[int, str]]:
        value = self.cleaned_data["parts"]
        try:
            parts = [(int(part["number"]), str(part.get("etag") or "")) for part in value]
        except (TypeError, KeyError, ValueError, AttributeError):
            raise forms.ValidationError('List every part as {"number": 1, "etag": "…"}.') from None
        if not parts:
            raise forms.ValidationError("List the parts uploaded.")
        return parts
