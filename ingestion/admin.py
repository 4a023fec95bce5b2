from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ingestion import deletion
from ingestion.dispatch import enqueue
from ingestion.models import Status, StoredObject


@admin.register(StoredObject)
class StoredObjectAdmin(admin.ModelAdmin[StoredObject]):
    list_display = (
        "original_name",
        "owner",
        "kind",
        "status",
        "size",
        "storage_class",
        "created_at",
    )
    list_filter = ("kind", "status", "storage_class", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("original_name", "key", "etag", "reason")
    readonly_fields = (
        "bucket",
        "key",
        "etag",
        "size",
        "content_type",
        "kind",
        "created_at",
        "updated_at",
        "enqueued_at",
        "source",
    )
    date_hierarchy = "created_at"
    actions = ("reprocess",)

    def delete_model(self, request: HttpRequest, obj: StoredObject) -> None:
        """Through the library's deletion, so what was made of the object goes with it."""
        deletion.request_delete(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[StoredObject]) -> None:
        for obj in queryset:
            deletion.request_delete(obj)

    @admin.action(description="Process again (reset to received and enqueue)")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[StoredObject]) -> None:
        count = 0
        for obj in queryset.exclude(owner=None):
            obj.mark(Status.RECEIVED, "")
            enqueue(obj)
            count += 1
        self.message_user(request, f"Enqueued {count} object(s) for processing.")
