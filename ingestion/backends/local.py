"""Files on disk under ``LOCAL_STORAGE_DIR``: the embedded default and the unit tests' storage.

Multipart uploads keep S3's shape (numbered parts, an upload id, an ETag per part) so one browser
protocol serves both modes: parts are written straight into one sparse file at their offsets, so
they may arrive in any order and in parallel, and completing renames that file into place (no
copy, nothing held in memory). A part is recorded only once all its bytes are written, so a
dropped connection loses at most the part in flight.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.core import signing
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone

from ingestion.backends.base import (
    MultipartRefused,
    NoSuchUpload,
    Part,
    PlatformStorage,
    multipart_etag,
)

CHUNK = 1024 * 1024
PART_SALT = "ingestion.upload-part"
DOWNLOAD_SALT = "ingestion.download"
MULTIPART_DIR = ".multipart"  # a dot name: no key prefix, listing or glob of real files meets it
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


class LocalStorage(PlatformStorage, FileSystemStorage):
    storage_classes = ("STANDARD",)
    parallel_parts = 3  # each part holds one of the app's web threads while it streams in

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_overwrite", True)  # keys are unique; re-runs rewrite outputs
        super().__init__(**kwargs)

    def store(self, key: str, content: File[bytes], *, storage_class: str | None) -> str:
        stored = self.save(key, content)
        if stored != key:
            raise RuntimeError(f"storage renamed {key!r} to {stored!r}")
        md5 = getattr(content, "md5", None)  # computed while the upload streamed in
        return str(md5) if md5 else self.etag(key)

    def write_bytes(
        self, key: str, data: bytes, *, content_type: str | None, storage_class: str | None
    ) -> str:
        # Written beside the final name and renamed into place, so a reader (DuckDB over the
        # silver files, a download) never sees half a file; this also spares FileSystemStorage's
        # per-file locking, a seventh of the time of building a large chat's silver.
        _replace_file(self.path(key), data, self)
        return hashlib.md5(data, usedforsecurity=False).hexdigest()

    def etag(self, key: str) -> str:
        """The MD5 of the file: what S3 gives an object stored with one PUT."""
        digest = hashlib.md5(usedforsecurity=False)
        with self.open(key, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def list_keys(self, prefix: str) -> Iterator[str]:
        root = Path(self.location)
        base = root / prefix
        if not base.exists():
            return
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                yield relative.as_posix()

    def copy_object(self, source: str, target: str, *, storage_class: str | None) -> None:
        with self.open(source, "rb") as handle:
            self.save(target, handle)

    def set_storage_class(self, key: str, storage_class: str) -> None:
        """Files on disk have no storage class: nothing to change."""

    def request_restore(self, key: str, days: int) -> datetime | None:
        return timezone.now() + timedelta(days=days)  # the bytes are right here

    def restore_state(self, key: str) -> str | None:
        return None

    @contextmanager
    def local_path(self, key: str, suffix: str) -> Iterator[Path]:
        yield Path(self.path(key))

    def signed_url(self, key: str, *, filename: str, inline: bool, seconds: int) -> str:
        """A signed, expiring link to the app's own file view: the disk's presigned URL."""
        token = signing.dumps(
            {"k": key, "n": filename, "i": inline, "s": seconds}, salt=DOWNLOAD_SALT, compress=True
        )
        return reverse("signed-file", args=[token])

    def probe(self) -> str:
        name = f".probe-{uuid.uuid4().hex}"
        os.makedirs(self.location, exist_ok=True)
        path = Path(self.location) / name
        path.write_bytes(b"ok")
        try:
            if path.read_bytes() != b"ok":
                raise OSError("the probe file read back different bytes")
        finally:
            path.unlink()
        return "files on local disk"

    # Multipart uploads -----------------------------------------------------------------------

    def _upload_dir(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id):
            raise NoSuchUpload("That upload does not exist.")
        return Path(self.location) / MULTIPART_DIR / upload_id

    def _meta(self, key: str, upload_id: str) -> dict[str, Any]:
        try:
            text = (self._upload_dir(upload_id) / "meta.json").read_text()
            meta: dict[str, Any] = json.loads(text)
        except FileNotFoundError:
            raise NoSuchUpload("That upload does not exist (completed or cancelled?).") from None
        if meta["key"] != key:
            raise NoSuchUpload("That upload belongs to another object.")
        return meta

    def start_multipart(
        self, key: str, *, size: int, part_size: int, storage_class: str, content_type: str
    ) -> str:
        self.path(key)  # refuses a key that leaves the storage root, before anything is written
        upload_id = uuid.uuid4().hex
        directory = self._upload_dir(upload_id)
        (directory / "parts").mkdir(parents=True)
        with open(directory / "data", "wb") as data:
            data.truncate(size)  # sparse: the disk fills as parts arrive
        meta = {"key": key, "size": size, "part_size": part_size}
        _replace_file(str(directory / "meta.json"), json.dumps(meta).encode(), self)
        return upload_id

    def part_url(self, key: str, upload_id: str, number: int, *, seconds: int) -> str:
        """A signed, expiring app URL: the disk's presigned UploadPart (the token is the right
        to send that one part, as S3's signature is)."""
        token = signing.dumps({"k": key, "u": upload_id, "n": number, "s": seconds}, salt=PART_SALT)
        return reverse("api-upload-part", args=[token]) + f"?partNumber={number}"

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        self._meta(key, upload_id)
        parts = []
        for path in (self._upload_dir(upload_id) / "parts").glob("*.json"):
            recorded = json.loads(path.read_text())
            parts.append(Part(int(path.stem), int(recorded["size"]), str(recorded["etag"])))
        return sorted(parts, key=lambda part: part.number)

    def write_part(self, key: str, upload_id: str, number: int, body: IO[bytes], size: int) -> Part:
        meta = self._meta(key, upload_id)
        offset, expected = part_span(meta["size"], meta["part_size"], number)
        if size != expected:
            raise MultipartRefused(
                f"Part {number} must be {expected} bytes (parts of {meta['part_size']} bytes, "
                f"the last one shorter); this one is {size}."
            )
        directory = self._upload_dir(upload_id)
        digest = hashlib.md5(usedforsecurity=False)
        written = 0
        fd = os.open(directory / "data", os.O_WRONLY)
        try:
            while written < size:
                chunk = body.read(min(CHUNK, size - written))
                if not chunk:
                    raise MultipartRefused(
                        f"Part {number} ended after {written} of {size} bytes "
                        "(the connection dropped?); send it again."
                    )
                os.pwrite(fd, chunk, offset + written)
                digest.update(chunk)
                written += len(chunk)
        finally:
            os.close(fd)
        part = Part(number, size, digest.hexdigest())
        record = json.dumps({"size": part.size, "etag": part.etag}).encode()
        _replace_file(str(directory / "parts" / f"{number}.json"), record, self)
        return part

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[Part]) -> str:
        meta = self._meta(key, upload_id)
        stored = {part.number: part for part in self.list_parts(key, upload_id)}
        count = part_count(meta["size"], meta["part_size"])
        missing = [n for n in range(1, count + 1) if n not in stored]
        if missing:
            raise MultipartRefused(f"Parts still missing: {_ranges(missing)}.")
        given = {part.number: part.etag for part in parts}
        if sorted(given) != list(range(1, count + 1)):
            raise MultipartRefused(f"The completion must list parts 1 to {count}, each once.")
        wrong = [n for n, etag in given.items() if etag and etag.strip('"') != stored[n].etag]
        if wrong:
            raise MultipartRefused(f"Parts {_ranges(wrong)} differ from what was stored.")
        directory = self._upload_dir(upload_id)
        target = self.path(key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if self.file_permissions_mode is not None:
            os.chmod(directory / "data", self.file_permissions_mode)
        os.replace(directory / "data", target)
        shutil.rmtree(directory, ignore_errors=True)
        return multipart_etag([stored[n].etag for n in range(1, count + 1)])

    def abort_multipart(self, key: str, upload_id: str) -> None:
        with contextlib.suppress(NoSuchUpload):
            self._meta(key, upload_id)
            shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)


