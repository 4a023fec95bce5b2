"""Errors in one place: JSON APIs answer JSON with a plain message for every error, whatever
raised it (a view, the CSRF check, the sign-in rule, an unknown path). A NUL byte that no form
caught and the database refused (PostgreSQL refuses NUL in strings) is a 400, not a 500; the
forms refuse it first wherever they read a parameter (Django's CharField does), naming it.

The JSON APIs are the paths under ``/api/`` and those ending ``.json``. Messages never carry
exception text or paths: the log has those, under the request's id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

log = logging.getLogger(__name__)

NUL_MESSAGE = "A parameter holds a NUL character (\\x00), which nothing here accepts."
CSRF_MESSAGE = (
    "The request was refused: its CSRF token is missing or out of date. Reload the page and "
    "try again (API clients: send the csrftoken cookie's value in an X-CSRFToken header)."
)
SERVER_MESSAGE = "Something went wrong on our side; it has been logged. Try again later."
MESSAGES = {
    400: "The request was not understood.",
    401: "authentication required",
    403: "You may not do that.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request is too large.",
}


def is_json_api(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith("/api/") or path.endswith(".json")


def refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """JSON for an API, plain text for a page."""
    if is_json_api(request):
        return JsonResponse({"error": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a JSON 403 for an API; Django's own page for pages."""
    if is_json_api(request):
        return JsonResponse({"error": CSRF_MESSAGE}, status=403)
    return django_csrf_failure(request, reason=reason)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: JSON for an API (no page rendered), Django's page otherwise."""
    if is_json_api(request):
        return JsonResponse({"error": MESSAGES[404]}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: JSON for an API, Django's page otherwise."""
    if is_json_api(request):
        return JsonResponse({"error": SERVER_MESSAGE}, status=500)
    return defaults.server_error(request)


def _is_json(response: HttpResponseBase) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


def _to_login(response: HttpResponseBase) -> bool:
    location = str(response.get("Location", ""))
    return response.status_code == 302 and location.startswith(str(settings.LOGIN_URL))


class ErrorsMiddleware:
    """Placed before the CSRF and sign-in middleware, so it sees their answers too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not is_json_api(request):
            return response
        if _to_login(response):
            return JsonResponse({"error": MESSAGES[401]}, status=401)
        status = response.status_code
        if status >= 400 and not _is_json(response):
            return JsonResponse({"error": _message(status)}, status=status)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if "NUL (0x00)" in str(exception):
            # The database refused a NUL that no form caught (PostgreSQL's own message).
            log.warning("%s %s: a NUL reached the database", request.method, request.path)
            return refusal(request, NUL_MESSAGE, 400)
        if not is_json_api(request):
            return None
        log.error("%s %s failed", request.method, request.path, exc_info=exception)
        return JsonResponse({"error": SERVER_MESSAGE}, status=500)


def _message(status: int) -> str:
    if status >= 500:
        return SERVER_MESSAGE
    if status in MESSAGES:
        return MESSAGES[status]
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return MESSAGES[400]
