"""The upload page links an imported chat, or a zip unpacked into one, to the conversation
(see ingestion.links)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from chats.models import ChatExport
from ingestion.links import Link, register
from ingestion.models import StoredObject
from ingestion.routing import Kind


def conversation(export: ChatExport) -> Link:
    query = urlencode({"chat": export.chat_name})
    return Link(f"{reverse('chats:conversation')}?{query}", "Open chat")


def chat_link(obj: StoredObject) -> Link:
    return conversation(obj.chat_export)


def unpacked_chat_link(obj: StoredObject) -> Link | None:
    export = ChatExport.objects.filter(source__source=obj).first()
    return conversation(export) if export is not None else None


register(Kind.CHAT, chat_link)
register(Kind.ZIP, unpacked_chat_link)
