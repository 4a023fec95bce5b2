"""Zip uploads: a WhatsApp "export with media" is unpacked into the chat and photo pipelines;
any other zip is kept and its contents listed. The zip itself is always kept."""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.template.defaultfilters import filesizeformat

from chats.whatsapp.names import chat_name_from_filename, is_chat_file
from ingestion import ledger, storage
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.jobs import Rejected
from ingestion.keys import safe_name
from ingestion.models import StorageClass, StoredObject
from ingestion.routing import PHOTO_EXTENSIONS, Kind, extension_of, route_for_kind
from ingestion.zips import Entry, Limits, ZipRejected, copy_entry, plan
from platform_site.charts import counted

LISTED_ENTRIES = 500


def unpack(obj: StoredObject) -> str:
    with storage.local_copy(obj.key, suffix=".zip") as path:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Rejected(
                f"Not a readable zip archive ({exc}). The file is kept as uploaded."
            ) from exc
        with archive:
            try:
                contents = plan(archive, Limits(max_total_size=settings.UPLOAD_MAX_SIZE * 4))
            except ZipRejected as exc:
                raise Rejected(f"{exc} The zip is kept as uploaded.") from exc
            obj.details = {
                "entries": [
                    {"name": e.name, "size": e.size} for e in contents.entries[:LISTED_ENTRIES]
                ],
                "count": len(contents.entries),
                "total_size": contents.total_size,
                "skipped": [{"name": n, "reason": r} for n, r in contents.skipped],
            }
            obj.save(update_fields=["details", "updated_at"])
            skipped = (
                f"; {counted(len(contents.skipped), 'unsafe entries', 'unsafe entry')} skipped"
                if contents.skipped
                else ""
            )
            chat_entry = next((e for e in contents.top_level() if is_chat_file(e.basename)), None)
            if chat_entry is None:
                return (
                    f"Zip of {counted(len(contents.entries), 'files')} "
                    f"({filesizeformat(contents.total_size)}) kept as is{skipped}."
                )
            photos = [e for e in contents.entries if extension_of(e.basename) in PHOTO_EXTENSIONS]
            chat = (
                chat_name_from_filename(obj.original_name)
                or chat_name_from_filename(chat_entry.basename)
                or PurePosixPath(obj.original_name).stem
            )
            _extract(obj, archive, chat_entry, Kind.CHAT, f"WhatsApp Chat with {chat}.txt")
            for entry in photos:
                _extract(obj, archive, entry, Kind.PHOTO, entry.basename)
    return f"WhatsApp export: the chat and {counted(len(photos), 'photos')} unpacked{skipped}."


def _extract(
    obj: StoredObject, archive: zipfile.ZipFile, entry: Entry, kind: Kind, original_name: str
) -> None:
    """Record, store and dispatch one entry under a key derived from the zip and the entry.

    Ledger first: the member's row (its name, its zip, its owner's storage class) exists before
    its bytes do, so S3's own event for the member cannot record it with defaults.
    """
    route = route_for_kind(kind)
    identity = uuid.uuid5(uuid.NAMESPACE_URL, f"{obj.key}#{obj.etag}#{entry.name}")
    key = f"{route.prefix}{obj.owner_id}/{identity}/{safe_name(original_name)}"
    row = ledger.expect(
        ledger.Expected(
            owner=obj.owner,
            key=key,
            kind=kind,
            original_name=original_name,
            storage_class=obj.storage_class,
            size=entry.size,
            source=obj,
        )
    )
    with tempfile.SpooledTemporaryFile(
        max_size=8 * 1024 * 1024, dir=settings.FILE_UPLOAD_TEMP_DIR
    ) as tmp:
        try:
            size = copy_entry(archive, entry, tmp)
        except ZipRejected as exc:
            ledger.abandon(row)
            raise Rejected(str(exc)) from exc
        tmp.seek(0)
        # Members land in Standard, to be read by their pipeline; they settle into the zip's
        # class once processed (ingestion.jobs), as direct uploads do.
        etag = storage.save(key, File(tmp, name=key), storage_class=StorageClass.STANDARD)
    dispatch(ObjectCreated(bucket=row.bucket, key=key, size=size, etag=etag))
