"""Print the messages of a WhatsApp export as a JSON array, streamed message by message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chats.whatsapp.parser import NotAChatExport, parse

# Messages written per call to stdout: one call per message costs more than the parsing.
LINES_PER_WRITE = 2000


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
                self._write(parse(handle))
            except NotAChatExport as exc:
                raise CommandError(f"{path}: {exc}") from exc

    def _write(self, messages: Any) -> None:
        out = self.stdout
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        pending: list[str] = []
        separator = "\n"
        out.write("[", ending="")
        for message in messages:
            pending.append(
                separator
                + dumps(
                    {
                        "timestamp": message.timestamp,
                        "sender": message.sender,
                        "message": message.message,
                        "system": message.system,
                        "has_media": message.has_media,
                        "line": message.line,
                    }
                )
            )
            separator = ",\n"
            if len(pending) >= LINES_PER_WRITE:
                out.write("".join(pending), ending="")
                pending.clear()
        out.write("".join(pending) + "\n]")
