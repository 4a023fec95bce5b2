"""The upload page and the upload API: files in, ledger rows out.

One request per file (``POST /api/uploads``, ingestion.uploads) or resumable in parts
(``/api/uploads/multipart`` …, ingestion.multipart); the page uses the resumable protocol.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ingestion import links, multipart, storage
from ingestion.backends.base import MultipartRefused, NoSuchUpload
from ingestion.backends.local import unsign_part
from ingestion.forms import ObjectIdsForm, first_error
from ingestion.models import StorageClass, StoredObject
from ingestion.upload_forms import (
    CompleteForm,
    PartNumbersForm,
    StartUploadForm,
    UploadChoicesForm,
    check_name,
    too_large_message,
)
from ingestion.uploads import (
    STORAGE_ERRORS,
    Choices,
    HashingUploadHandler,
    UploadRefused,
    accept_upload,
    storage_failed,
)
from platform_site.auth import api_login_required


@require_GET
def upload_page(request: HttpRequest) -> HttpResponse:
    offered = storage.storage_classes()
    return render(
        request,
        "ingestion/upload.html",
        {
            "storage_classes": [(c, StorageClass(c).label) for c in offered],
            "max_size": settings.UPLOAD_MAX_SIZE,
        },
    )


def _refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _refusals_as_json(gone: int = 409) -> Callable[[Callable[..., HttpResponse]], Any]:
    """A refusal raised by the upload code becomes a JSON answer saying why; ``gone`` is the
    status for an upload that no longer exists (409 to its owner, 404 to a part URL)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except NoSuchUpload as missing:
                return _refused(str(missing), gone)
            except MultipartRefused as refused:
                return _refused(str(refused))
            except ValidationError as invalid:
                return _refused(" ".join(invalid.messages))
            except UploadRefused as refused:
                return _refused(refused.message, refused.status)
            except STORAGE_ERRORS as exc:
                failure = storage_failed(exc)
                return _refused(failure.message, failure.status)

        return wrapper

    return decorate


def _session_csrf(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Session callers need the CSRF token; a provider's bearer token is no ambient cookie."""

    @csrf_exempt
    @api_login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "api_bearer", False):
            return view(request, *args, **kwargs)
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapper


