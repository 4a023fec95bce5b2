"""An S3 bucket through django-storages: the AWS mode (or any S3-compatible server).

Browsers upload big files straight to the bucket with presigned multipart URLs; the app only
starts, lists and completes the upload, so a 5 GB file never passes through a web task.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.base import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from ingestion.backends.base import (
    MultipartRefused,
    NoSuchUpload,
    Part,
    PlatformStorage,
    content_disposition,
)

CHUNK = 8 * 1024 * 1024


class BucketStorage(PlatformStorage, S3Storage):  # type: ignore[misc]  # S3Storage is untyped
    storage_classes = ("STANDARD", "INTELLIGENT_TIERING", "DEEP_ARCHIVE")
    parallel_parts = 4

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params: dict[str, Any] = super()._get_write_parameters(name, content)
        storage_class = getattr(content, "storage_class", None)
        if storage_class:
            params["StorageClass"] = storage_class
        return params

    @property
    def _client(self) -> Any:
        return self.connection.meta.client

    def store(self, key: str, content: File[bytes], *, storage_class: str | None) -> str:
        content.storage_class = storage_class  # type: ignore[attr-defined]  # read just above
        stored = self.save(key, content)
        if stored != key:
            raise RuntimeError(f"storage renamed {key!r} to {stored!r}")
        return self.etag(key)

    def write_bytes(
        self, key: str, data: bytes, *, content_type: str | None, storage_class: str | None
    ) -> str:
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        if storage_class:
            extra["StorageClass"] = storage_class
        response = self._client.put_object(
            Bucket=self.bucket_name, Key=self._normalize_name(key), Body=data, **extra
        )
        return str(response["ETag"]).strip('"')

    def exists(self, name: str) -> bool:
        """Whether the object is there, from a listing under its key, not a HEAD: S3 answers a
        HEAD of a missing key with 404 only to a caller that may list the whole bucket, and
        403 to the roles of deploy/terraform/iam.tf, which list only under some prefixes."""
        key = self._normalize_name(clean_name(name))
        found = self._client.list_objects_v2(Bucket=self.bucket_name, Prefix=key, MaxKeys=1)
        # Keys come sorted: the key itself precedes every longer key it is a prefix of.
        return any(item["Key"] == key for item in found.get("Contents", []))

    def etag(self, key: str) -> str:
        return str(self.bucket.Object(self._normalize_name(key)).e_tag).strip('"')

    def stream(self, key: str, chunk_size: int) -> Iterator[bytes]:
        # The response body as it arrives: no local copy first, unlike open().
        body = self.bucket.Object(self._normalize_name(key)).get()["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def list_keys(self, prefix: str) -> Iterator[str]:
        for obj in self.bucket.objects.filter(Prefix=prefix):
            yield str(obj.key)

    def copy_object(self, source: str, target: str, *, storage_class: str | None) -> None:
        extra: dict[str, Any] = {"StorageClass": storage_class} if storage_class else {}
        self.bucket.Object(target).copy(
            {"Bucket": self.bucket_name, "Key": source}, ExtraArgs=extra
        )

    def set_storage_class(self, key: str, storage_class: str) -> None:
        self.bucket.Object(key).copy(
            {"Bucket": self.bucket_name, "Key": key},
            ExtraArgs={"StorageClass": storage_class, "MetadataDirective": "COPY"},
        )

    def request_restore(self, key: str, days: int) -> datetime | None:
        """Deep Archive's bulk tier: back within 48 hours; until then nothing is readable."""
        self.bucket.Object(key).restore_object(
            RestoreRequest={"Days": days, "GlacierJobParameters": {"Tier": "Bulk"}}
        )
        return None

    def restore_state(self, key: str) -> str | None:
        restore: str | None = self.bucket.Object(key).restore
        return restore

    @contextmanager
    def local_path(self, key: str, suffix: str) -> Iterator[Path]:
        with tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
            with self.open(key, "rb") as handle:
                shutil.copyfileobj(handle, tmp, CHUNK)
            tmp.flush()
            yield Path(tmp.name)

    def signed_url(self, key: str, *, filename: str, inline: bool, seconds: int) -> str:
        disposition = content_disposition(filename, inline=inline)
        url: str = S3Storage.url(
            self, key, parameters={"ResponseContentDisposition": disposition}, expire=seconds
        )
        return url

    def probe(self) -> str:
        key = f"healthz/{uuid.uuid4().hex}"
        self._client.put_object(Bucket=self.bucket_name, Key=key, Body=b"ok")
        try:
            body = self._client.get_object(Bucket=self.bucket_name, Key=key)["Body"].read()
            if body != b"ok":
                raise OSError("the probe object read back different bytes")
        finally:
            self._client.delete_object(Bucket=self.bucket_name, Key=key)
        return "S3 bucket"

    # Multipart uploads -----------------------------------------------------------------------

    def start_multipart(
        self, key: str, *, size: int, part_size: int, storage_class: str, content_type: str
    ) -> str:
        response = self._client.create_multipart_upload(
            Bucket=self.bucket_name,
            Key=self._normalize_name(key),
            StorageClass=storage_class,
            ContentType=content_type,
        )
        return str(response["UploadId"])

    def part_url(self, key: str, upload_id: str, number: int, *, seconds: int) -> str:
        url: str = self._client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket_name,
                "Key": self._normalize_name(key),
                "UploadId": upload_id,
                "PartNumber": number,
            },
            ExpiresIn=seconds,
        )
        return url

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        parts = []
        pages = self._client.get_paginator("list_parts").paginate(
            Bucket=self.bucket_name, Key=self._normalize_name(key), UploadId=upload_id
        )
        try:
            for page in pages:
                for part in page.get("Parts", []):
                    parts.append(
                        Part(int(part["PartNumber"]), int(part["Size"]), part["ETag"].strip('"'))
                    )
        except ClientError as exc:
            raise _refusal(exc) from exc
        return parts

    def write_part(self, key: str, upload_id: str, number: int, body: IO[bytes], size: int) -> Part:
        """A part sent through the app (API clients that cannot reach the bucket)."""
        with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as spool:
            left = size
            while left:
                chunk = body.read(min(CHUNK, left))
                if not chunk:
                    raise MultipartRefused(f"Part {number} ended early; send it again.")
                spool.write(chunk)
                left -= len(chunk)
            spool.seek(0)
            try:
                response = self._client.upload_part(
                    Bucket=self.bucket_name,
                    Key=self._normalize_name(key),
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=spool,
                    ContentLength=size,
                )
            except ClientError as exc:
                raise _refusal(exc) from exc
        return Part(number, size, str(response["ETag"]).strip('"'))

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[Part]) -> str:
        try:
            response = self._client.complete_multipart_upload(
                Bucket=self.bucket_name,
                Key=self._normalize_name(key),
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": part.number, "ETag": f'"{part.etag.strip(chr(34))}"'}
                        for part in sorted(parts, key=lambda part: part.number)
                    ]
                },
            )
        except ClientError as exc:
            raise _refusal(exc) from exc
        return str(response["ETag"]).strip('"')

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._client.abort_multipart_upload(
                Bucket=self.bucket_name, Key=self._normalize_name(key), UploadId=upload_id
            )
        except ClientError as exc:
            if _code(exc) != "NoSuchUpload":
                raise


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _refusal(exc: ClientError) -> Exception:
    """S3's answers about the client's parts become plain refusals; anything else stays."""
    code = _code(exc)
    if code == "NoSuchUpload":
        return NoSuchUpload("That upload does not exist (completed or cancelled?).")
    if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall"):
        return MultipartRefused(
            {
                "InvalidPart": "A part is missing or differs from what was stored.",
                "InvalidPartOrder": "The parts must be listed in order.",
                "EntityTooSmall": "Every part but the last must be at least 5 MB.",
            }[code]
        )
    return exc
