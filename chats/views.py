"""Chat pages: the list of chats, search, a conversation, one chat's statistics.

Every query is scoped to the signed-in user (`owner_of(request.user)`); a chat name in the URL
only ever selects among that user's own messages.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from chats import charts, presenters
from chats.forms import ChatForm, SearchForm, first_error, search_query
from chats.search.backend import ChatsUnavailable, get_engine, owner_of
from chats.search.engines import ChatEngine, Page
from chats.search.query import MessageFilter
from chats.search.sql import COUNT_LIMIT
from ingestion.models import Status, StoredObject
from ingestion.routing import Kind

SEARCH_PAGE_SIZE = 50
PENDING_LIMIT = 20
PARTICIPANTS_SHOWN = 4


def _unavailable(request: HttpRequest, exc: ChatsUnavailable) -> HttpResponse:
    return render(request, "chats/unavailable.html", {"reason": str(exc)}, status=503)


def _engine(request: HttpRequest) -> ChatEngine | HttpResponse:
    try:
        return get_engine()
    except ChatsUnavailable as exc:
        return _unavailable(request, exc)


def _last_activity(value: Any) -> str:
    try:
        ts = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    return f"{ts.day} {ts:%b %Y, %H:%M}"


def _chat_card(row: dict[str, Any]) -> dict[str, Any]:
    participants = row.get("participants") or []
    names = [p["sender"] for p in participants]
    return {
        "chat": row["chat"],
        "hue": presenters.sender_hue(row["chat"]),
        "initial": (row["chat"].strip()[:1] or "?").upper(),
        "messages": row["messages"],
        "media": row["media"],
        "first_date": row["first_date"],
        "last_date": row["last_date"],
        "last_activity": _last_activity(row.get("last_ts")),
        "participants": names[:PARTICIPANTS_SHOWN],
        "more_participants": max(0, len(names) - PARTICIPANTS_SHOWN),
        "participant_count": len(names),
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The user's chats, latest activity first; the export how-to when there are none yet."""
    engine = _engine(request)
    if isinstance(engine, HttpResponse):
        return engine
    chats = [_chat_card(row) for row in engine.chat_summaries(owner_of(request.user))]
    pending = list(
        StoredObject.objects.owned_by(request.user)
        .filter(kind=Kind.CHAT)
        .exclude(status=Status.DONE)
        .order_by("-created_at", "-id")[:PENDING_LIMIT]
    )
    return render(
        request,
        "chats/index.html",
        {
            "chats": chats,
            "pending": pending,
            "total_messages": sum(c["messages"] for c in chats),
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Messages matching the form, newest first, grouped by day, matches highlighted, with
    the count of all matches ("50 of 183")."""
    engine = _engine(request)
    if isinstance(engine, HttpResponse):
        return engine
    owner = owner_of(request.user)
    summaries = engine.chat_summaries(owner)
    form = SearchForm(
        request.GET,
        owner=owner,
        page_size=SEARCH_PAGE_SIZE,
        page_size_is_max=True,
        newest_first=True,
    )
    context: dict[str, Any] = {
        "form": form,
        "chat_names": sorted((row["chat"] for row in summaries), key=str.casefold),
    }
    if not form.is_valid():
        context.update(params=MessageFilter(owner=owner), error=first_error(form), days=[])
        return render(request, "chats/search.html", context, status=400)
    params = form.message_filter
    context.update(
        params=params,
        hue=presenters.sender_hue(params.chat),
        senders=_senders(summaries, params.chat),
        filters_on=sum(
            bool(x)
            for x in (
                params.chat,
                params.sender,
                params.date or params.date_from or params.date_to,
                params.hide_system,
                params.only_media,
            )
        ),
    )
    if not params.filtered:
        return render(request, "chats/search.html", context)
    # Later pages are told how many matches came before them and the total (figures to show,
    # not filters), so only the first page counts.
    seen = (form.cleaned_data.get("seen") or 0) if params.cursor else 0
    known = form.cleaned_data.get("total") if params.cursor else None
    page, total = _page_and_total(engine, params, known)
    over = total > COUNT_LIMIT
    urls = presenters.photo_urls(request.user, page.rows, chat=params.chat)
    hues = presenters.sender_hues(r["sender"] for r in page.rows)
    bubbles = [
        presenters.bubble(r, words=params.words, photo_urls=urls, hues=hues) for r in page.rows
    ]
    shown = seen + len(bubbles)
    context.update(
        searched=True,
        days=presenters.by_day(bubbles),
        count=len(bubbles),
        first=seen + 1,
        last=shown,
        total=COUNT_LIMIT if over else total,
        over=over,
        next_params=(
            search_query(params, cursor=page.next_cursor, seen=shown, total=total)
            if page.next_cursor
            else ""
        ),
        first_page=params.cursor is None,
    )
    return render(request, "chats/search.html", context)


def _page_and_total(
    engine: ChatEngine, params: MessageFilter, total: int | None
) -> tuple[Page, int]:
    """The page of matches and their count, the count asked for alongside the page (on
    Athena each is a query of a second or more; the engines are safe across threads)."""
    if total is not None:
        return engine.search(params), total
    with ThreadPoolExecutor(max_workers=1) as pool:
        counting = pool.submit(engine.count, params)
        page = engine.search(params)
        return page, counting.result()


def _senders(summaries: list[dict[str, Any]], chat: str | None) -> list[str]:
    """The senders to choose from: the chat's (most active first), or everyone's by name."""
    if chat:
        for row in summaries:
            if row["chat"] == chat:
                return [p["sender"] for p in row["participants"]]
        return []
    names = {p["sender"] for row in summaries for p in row["participants"]}
    return sorted(names, key=str.casefold)


def _stat_cards(totals: dict[str, Any]) -> list[tuple[str, str]]:
    span = ""
    if totals.get("first_date") and totals.get("last_date"):
        first = dt.date.fromisoformat(str(totals["first_date"]))
        last = dt.date.fromisoformat(str(totals["last_date"]))
        span = f"{(last - first).days + 1:,}"
    return [
        ("Messages", presenters.stat_number(totals.get("messages"))),
        ("Words", presenters.stat_number(totals.get("words"))),
        ("Media", presenters.stat_number(totals.get("media"))),
        ("Participants", presenters.stat_number(totals.get("senders"))),
        ("Days", span or "0"),
    ]


@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    """One chat's statistics as charts drawn on the server."""
    form = ChatForm(request.GET)
    if not form.is_valid():
        return redirect("chats:index")
    chat = form.cleaned_data["chat"]
    engine = _engine(request)
    if isinstance(engine, HttpResponse):
        return engine
    data = engine.chat_stats(owner_of(request.user), chat)
    totals = data["totals"]
    if not totals.get("messages"):
        context = {"chat": chat, "hue": presenters.sender_hue(chat), "empty": True}
        return render(request, "chats/stats.html", context, status=404)
    senders = data["senders"]
    hues = presenters.sender_hues(s["sender"] for s in senders)
    colors = [f"hsl({hues[s['sender']]} 62% 52%)" for s in senders]
    svg = {
        "senders": charts.sender_bars(
            [(s["sender"], s["messages"]) for s in senders],
            title="Messages per sender",
            chart_id="chart-senders",
            colors=colors,
        ),
        "months": charts.month_columns(
            [(m["month"], m["messages"]) for m in data["months"]],
            title="Messages per month",
            chart_id="chart-months",
            height=260,
        ),
        "heatmap": charts.heatmap(
            [(c["weekday"], c["hour"], c["messages"]) for c in data["heatmap"]],
            title="Messages by weekday and hour",
            chart_id="chart-heatmap",
        ),
        "words": charts.sender_bars(
            [(s["sender"], s["words"]) for s in senders],
            title="Words per sender",
            chart_id="chart-words",
            unit="words",
            colors=colors,
        ),
        "media": charts.sender_bars(
            [(s["sender"], s["media"]) for s in senders if s["media"]],
            title="Media per sender",
            chart_id="chart-media",
            unit="media",
            unit_one="media",
            colors=[c for c, s in zip(colors, senders, strict=True) if s["media"]],
        ),
    }
    return render(
        request,
        "chats/stats.html",
        {
            "chat": chat,
            "hue": presenters.sender_hue(chat),
            "totals": totals,
            "cards": _stat_cards(totals),
            "first_date": presenters.day_label(str(totals.get("first_date") or "")),
            "last_date": presenters.day_label(str(totals.get("last_date") or "")),
            # Built by chats.charts, which escapes every piece of text it draws.
            "charts": {name: mark_safe(markup) for name, markup in svg.items()},  # noqa: S308
        },
    )
