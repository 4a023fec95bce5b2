"""Build the silver Parquet of chat exports with the functions the chats.ingest_export task runs.

Without ``--full``: exports whose silver is not built yet (pending or failed) are added.
With ``--full``: the chosen chats (or all of an owner's chats) are dropped from silver and
written again from every bronze export; running it twice gives the same rows. Exports of
deleted uploads are left out. On AWS with a Glue job (``GLUE_JOB_NAME``) the work is queued
for the owners' Glue runs instead (chats.lake.glue), as the task does.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from chats.lake.writer import SourceDeleted, WriteStats, build_export_silver, rebuild_chats
from chats.models import ChatExport, SilverStatus


class Command(BaseCommand):
    help = "Build silver Parquet from bronze WhatsApp exports (the task's own functions)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="user name or id: only that user's chats")
        parser.add_argument("--chat", help="only the chat of this name")
        parser.add_argument(
            "--full",
            action="store_true",
            help="drop the chosen chats from silver and rebuild them from all their exports",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        exports = ChatExport.objects.filter(source__deleted_at__isnull=True).exclude(bronze_key="")
        if options["owner"]:
            exports = exports.filter(owner_id=self.owner_id(options["owner"]))
        if options["chat"]:
            exports = exports.filter(chat_name=options["chat"])
        started = time.monotonic()
        full = options["full"]
        total = self.full(exports, options["chat"]) if full else self.pending(exports)
        self.stdout.write(
            f"Silver: {total.rows_added} rows added, {total.files_written} files written, "
            f"{total.files_deleted} removed, {len(total.dates)} days touched "
            f"in {time.monotonic() - started:.1f} s."
        )

    def owner_id(self, value: str) -> int:
        users = get_user_model().objects
        user = users.filter(username=value).first()
        if user is None and value.isdigit():
            user = users.filter(pk=int(value)).first()
        if user is None:
            raise CommandError(f"No user {value!r}.")
        return int(user.pk)

    def pending(self, exports: QuerySet[ChatExport]) -> WriteStats:
        waiting = exports.exclude(silver_status__in=[SilverStatus.BUILT, SilverStatus.RUNNING])
        chosen = list(waiting.order_by("created_at", "pk"))
        total = WriteStats()
        for number, export in enumerate(chosen, 1):
            try:
                stats = build_export_silver(export)
            except SourceDeleted:
                self.report(f"[{number}/{len(chosen)}]", export, None, "deleted meanwhile")
                continue
            self.report(f"[{number}/{len(chosen)}]", export, stats)
            add(total, stats)
        return total

    def full(self, exports: QuerySet[ChatExport], chat: str | None) -> WriteStats:
        owners = sorted(set(exports.values_list("owner_id", flat=True)))
        total = WriteStats()
        for number, owner_id in enumerate(owners, 1):
            label = f"[owner {owner_id}, {number}/{len(owners)}]"

            def progress(export: ChatExport, _stats: WriteStats, label: str = label) -> None:
                self.report(label, export, None)

            stats = rebuild_chats(owner_id, None if chat is None else {chat}, progress=progress)
            add(total, stats)
        return total

    def report(
        self, label: str, export: ChatExport, stats: WriteStats | None, note: str = ""
    ) -> None:
        line = f"{label} “{export.chat_name}” (export {export.pk})"
        if stats is not None and stats.glue_run:
            line += f": queued for Glue run {stats.glue_run}"
        elif stats is not None:
            line += f": {stats.rows_added} rows added, {len(stats.dates)} days written"
        if note:
            line += f": {note}"
        self.stdout.write(line)
        self.stdout.flush()


def add(total: WriteStats, stats: WriteStats) -> None:
    total.rows_added += stats.rows_added
    total.files_written += stats.files_written
    total.files_deleted += stats.files_deleted
    total.dates |= stats.dates
