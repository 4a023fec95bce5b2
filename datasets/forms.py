"""The dataset page's query string: how its sample rows are sorted and which page is shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

SAMPLE_PAGE_ROWS = 25


@dataclass(frozen=True)
class SampleView:
    """Which sample rows to show: sorted by column `sort` (None: file order), `descending`,
    the `page`-th page of SAMPLE_PAGE_ROWS rows."""

    sort: int | None = None
    descending: bool = False
    page: int = 1


class SampleForm(forms.Form):
    sort = forms.IntegerField(required=False, min_value=0)
    order = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data: Mapping[str, Any], *, columns: int) -> None:
        super().__init__(data)
        self.columns = columns

    def clean_sort(self) -> int | None:
        sort: int | None = self.cleaned_data.get("sort")
        if sort is not None and sort >= self.columns:
            raise forms.ValidationError("No such column.")
        return sort

    def view(self) -> SampleView:
        """The view asked for; a query string that does not make sense shows the default."""
        if not self.is_valid():
            return SampleView()
        data = self.cleaned_data
        return SampleView(data["sort"], data["order"] == "desc", data["page"] or 1)
