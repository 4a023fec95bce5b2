"""`GET /api/chats`: the signed-in user's messages as JSON, keyset-paginated."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from chats.forms import SearchForm, first_error
from chats.search.backend import ChatsUnavailable, get_engine, owner_of
from platform_site.auth import api_login_required

FIELDS = ("message_id", "chat", "date", "time", "ts", "sender", "message", "word_count")


@api_login_required
@require_GET
def messages(request: HttpRequest) -> HttpResponse:
    """``?chat=&sender=&q=&date=&from=&to=&limit=&cursor=`` → ``{results, next_cursor}``.

    Oldest first; ``limit`` defaults to 200 and is at most 1000; pass ``next_cursor`` back as
    ``cursor`` for the next page (null on the last one). A bad parameter is a 400 whose
    ``error`` names it and says why.
    """
    form = SearchForm(request.GET, owner=owner_of(request.user))
    if not form.is_valid():
        return JsonResponse({"error": first_error(form)}, status=400)
    try:
        engine = get_engine()
    except ChatsUnavailable as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    page = engine.search(form.message_filter)
    return JsonResponse(
        {
            "results": [{name: row.get(name) for name in FIELDS} for row in page.rows],
            "next_cursor": page.next_cursor,
        },
        json_dumps_params={"ensure_ascii": False},
    )
