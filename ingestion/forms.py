"""What the library's links and forms may say, each rule checked once: the listing's query string
(``LibraryQueryForm`` → ``library.Query``) and a selection of files for a bulk action.

Every field refuses a NUL byte (CharField's own validator; choices and numbers cannot hold
one), so a hostile link never reaches the database with it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme

from ingestion.library import DEFAULT_SORT, SORTS, Query
from ingestion.models import Status, StorageClass
from ingestion.routing import KINDS

MAX_SELECTION = 1000
MAX_ID = 2**63 - 1  # a bigint: PostgreSQL refuses a larger number with an error, not a miss
LIBRARY_URL = "/library/"


class LibraryQueryForm(forms.Form):
    q = forms.CharField(label="Search by name", required=False, max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=(("", "All kinds"), *KINDS), required=False)
    status = forms.ChoiceField(
        label="Status", choices=(("", "Any status"), *Status.choices), required=False
    )
    storage = forms.ChoiceField(
        label="Storage class",
        choices=(("", "Any storage"), *StorageClass.choices),
        required=False,
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORTS, required=False)
    source = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)

    def query(self) -> Query:
        """The listing asked for; a field that failed its check keeps its default (the
        ``problems`` say which), so a stale or mangled link still shows the library."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the fields that passed their checks
            data = self.cleaned_data
        return Query(
            q=(data.get("q") or "").strip(),
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            storage_class=data.get("storage") or "",
            sort=data.get("sort") or DEFAULT_SORT,
            source=data.get("source"),
            page=data.get("page") or 1,
        )

    def problems(self) -> list[str]:
        if not self.is_bound or self.is_valid():
            return []
        labels = {name: str(f.label or name).capitalize() for name, f in self.fields.items()}
        return [
            f"{labels.get(name, name)}: {' '.join(str(e) for e in errors)}"
            for name, errors in self.errors.items()
        ]


class ObjectIdsField(forms.Field):
    """File ids, from repeated fields and/or comma-separated lists ("12,15" is a file uploaded
    twice: both copies); duplicates dropped, order kept."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Nothing was selected.",
        "invalid": "The selection holds something that is not a file.",
        "too_many": f"Select at most {MAX_SELECTION} files at a time.",
    }

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids: list[int] = []
        for item in values:
            for part in str(item).split(","):
                part = part.strip()
                if not part:
                    continue
                if not (part.isascii() and part.isdigit()) or not 0 < int(part) <= MAX_ID:
                    raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
                ids.append(int(part))
        if len(ids) > MAX_SELECTION:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        return list(dict.fromkeys(ids))


class BackToLibraryField(forms.Field):
    """The library view a selection was made in, to return to; any other target (another site,
    another page, a mangled value) becomes the library itself rather than an error."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> str:
        target = str(value or "")
        safe = (
            len(target) <= 2000
            and "\x00" not in target
            and target.startswith(LIBRARY_URL)
            and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
        )
        return target if safe else LIBRARY_URL


class SelectionForm(forms.Form):
    ids = ObjectIdsField()
    action = forms.ChoiceField(choices=(("download", "Download"), ("delete", "Delete")))
    confirm = forms.BooleanField(required=False)
    next = BackToLibraryField()

    def back(self) -> str:
        """Where to go afterwards (the library when the form could not be read at all)."""
        return BackToLibraryField().clean(self.data.get("next")) if self.is_bound else LIBRARY_URL
