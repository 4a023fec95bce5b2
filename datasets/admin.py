"""Admin for datasets: outcomes at a glance, the profile read-only, "profile again"."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from datasets.models import Dataset
from ingestion.dispatch import enqueue
from ingestion.models import Status

PROFILE_PREVIEW_CHARS = 200_000


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin[Dataset]):
    class Media:
        css = {"all": ("css/admin.css",)}  # the profile's class

    list_display = (
        "name",
        "owner",
        "status",
        "row_count",
        "column_count",
        "issue_count",
        "processed_at",
    )
    list_select_related = ("owner",)
    list_filter = ("status", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name",)
    date_hierarchy = "created_at"
    fields = (
        "name",
        "owner",
        "source",
        "status",
        "error_message",
        "row_count",
        "column_count",
        "issue_count",
        "encoding",
        "delimiter",
        "summary_key",
        "processed_at",
        "created_at",
        "profile_json",
    )
    readonly_fields = tuple(name for name in fields if name != "name")
    actions = ("profile_again",)

    @admin.display(description="profile")
    def profile_json(self, dataset: Dataset) -> SafeString:
        text = json.dumps(dataset.profile, indent=2, ensure_ascii=False)
        if len(text) > PROFILE_PREVIEW_CHARS:
            text = text[:PROFILE_PREVIEW_CHARS] + "\n… (cut; the summary JSON has it all)"
        return format_html('<pre class="admin-pre tall">{}</pre>', text)

    @admin.action(description="Profile again (enqueue the profiling task)")
    def profile_again(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        count = 0
        for dataset in queryset.select_related("source"):
            dataset.source.mark(Status.RECEIVED, "")
            enqueue(dataset.source)
            count += 1
        self.message_user(request, f"Enqueued {count} dataset(s) for profiling.")
