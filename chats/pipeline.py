"""The chat pipeline: one uploaded object in, a validated bronze export and its silver rows out.

``ingest_export_object`` is the ``chats.ingest_export`` task's work (see chats.tasks); the
admin, ``manage.py build_silver`` and the pages call the functions here and in chats.lake.writer.
Output keys come from the export's identity, so a re-run overwrites its own outputs.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

from django.db import transaction

from chats.lake.lock import owner_lock
from chats.lake.writer import SourceDeleted, WriteStats, build_export_silver, rebuild_chats
from chats.models import ChatExport, ChatReader, SilverStatus
from chats.whatsapp.names import chat_name_from_filename
from chats.whatsapp.parser import NotAChatExport, detect_format, parse
from ingestion import storage
from ingestion.jobs import Rejected, pause_point
from ingestion.models import StoredObject
from platform_site.charts import counted, format_number

log = logging.getLogger(__name__)

MAX_CHAT_NAME = 200


def chat_name_for(original_name: str) -> str:
    """``WhatsApp Chat with Anna.txt`` → ``Anna``; ``_chat.txt`` and other names → the stem."""
    name = chat_name_from_filename(original_name)
    if not name:
        name = PurePosixPath(original_name.replace("\\", "/")).stem or "chat"
    return name[:MAX_CHAT_NAME]


def bronze_key(owner_id: int, first_timestamp: str, export_id: int) -> str:
    """``bronze/whatsapp/owner=<owner>/year=YYYY/month=MM/<export id>.txt`` (first message)."""
    year, month = first_timestamp[:4], first_timestamp[5:7]
    return f"bronze/whatsapp/owner={owner_id}/year={year}/month={month}/{export_id}.txt"


def ingest_export_object(obj: StoredObject) -> str:
    """Validate an uploaded export, copy it to bronze, record it and add it to silver.

    Raises Rejected (with the parser's reason) for a file that is not a WhatsApp export.
    """
    if obj.owner_id is None:
        raise Rejected("The object's key names no known owner.")
    if obj.deleted_at is not None:
        return "Deleted before it was imported; nothing was kept."
    with storage.open_object(obj.key) as handle:
        try:
            found = detect_format(handle)
            handle.seek(0)
            first = next(parse(handle, found.date_order), None)
        except NotAChatExport as exc:
            raise Rejected(f"{exc} The file is kept as uploaded.") from exc
    if first is None:
        raise Rejected("This WhatsApp chat export holds no messages. The file is kept.")
    with transaction.atomic():
        export, _ = ChatExport.objects.get_or_create(
            source=obj,
            defaults={"owner_id": obj.owner_id, "chat_name": chat_name_for(obj.original_name)},
        )
        export.layout = found.layout
        export.date_order = found.date_order
        export.bronze_key = bronze_key(obj.owner_id, first.timestamp, export.pk)
        export.silver_status = SilverStatus.PENDING
        export.save()
    storage.copy(obj.key, export.bronze_key)
    pause_point("silver")  # fault tests kill the worker here
    try:
        stats = build_export_silver(export)
    except SourceDeleted:
        # The clean-up hook may have run before the copy was made.
        storage.delete(export.bronze_key)
        return f"WhatsApp chat “{export.chat_name}”: deleted while importing; nothing was kept."
    if stats.glue_run:
        run = "the next Glue run" if stats.glue_run == "queued" else f"Glue run {stats.glue_run}"
        return (
            f"WhatsApp chat “{export.chat_name}”: {counted(export.message_count, 'messages')}; "
            f"{run} makes them searchable."
        )
    return import_note(export.chat_name, export.message_count, stats.rows_added, len(stats.dates))


def import_note(chat: str, total: int, added: int, days: int) -> str:
    """What an import did, in plain words: "4,204 messages added (12 days)."."""
    if not added:
        were = "its one message was" if total == 1 else f"all {format_number(total)} were"
        return f"WhatsApp chat “{chat}”: no new messages; {were} already here."
    note = f"WhatsApp chat “{chat}”: {counted(added, 'messages')} added ({counted(days, 'days')})"
    already = total - added
    if already > 0:
        note += (
            f"; the other {format_number(already)} {'was' if already == 1 else 'were'} already here"
        )
    return note + "."


def rename_export(export: ChatExport, new_name: str) -> WriteStats | None:
    """Give one export another chat name and rebuild the silver rows of both names."""
    new_name = new_name.strip()[:MAX_CHAT_NAME]
    old_name = ChatExport.objects.values_list("chat_name", flat=True).get(pk=export.pk)
    if not new_name:
        raise ValueError("A chat needs a name.")
    export.chat_name = new_name
    export.save(update_fields=["chat_name"])
    if old_name == new_name:
        return None
    return rebuild_chats(export.owner_id, {old_name, new_name})


def rename_chat(owner_id: int, old_name: str, new_name: str) -> WriteStats | None:
    """Rename every export of one of the owner's chats and rebuild its silver rows."""
    new_name = new_name.strip()[:MAX_CHAT_NAME]
    if not new_name:
        raise ValueError("A chat needs a name.")
    if old_name == new_name:
        return None
    ChatExport.objects.filter(owner_id=owner_id, chat_name=old_name).update(chat_name=new_name)
    # Who "me" is goes with the chat, unless the new name already had its own choice.
    readers = ChatReader.objects.filter(owner_id=owner_id)
    if not readers.filter(chat=new_name).exists():
        readers.filter(chat=old_name).update(chat=new_name)
    return rebuild_chats(owner_id, {old_name, new_name})


def forget_chat_upload(obj: StoredObject) -> None:
    """The chats' deletion hook: the export made of ``obj`` leaves bronze and silver (under the
    owner's lock, so after an import that is writing), then its row goes. Safe to run again."""
    for export in ChatExport.objects.filter(source_id=obj.pk):
        span = None
        if export.first_ts is not None and export.last_ts is not None:
            span = (export.first_ts.date().isoformat(), export.last_ts.date().isoformat())
        forget_export(export.owner_id, export.chat_name, export.bronze_key, span)
        export.delete()


def forget_export(
    owner_id: int, chat_name: str, bronze_key: str, span: tuple[str, str] | None
) -> WriteStats:
    """After an export was deleted: remove its bronze copy, and its messages from silver.

    The chat cleanup hook of a deleted chat upload; the export's upload is already marked
    deleted (or gone). Under the owner's silver lock, so it waits for an import that is
    writing and then undoes what that import wrote. The chat is rebuilt from the exports it
    has left (not deleted), so messages that a remaining export also holds stay; `span` (first
    and last date of the deleted export) says where to look.
    """
    with owner_lock(owner_id):
        if bronze_key:
            storage.delete(bronze_key)
        return rebuild_chats(owner_id, {chat_name}, also_span=span)