def part_count(size: int, part_size: int) -> int:
    return max(1, -(-size // part_size))


def part_span(size: int, part_size: int, number: int) -> tuple[int, int]:
    """(offset, length) of part ``number`` (from 1) of a ``size``-byte object."""
    if not 1 <= number <= part_count(size, part_size):
        raise MultipartRefused(
            f"Part {number} does not exist: this upload has parts 1 to "
            f"{part_count(size, part_size)}."
        )
    offset = (number - 1) * part_size
    return offset, min(part_size, size - offset)


def unsign_part(token: str) -> tuple[str, str, int]:
    """(key, upload id, part number) of a signed part URL; raises signing.BadSignature."""
    payload = _unsign(token, PART_SALT)
    return str(payload["k"]), str(payload["u"]), int(payload["n"])


def unsign_download(token: str) -> dict[str, Any]:
    """The payload of a signed file URL; raises signing.BadSignature when forged or expired."""
    return _unsign(token, DOWNLOAD_SALT)


def _unsign(token: str, salt: str) -> dict[str, Any]:
    payload: dict[str, Any] = signing.loads(token, salt=salt)
    signing.loads(token, salt=salt, max_age=int(payload["s"]))  # each token names its lifetime
    return payload


def _ranges(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _replace_file(path: str, data: bytes, store: FileSystemStorage) -> None:
    # The temporary name is a dot name per process and thread that no glob of real files meets.
    directory, name = os.path.split(path)
    temporary = f"{directory}/.{name}.{os.getpid()}-{threading.get_ident()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        handle = os.open(temporary, flags, 0o666)
    except FileNotFoundError:
        mode = store.directory_permissions_mode
        os.makedirs(directory, 0o777 if mode is None else mode, exist_ok=True)
        handle = os.open(temporary, flags, 0o666)
    try:
        with open(handle, "wb") as file:
            file.write(data)
        if store.file_permissions_mode is not None:
            os.chmod(temporary, store.file_permissions_mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
