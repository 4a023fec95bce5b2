"""Chat exports in the admin: counts, search by chat name, rename (rebuilds silver), rebuild."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from chats.lake.writer import rebuild_chats
from chats.models import ChatExport
from chats.pipeline import rename_export


@admin.register(ChatExport)
class ChatExportAdmin(admin.ModelAdmin[ChatExport]):
    list_display = (
        "chat_name",
        "owner",
        "message_count",
        "media_count",
        "system_count",
        "first_ts",
        "last_ts",
        "layout",
        "silver_status",
        "created_at",
    )
    list_filter = ("silver_status", "layout", "date_order")
    search_fields = ("chat_name",)
    list_select_related = ("owner",)
    fields = (
        "chat_name",
        "owner",
        "source",
        "layout",
        "date_order",
        "message_count",
        "media_count",
        "system_count",
        "participants",
        "first_ts",
        "last_ts",
        "bronze_key",
        "silver_status",
        "silver_built_at",
        "silver_error",
        "created_at",
    )
    readonly_fields = tuple(f for f in fields if f != "chat_name")
    actions = ("rebuild_silver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # exports come from uploads

    def save_model(
        self, request: HttpRequest, obj: ChatExport, form: ModelForm[ChatExport], change: bool
    ) -> None:
        if change and "chat_name" in form.changed_data:
            # The plain function saves the name and rebuilds both names' silver rows.
            stats = rename_export(obj, obj.chat_name)
            if stats is not None:
                self.message_user(
                    request, f"Silver rebuilt: {len(stats.dates)} days written.", messages.SUCCESS
                )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Rebuild silver of the selected chats")
    def rebuild_silver(self, request: HttpRequest, queryset: QuerySet[ChatExport]) -> None:
        chats: dict[int, set[str]] = {}
        for owner_id, chat in queryset.values_list("owner_id", "chat_name"):
            chats.setdefault(owner_id, set()).add(chat)
        rows = days = 0
        for owner_id, names in chats.items():
            stats = rebuild_chats(owner_id, names)
            rows += stats.rows_added
            days += len(stats.dates)
        count = sum(len(names) for names in chats.values())
        self.message_user(
            request,
            f"Rebuilt {count} chat(s): {rows} rows written over {days} days.",
            messages.SUCCESS,
        )
