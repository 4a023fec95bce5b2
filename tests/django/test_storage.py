"""ingestion.storage on disk: bytes land whole under exactly their key, privately."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation

from ingestion import storage


def root(settings: Any) -> Path:
    return Path(settings.LOCAL_STORAGE_DIR)


def test_saved_bytes_replace_the_old_file_and_leave_no_temporary_file(settings: Any) -> None:
    key = "silver/whatsapp/date=2024-03-01/part-7.parquet"
    storage.save_bytes(key, b"old bytes")

    etag = storage.save_bytes(key, b"new bytes")

    assert storage.read_bytes(key) == b"new bytes"
    digest = hashlib.md5(b"new bytes", usedforsecurity=False).hexdigest()
    assert etag == digest == storage.etag_of(key)
    assert [p.name for p in (root(settings) / key).parent.iterdir()] == ["part-7.parquet"]


def test_saved_files_are_readable_only_by_their_owner(settings: Any) -> None:
    storage.save_bytes("processed/csv/1/2_summary.json", b"{}")

    mode = (root(settings) / "processed/csv/1/2_summary.json").stat().st_mode
    assert stat.S_IMODE(mode) == settings.FILE_UPLOAD_PERMISSIONS == 0o600


@pytest.mark.parametrize("key", ["../outside.txt", "/etc/passwd-copy", "a/../../outside.txt"])
def test_a_key_leaving_the_storage_root_is_refused(settings: Any, key: str) -> None:
    with pytest.raises(SuspiciousFileOperation):
        storage.save_bytes(key, b"x")
    assert not (root(settings).parent / "outside.txt").exists()


def test_a_failed_write_keeps_the_old_file(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "photos/thumbnails/1/5.jpg"
    storage.save_bytes(key, b"good thumbnail")

    def refuse(source: Any, target: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("ingestion.storage.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        storage.save_bytes(key, b"half")

    assert storage.read_bytes(key) == b"good thumbnail"
    assert [p.name for p in (root(settings) / key).parent.iterdir()] == ["5.jpg"]
