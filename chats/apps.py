from __future__ import annotations

from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "chats"
    verbose_name = "WhatsApp chats"

    def ready(self) -> None:
        from chats import signals  # noqa: F401  (a deleted export leaves silver)
        from chats.pipeline import forget_chat_upload
        from ingestion import deletion
        from ingestion.routing import Kind

        deletion.register(Kind.CHAT, forget_chat_upload)
