"""ingestion.storage on disk: bytes land whole under exactly their key, privately."""

from __future__ import annotations

import hashlib
import io
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

    monkeypatch.setattr("ingestion.backends.local.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        storage.save_bytes(key, b"half")

    assert storage.read_bytes(key) == b"good thumbnail"
    assert [p.name for p in (root(settings) / key).parent.iterdir()] == ["5.jpg"]


def test_the_storage_must_be_one_of_the_platforms_backends(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    with pytest.raises(ImproperlyConfigured, match="LocalStorage or"):
        storage.exists("a")


def test_files_on_disk_offer_only_the_standard_class_and_restore_at_once() -> None:
    storage.save_bytes("raw-archive/1/u/cold.bin", b"cold")

    assert storage.storage_classes() == ("STANDARD",)
    assert storage.request_restore("raw-archive/1/u/cold.bin") is not None


def test_parts_are_joined_in_place_without_a_copy(settings: Any) -> None:
    key = "misc/1/u/big.bin"
    part = 5 * 1024 * 1024
    upload_id = storage.start_multipart(
        key, size=2 * part, part_size=part, storage_class="STANDARD", content_type=""
    )
    for number in (2, 1):
        storage.write_part(key, upload_id, number, io.BytesIO(bytes([number]) * part), part)
    assembled = root(settings) / ".multipart" / upload_id / "data"
    inode = assembled.stat().st_ino

    storage.complete_multipart(key, upload_id, storage.list_parts(key, upload_id))

    assert (root(settings) / key).stat().st_ino == inode  # renamed into place, not copied
    assert storage.read_bytes(key) == b"\x01" * part + b"\x02" * part
    assert not (root(settings) / ".multipart" / upload_id).exists()


def test_listing_leaves_out_uploads_under_way(settings: Any) -> None:
    storage.save_bytes("misc/1/u/done.txt", b"x")
    storage.start_multipart(
        "misc/1/v/half.bin", size=10, part_size=5 * 1024 * 1024, storage_class="", content_type=""
    )

    assert list(storage.list_keys("")) == ["misc/1/u/done.txt"]


def test_a_part_cut_short_is_not_recorded(settings: Any) -> None:
    from ingestion.backends.base import MultipartRefused

    key, part = "misc/1/u/cut.bin", 5 * 1024 * 1024
    upload_id = storage.start_multipart(
        key, size=part, part_size=part, storage_class="", content_type=""
    )
    with pytest.raises(MultipartRefused, match="ended after 1000 of"):
        storage.write_part(key, upload_id, 1, io.BytesIO(b"x" * 1000), part)

    assert storage.list_parts(key, upload_id) == []
