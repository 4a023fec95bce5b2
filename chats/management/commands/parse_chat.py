"""Print the messages of a WhatsApp export as a JSON array, streamed a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chats.whatsapp.parser import MessageColumns, NotAChatExport, parse_columns
from chats.whatsapp.steps import json_rows


class Command(BaseCommand):
    help = (
        "Parse a WhatsApp chat export and print a JSON array of "
        "{timestamp, sender, message, system, has_media, line}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the exported .txt file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        with handle:
            try:
                self._write(parse_columns(handle))
            except NotAChatExport as exc:
                raise CommandError(f"{path}: {exc}") from exc

    def _write(self, chunks: Iterable[MessageColumns]) -> None:
        out = self.stdout
        separator = "[\n"
        for columns in chunks:
            if columns.timestamp:
                out.write(separator + json_rows(columns), ending="")
                separator = ",\n"
        out.write("\n]" if separator == ",\n" else "[]")
