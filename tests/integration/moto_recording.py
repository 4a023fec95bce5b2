"""The requests an in-process moto server received, through moto's own recorder."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Requests:
    """What moto's recorder saw: (method, path) of every request since the last reset."""

    def __init__(self, tmp_path: Path) -> None:
        from moto.moto_api import recorder

        self.recorder = recorder
        self.file = tmp_path / "moto-recording.jsonl"
        recorder._location = str(self.file)
        recorder.reset_recording()
        recorder.start_recording()

    def reset(self) -> None:
        self.recorder.reset_recording()

    def seen(self) -> list[tuple[str, str]]:
        lines = self.file.read_text().splitlines() if self.file.exists() else []
        entries = [json.loads(line) for line in lines]
        return [(e["method"], unquote(urlsplit(e["url"]).path)) for e in entries]

    def stop(self) -> None:
        self.recorder.stop_recording()
