"""The upload page and the upload API: files in, ledger rows out (see ingestion.uploads)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from ingestion.models import StorageClass, StoredObject
from ingestion.uploads import (
    HashingUploadHandler,
    UploadRefused,
    accept_upload,
    too_large_message,
)
from platform_site.auth import api_login_required


@require_GET
def upload_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ingestion/upload.html",
        {"storage_classes": StorageClass.choices, "max_size": settings.UPLOAD_MAX_SIZE},
    )


@csrf_exempt
@api_login_required
@require_POST
def api_upload(request: HttpRequest) -> HttpResponse:
    """``POST /api/uploads`` (multipart: file, storage_class, raw_only) → 201 with the status."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.UPLOAD_MAX_SIZE + 1024 * 1024:
        return _refused(UploadRefused(too_large_message(declared), status=413))
    # Stream to a temp file while hashing; must be set before anything reads request.POST.
    request.upload_handlers = [HashingUploadHandler(request)]
    if getattr(request, "api_bearer", False):
        return _upload(request)
    return csrf_protect(_upload)(request)


def _upload(request: HttpRequest) -> HttpResponse:
    try:
        uploaded = request.FILES.get("file")
        if uploaded is None:
            raise UploadRefused("No file in the request (expected a multipart field named 'file').")
        obj = accept_upload(
            request.user,
            uploaded,
            storage_class=request.POST.get("storage_class", StorageClass.STANDARD),
            raw_only=request.POST.get("raw_only", "").lower() in ("1", "true", "on", "yes"),
        )
    except UploadRefused as refused:
        return _refused(refused)
    body = obj.as_status_json()
    body["status_url"] = reverse("api-upload-status", args=[obj.pk])
    return JsonResponse(body, status=201)


def _refused(refused: UploadRefused) -> JsonResponse:
    return JsonResponse({"error": refused.message}, status=refused.status)


@api_login_required
@require_GET
def api_upload_status(request: HttpRequest, object_id: int) -> HttpResponse:
    obj = StoredObject.objects.owned_by(request.user).filter(pk=object_id).first()
    if obj is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(obj.as_status_json())


@api_login_required
@require_GET
def api_objects(request: HttpRequest) -> HttpResponse:
    """``GET /api/objects?ids=1,2,3`` → statuses of several objects (the upload page polls it)."""
    ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.isdigit()][:200]
    rows = StoredObject.objects.owned_by(request.user).filter(pk__in=ids)
    return JsonResponse({"objects": [obj.as_status_json() for obj in rows]})