@csrf_exempt
@api_login_required
@require_POST
@_refusals_as_json()
def api_upload(request: HttpRequest) -> HttpResponse:
    """``POST /api/uploads`` (multipart: file, storage_class, raw_only, last_modified) → 201."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.UPLOAD_MAX_SIZE + 1024 * 1024:
        return _refused(too_large_message(declared), 413)
    # Stream to a temp file while hashing; must be set before anything reads request.POST.
    handler = HashingUploadHandler(request)
    request.upload_handlers = [handler]
    view = functools.partial(_upload, handler=handler)
    if getattr(request, "api_bearer", False):
        return view(request)
    return csrf_protect(view)(request)


def _upload(request: HttpRequest, *, handler: HashingUploadHandler) -> HttpResponse:
    request.POST  # noqa: B018  (reads the body through the handler, if the CSRF check did not)
    if handler.refused is not None:
        return _refused(handler.refused.message, handler.refused.status)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _refused(
            "No file in the request (expected a multipart field named 'file' with a file name)."
        )
    form = UploadChoicesForm(request.POST)
    if not form.is_valid():
        return _refused(first_error(form))
    name = check_name(getattr(uploaded, "original_name", None) or uploaded.name or "file")
    obj = accept_upload(request.user, uploaded, _choices(form, name, uploaded.content_type))
    return JsonResponse(_status(obj), status=201)


def _choices(form: UploadChoicesForm, name: str, content_type: str | None) -> Choices:
    return Choices(
        name=name,
        storage_class=form.cleaned_data["storage_class"],
        raw_only=form.cleaned_data["raw_only"],
        client_modified_at=form.client_modified_at(),
        content_type=content_type or "",
    )


def _status(obj: StoredObject) -> dict[str, Any]:
    body = obj.as_status_json()
    body["status_url"] = reverse("api-upload-status", args=[obj.pk])
    body["link"] = links.as_json(obj)
    return body


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@_session_csrf
@require_POST
@_refusals_as_json()
def api_start(request: HttpRequest) -> HttpResponse:
    """``POST /api/uploads/multipart`` → 201: the row exists, the parts may be sent."""
    body = _json_body(request)
    if body is None:
        return _refused("Send a JSON object: {name, size, storage_class, raw_only, last_modified}.")
    form = StartUploadForm(body)
    if not form.is_valid():
        status = 413 if form.has_error("size", "too_large") else 400
        return _refused(first_error(form), status)
    data = form.cleaned_data
    obj = multipart.start(
        request.user,
        _choices(form, data["name"], data["content_type"]),
        data["size"],
        data["part_size"],
    )
    return JsonResponse(_status_with_upload(obj), status=201)


def _status_with_upload(obj: StoredObject) -> dict[str, Any]:
    return _status(obj) | multipart.progress(obj)


def _owned(request: HttpRequest, object_id: int) -> StoredObject | None:
    return StoredObject.objects.owned_by(request.user).filter(pk=object_id).first()


@_session_csrf
@require_http_methods(["GET", "DELETE"])
@_refusals_as_json()
def api_upload_status(request: HttpRequest, object_id: int) -> HttpResponse:
    """``GET``: the status (and the parts stored, while uploading); ``DELETE``: cancel."""
    obj = _owned(request, object_id)
    if obj is None:
        return _refused("not found", 404)
    if request.method == "DELETE":
        multipart.cancel(obj)
        return HttpResponse(status=204)
    return JsonResponse(_status_with_upload(obj))


@api_login_required
@require_GET
@_refusals_as_json()
def api_part_urls(request: HttpRequest, object_id: int) -> HttpResponse:
    """``GET /api/uploads/<id>/parts?numbers=1,2`` → where to PUT those parts."""
    obj = _owned(request, object_id)
    if obj is None:
        return _refused("not found", 404)
    form = PartNumbersForm(request.GET)
    if not form.is_valid():
        return _refused(first_error(form))
    return JsonResponse({"urls": multipart.part_urls(obj, form.cleaned_data["numbers"])})


@_session_csrf
@require_POST
@_refusals_as_json()
def api_complete(request: HttpRequest, object_id: int) -> HttpResponse:
    """``POST /api/uploads/<id>/complete`` {parts: [{number, etag}]} → the status."""
    obj = _owned(request, object_id)
    if obj is None:
        return _refused("not found", 404)
    form = CompleteForm(_json_body(request) or {})
    if not form.is_valid():
        return _refused(first_error(form))
    return JsonResponse(_status(multipart.complete(obj, form.cleaned_data["parts"])))


@csrf_exempt
@login_not_required
@require_http_methods(["PUT"])
@_refusals_as_json(gone=404)
def api_put_part(request: HttpRequest, token: str) -> HttpResponse:
    """``PUT /api/uploads/parts/<token>``: one part's bytes. The signed token is the right to
    send that part, as a presigned S3 URL is, so it needs neither cookie nor CSRF token."""
    try:
        key, upload_id, number = unsign_part(token)
    except signing.BadSignature:
        return _refused("This part URL is invalid or has expired; ask for a new one.", 403)
    try:
        size = int(request.META.get("CONTENT_LENGTH") or -1)
    except ValueError:
        size = -1
    if size < 0:
        return _refused("Send the part with a Content-Length.", 411)
    part = multipart.write_part_for_token(key, upload_id, number, request, size)
    response = JsonResponse({"number": part.number, "size": part.size, "etag": part.etag})
    response["ETag"] = f'"{part.etag}"'
    return response


@api_login_required
@require_GET
def api_objects(request: HttpRequest) -> HttpResponse:
    """``GET /api/objects?ids=1,2,3`` → statuses of several objects (the upload page polls it)."""
    form = ObjectIdsForm(request.GET)
    if not form.is_valid():
        return _refused(first_error(form))
    rows = StoredObject.objects.owned_by(request.user).filter(pk__in=form.cleaned_data["ids"])
    return JsonResponse({"objects": [_status(obj) for obj in rows]})
