"""Actions on several files at once, for the library and the gallery's multi-select: delete
(each through ``ingestion.deletion.request_delete``) and download as one zip.

Both take the signed-in user and object ids and act only on that user's files; other ids are
ignored, never an error that would tell whether they exist.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import quote

from botocore.exceptions import ClientError
from django.db import transaction
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from zipstream import ZipStream

from ingestion import deletion, storage
from ingestion.library import selected
from ingestion.models import StoredObject


class Deleted(NamedTuple):
    id: int
    name: str


def delete_objects(user: Any, ids: Iterable[int]) -> list[Deleted]:
    """Request the deletion of the user's files among ``ids``; returns those deleted. All are
    recorded or none (one transaction), so a failure leaves no half-deleted selection."""
    done: list[Deleted] = []
    with transaction.atomic():
        for obj in selected(user, ids).select_for_update().order_by("pk"):
            done.append(Deleted(obj.pk, obj.original_name))
            deletion.request_delete(obj)
    return done


class ZipPlan(NamedTuple):
    files: list[tuple[StoredObject, str]]  # what goes in, under which name
    left_out: list[tuple[StoredObject, str]]  # what does not, and why


def plan_zip(user: Any, ids: Iterable[int]) -> ZipPlan:
    """Which of the user's files among ``ids`` go into a download, and under which names: each
    content once, names made unique ("a (2).jpg"), Deep Archive files not restored left out,
    as are files no longer stored (sizes are read from storage, so the zip's length is exact).
    """
    objects = selected(user, ids).order_by("created_at", "id")
    files: list[tuple[StoredObject, str]] = []
    left_out: list[tuple[StoredObject, str]] = []
    contents: set[tuple[int, str]] = set()
    names: set[str] = set()
    for obj in objects:
        if obj.etag and (obj.size, obj.etag) in contents:
            continue
        if not obj.is_downloadable:
            left_out.append((obj, "in Glacier Deep Archive: restore it in the library first"))
            continue
        try:
            obj.size = storage.size_of(obj.key)
        except (FileNotFoundError, OSError, ClientError):
            left_out.append((obj, "no longer in storage"))
            continue
        contents.add((obj.size, obj.etag))
        files.append((obj, _unique(_zip_name(obj.original_name), names)))
    return ZipPlan(files, left_out)


def _zip_name(name: str) -> str:
    """A name a zip tool extracts where it should: no folders, no control characters."""
    name = "".join("_" if ch in "/\\" or unicodedata.category(ch)[0] == "C" else ch for ch in name)
    return name.strip(" .") or "file"


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    taken.add(candidate.casefold())
    return candidate


def _note(left_out: list[tuple[StoredObject, str]]) -> str:
    lines = [f"{len(left_out)} of the selected files are not in this zip:", ""]
    lines += [f"- {obj.original_name}: {why}" for obj, why in left_out]
    return "\n".join(lines) + "\n"


NOTE_NAME = "Not included.txt"
ZIP_CHUNK = 1024 * 1024


def zip_response(plan: ZipPlan, *, name: str = "files") -> HttpResponseBase:
    """The planned files as one zip, streamed as it is written: each file is read from storage
    in chunks while it is sent, so memory stays flat whatever the sizes. Stored, not
    compressed (photos and videos are compressed already), which lets the response say its
    length and the browser show progress. Files left out are listed in "Not included.txt"."""
    archive = ZipStream(sized=True)
    for obj, arcname in plan.files:
        archive.add(storage.stream(obj.key, ZIP_CHUNK), arcname, size=obj.size)
    if plan.left_out:
        archive.add(_note(plan.left_out).encode(), NOTE_NAME)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    filename = f"{name}-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response
